package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"runtime"
	"strings"

	"golang.org/x/sys/cpu"

	"github.com/rotorkernels/rotor"
	"github.com/rotorkernels/rotor/fallback"
)

func init() {
	register(&command{
		name:    "info",
		summary: "print the backends available, the Go runtime and the CPU features the fallback uses",
		run:     runInfo,
	})
}

// infoJSON is rotor info's report.
type infoJSON struct {
	Backends    []string        `json:"backends"`
	CUDABuilt   bool            `json:"cuda_built"`
	GoVersion   string          `json:"go_version"`
	OS          string          `json:"os"`
	Arch        string          `json:"arch"`
	GOMAXPROCS  int             `json:"gomaxprocs"`
	NumCPU      int             `json:"num_cpu"`
	CPUFeatures map[string]bool `json:"cpu_features"`
	FallbackImp string          `json:"fallback_impl"`
	// Devices and NVRTC describe the CUDA devices and the linked NVRTC
	// of a cuda build.
	Devices []deviceJSON `json:"cuda_devices,omitempty"`
	NVRTC   string       `json:"nvrtc,omitempty"`
}

// deviceJSON describes one CUDA device.
type deviceJSON struct {
	Ordinal     int    `json:"ordinal"`
	Name        string `json:"name"`
	Compute     string `json:"compute_capability"`
	CompiledFor string `json:"kernels_compiled_for"`
	SMs         int    `json:"sms"`
	MemoryBytes int    `json:"memory_bytes"`
	Driver      string `json:"driver_cuda_version"`
	Error       string `json:"error,omitempty"`
}

// cpuFeatures lists the x86 features rotor's CPU paths can use, in
// display order.
var cpuFeatures = []struct {
	name string
	has  *bool
}{
	{"avx2", &cpu.X86.HasAVX2},
	{"fma", &cpu.X86.HasFMA},
	{"f16c", &cpu.X86.HasF16C},
	{"avx512f", &cpu.X86.HasAVX512F},
	{"avx512bw", &cpu.X86.HasAVX512BW},
	{"avx512vl", &cpu.X86.HasAVX512VL},
	{"avx512dq", &cpu.X86.HasAVX512DQ},
	{"avx512bf16", &cpu.X86.HasAVX512BF16},
}

func gatherInfo() infoJSON {
	in := infoJSON{
		Backends:    rotor.Backends(),
		CUDABuilt:   rotor.CUDABuilt(),
		GoVersion:   runtime.Version(),
		OS:          runtime.GOOS,
		Arch:        runtime.GOARCH,
		GOMAXPROCS:  runtime.GOMAXPROCS(0),
		NumCPU:      runtime.NumCPU(),
		CPUFeatures: map[string]bool{},
		FallbackImp: fallback.Impl(),
	}
	in.Devices, in.NVRTC = cudaInfo()
	if runtime.GOARCH == "amd64" {
		for _, f := range cpuFeatures {
			in.CPUFeatures[f.name] = *f.has
		}
	}
	return in
}

func runInfo(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("info", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parseFlags(fs, args, stdout); err != nil {
		return err
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	in := gatherInfo()
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(in)
	}
	cudaLine := "not built (build with -tags cuda)"
	if in.CUDABuilt {
		cudaLine = "built; no device found"
		for _, b := range in.Backends {
			if b == "cuda" {
				cudaLine = "built; device present"
			}
		}
	}
	var have, lack []string
	for _, f := range cpuFeatures {
		if in.CPUFeatures[f.name] {
			have = append(have, f.name)
		} else if runtime.GOARCH == "amd64" {
			lack = append(lack, f.name)
		}
	}
	fmt.Fprintf(stdout, "backends:      %s\n", strings.Join(in.Backends, ", "))
	fmt.Fprintf(stdout, "cuda:          %s\n", cudaLine)
	if in.CUDABuilt {
		fmt.Fprintf(stdout, "nvrtc:         %s\n", in.NVRTC)
	}
	for _, d := range in.Devices {
		fmt.Fprintf(stdout, "cuda:%d:        %s, compute %s (kernels compiled for %s), %d SMs, %.1f GiB, driver CUDA %s\n",
			d.Ordinal, d.Name, d.Compute, d.CompiledFor, d.SMs, float64(d.MemoryBytes)/(1<<30), d.Driver)
		if d.Error != "" {
			fmt.Fprintf(stdout, "cuda:%d error:  %s\n", d.Ordinal, d.Error)
		}
	}
	fmt.Fprintf(stdout, "go:            %s %s/%s\n", in.GoVersion, in.OS, in.Arch)
	fmt.Fprintf(stdout, "gomaxprocs:    %d (of %d CPUs)\n", in.GOMAXPROCS, in.NumCPU)
	fmt.Fprintf(stdout, "cpu features:  %s\n", orNone(have))
	if len(lack) > 0 {
		fmt.Fprintf(stdout, "not present:   %s\n", strings.Join(lack, " "))
	}
	fmt.Fprintf(stdout, "fallback impl: %s\n", in.FallbackImp)
	return nil
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, " ")
}
