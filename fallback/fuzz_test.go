package fallback_test

import (
	"testing"

	"github.com/rotorkernels/rotor/fallback"
	"github.com/rotorkernels/rotor/ops/opstest"
)

// The fuzz targets of the fallback backend: each runs an opstest fuzz
// body (see ops/opstest) on one backend shared by the process. Their
// seed corpora, the reproducers of bad input, live in
// testdata/fuzz/FuzzXxx.
var fuzzBackend = fallback.New()

func FuzzAttention(f *testing.F) { opstest.FuzzAttention(f, fuzzBackend) }

func FuzzRoPE(f *testing.F) { opstest.FuzzRoPE(f, fuzzBackend) }

func FuzzRoPEAppend(f *testing.F) { opstest.FuzzRoPEAppend(f, fuzzBackend) }

func FuzzMerge(f *testing.F) { opstest.FuzzMerge(f, fuzzBackend) }

func FuzzScores(f *testing.F) { opstest.FuzzScores(f, fuzzBackend) }

func FuzzCriticality(f *testing.F) { opstest.FuzzCriticality(f, fuzzBackend) }

func FuzzTopK(f *testing.F) { opstest.FuzzTopK(f, fuzzBackend) }

func FuzzPageMeta(f *testing.F) { opstest.FuzzPageMeta(f, fuzzBackend) }

func FuzzPageScores(f *testing.F) { opstest.FuzzPageScores(f, fuzzBackend) }
