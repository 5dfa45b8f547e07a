package bench_test

import (
	"fmt"
	"os"

	"github.com/rotorkernels/rotor/bench"
)

// A row's rates are derived from its time, its bytes and the peaks
// measured in the same run.
func ExampleResult_Derive() {
	r := bench.Result{Op: "rope", Backend: "fallback", Model: "llama-3.1-8b", DType: "bf16",
		Shape: "T=8192 Hq=32 Hk=8 D=128", Seconds: 0.025, Bytes: bench.RoPEBytes(8192, 32, 8, 128, 2)}
	r.Derive(bench.Peaks{CopyGBps: 30, GFlops: 300})
	fmt.Printf("%.2f GB/s, %.0f%% of the copy peak\n", r.GBps, 100*r.RatioToPeak)
	fmt.Printf("roofline %.2f ms (%s bound): %.0f%% of it reached\n", 1e3*r.RooflineSeconds, r.RooflineBound, 100*r.RatioToRoofline)
	fmt.Println(bench.BenchName(r))
	// Output:
	// 6.71 GB/s, 22% of the copy peak
	// roofline 5.59 ms (copy bound): 22% of it reached
	// BenchmarkRope/backend=fallback/model=llama-3.1-8b/dtype=bf16/T=8192/Hq=32/Hk=8/D=128
}

// Models are the benchmark workloads.
func ExampleModels() {
	for _, m := range bench.Models() {
		fmt.Printf("%-16s %2d/%-2d heads  d=%-3d  GQA %d\n", m.Name, m.QHeads, m.KVHeads, m.HeadDim, m.GQA())
	}
	// Output:
	// llama-3.1-8b     32/8  heads  d=128  GQA 4
	// qwen2.5-7b-1m    28/4  heads  d=128  GQA 7
	// phi-3-mini-128k  32/32 heads  d=96   GQA 1
	// gpt-oss-20b      64/8  heads  d=64   GQA 8
}

func ExampleWriteTable() {
	r := bench.Result{Op: "rope", Backend: "fallback", Model: "gpt-oss-20b", DType: "f32",
		Shape: "T=512 Hq=64 Hk=8 D=64", Seconds: 2e-3, Bytes: 19e6, Notes: "yarn"}
	r.Derive(bench.Peaks{CopyGBps: 25, CopyMethod: "non-temporal"})
	bench.WriteTable(os.Stdout, []bench.Result{r})
	// Output:
	// peaks measured in this run: copy 25.0 GB/s (non-temporal)
	//
	// op    backend   model        dtype  shape                     time  GB/s  %copy  %read  %gather  TFLOP/s  %fma     roofline  %roof  ×naive  notes
	// rope  fallback  gpt-oss-20b  f32    T=512 Hq=64 Hk=8 D=64  2.00 ms  9.50    38%      -        -        -     -  760 µs copy    38%       -  yarn
}
