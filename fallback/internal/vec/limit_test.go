package vec

import "testing"

// TestLimit checks that Limit lowers the level to the named one (never
// above what the machine runs), that the restore brings the previous
// level back, and that an unknown name changes nothing.
func TestLimit(t *testing.T) {
	start := roundLevel
	top := supportedRounding()[len(supportedRounding())-1]
	for l, name := range levelNames {
		restore, ok := Limit(name)
		if !ok {
			t.Fatalf("Limit(%q) refused", name)
		}
		if want := min(l, top); roundLevel != want || level != min(want, levelAVX512) || Impl() != levelNames[want] {
			t.Errorf("Limit(%q): level %s, want %s", name, Impl(), levelNames[want])
		}
		restore()
		if roundLevel != start {
			t.Fatalf("restore after Limit(%q): level %s, want %s", name, Impl(), levelNames[start])
		}
	}
	if _, ok := Limit("sse2"); ok || roundLevel != start {
		t.Errorf("Limit(\"sse2\") = ok %v, level %s; want refused, level %s", ok, Impl(), levelNames[start])
	}
}
