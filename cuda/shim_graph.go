//go:build cuda

package cuda

// Stream capture into a CUDA graph, for the device tests of OpenStream
// (an engine captures its own stream; the backend never does): begin a
// capture, end it into a graph, instantiate, launch and destroy.

/*
#include <cuda.h>
#include <stdint.h>

static int rotor_capture_begin(uintptr_t s) {
	return cuStreamBeginCapture((CUstream)s, CU_STREAM_CAPTURE_MODE_GLOBAL);
}

static int rotor_capture_end(uintptr_t s, uintptr_t* exec) {
	CUgraph g = NULL;
	int rc = cuStreamEndCapture((CUstream)s, &g);
	if (rc != CUDA_SUCCESS) {
		return rc;
	}
	CUgraphExec e = NULL;
	rc = cuGraphInstantiateWithFlags(&e, g, 0);
	cuGraphDestroy(g);
	*exec = (uintptr_t)e;
	return rc;
}

static int rotor_graph_launch(uintptr_t e, uintptr_t s) { return cuGraphLaunch((CUgraphExec)e, (CUstream)s); }
static int rotor_graph_destroy(uintptr_t e) { return cuGraphExecDestroy((CUgraphExec)e); }
*/
import "C"

func shimCaptureBegin(s uintptr) Result { return Result(C.rotor_capture_begin(C.uintptr_t(s))) }

func shimCaptureEnd(s uintptr) (uintptr, Result) {
	var e C.uintptr_t
	r := Result(C.rotor_capture_end(C.uintptr_t(s), &e))
	return uintptr(e), r
}

func shimGraphLaunch(e, s uintptr) Result {
	return Result(C.rotor_graph_launch(C.uintptr_t(e), C.uintptr_t(s)))
}
func shimGraphDestroy(e uintptr) Result { return Result(C.rotor_graph_destroy(C.uintptr_t(e))) }
