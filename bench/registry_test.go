package bench

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/rotorkernels/rotor/fallback"
	"github.com/rotorkernels/rotor/ops"
)

// peakBackend reports fixed peaks, so NewCtx measures nothing.
type peakBackend struct{ *fallback.Backend }

func (peakBackend) PeakGBps() (float64, error)   { return 123, nil }
func (peakBackend) PeakGFlops() (float64, error) { return 456, nil }

func TestNewCtxUsesBackendPeaks(t *testing.T) {
	c, err := NewCtx(peakBackend{fallback.New()}, Options{Quick: true})
	if err != nil {
		t.Fatal(err)
	}
	if c.Peaks.CopyGBps != 123 || c.Peaks.GFlops != 456 || c.Peaks.CopyMethod != "fallback copy" || c.Peaks.ReadGBps != 0 || c.MinTime != 60*time.Millisecond {
		t.Errorf("ctx %+v", c)
	}
	if _, err := NewCtx(peakBackend{fallback.New()}, Options{Model: "nope"}); !errors.Is(err, ops.ErrConfig) {
		t.Errorf("unknown model: %v", err)
	}
	if _, err := NewCtx(nil, Options{}); !errors.Is(err, ops.ErrConfig) {
		t.Errorf("nil backend: %v", err)
	}
	c, _ = NewCtx(peakBackend{fallback.New()}, Options{Model: "qwen2.5-7b-1m"})
	if ms := c.Models(); len(ms) != 1 || ms[0].Name != "qwen2.5-7b-1m" || c.MinTime != 300*time.Millisecond {
		t.Errorf("filtered models %v, min time %v", ms, c.MinTime)
	}
}

func TestRegistryAndRun(t *testing.T) {
	Register("zz-test", func(c *Ctx) ([]Result, error) {
		return []Result{c.Finish(Result{Op: "zz-test", Seconds: 1, Bytes: 5e9})}, nil
	})
	defer func() {
		registryMu.Lock()
		delete(registry, "zz-test")
		registryMu.Unlock()
	}()
	if ops := Ops(); !slices.IsSorted(ops) || !slices.Contains(ops, "rope") || !slices.Contains(ops, "zz-test") {
		t.Errorf("Ops() = %v", ops)
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("registering rope twice did not panic")
			}
		}()
		Register("rope", nil)
	}()
	c := testCtx(fallback.New())
	rs, err := Run(c, "zz-test")
	if err != nil || len(rs) != 1 || rs[0].GBps != 5 || rs[0].RatioToPeak != 0.5 || rs[0].Backend != "fallback" || rs[0].SIMD != fallback.Impl() {
		t.Errorf("Run: %+v, %v", rs, err)
	}
	var ae *ops.ArgError
	if _, err := Run(c, "nope"); !errors.Is(err, ops.ErrConfig) || !errors.As(err, &ae) || ae.Arg != "op" {
		t.Errorf("unknown op: %v", err)
	}
}

// risingPeak reports a copy peak that doubles on each measurement.
type risingPeak struct {
	*fallback.Backend
	g *float64
}

func (r risingPeak) PeakGBps() (float64, error)   { *r.g *= 2; return *r.g, nil }
func (r risingPeak) PeakGFlops() (float64, error) { return 1, nil }

func TestRunKeepsTheBestPeak(t *testing.T) {
	Register("zz-peak", func(c *Ctx) ([]Result, error) {
		return []Result{c.Finish(Result{Op: "zz-peak", Seconds: 1, Bytes: 10e9})}, nil
	})
	defer func() {
		registryMu.Lock()
		delete(registry, "zz-peak")
		registryMu.Unlock()
	}()
	g := 50.0
	c, err := NewCtx(risingPeak{fallback.New(), &g}, Options{MinTime: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if c.Peaks.CopyGBps != 100 {
		t.Fatalf("first peak %v", c.Peaks.CopyGBps)
	}
	rs, err := Run(c, "zz-peak")
	if err != nil {
		t.Fatal(err)
	}
	if c.Peaks.CopyGBps != 200 || rs[0].PeakGBps != 200 || rs[0].RatioToPeak != 10.0/200 {
		t.Errorf("after Run: ctx peak %v, row %+v; want the second measurement, 200", c.Peaks.CopyGBps, rs[0])
	}
}
