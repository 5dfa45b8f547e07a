//go:build !cuda

package rotor_test

import (
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestDockerfileCUDA checks Dockerfile.cuda without Docker: the CUDA
// devel image stays on 12.x (gorgonia.org/cu does not build against 13),
// its Go is at least go.mod's, every file the build stage copies and
// every script it runs exists (scripts executable), the runtime stage
// copies only what the build stage made, installs compute-sanitizer and
// readelf for scripts/gpu-check, and the documented gpu-check command
// names the path the bundle and script are copied to.
func TestDockerfileCUDA(t *testing.T) {
	raw, err := os.ReadFile("Dockerfile.cuda")
	if err != nil {
		t.Fatal(err)
	}
	src := string(raw)
	// Join continued lines; drop comments.
	var lines []string
	for _, l := range strings.Split(strings.ReplaceAll(src, "\\\n", " "), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			lines = append(lines, l)
		}
	}
	arg := func(name string) string {
		m := regexp.MustCompile(`(?m)^ARG ` + name + `=(\S+)`).FindStringSubmatch(src)
		if m == nil {
			t.Fatalf("no ARG %s default", name)
		}
		return m[1]
	}
	if v := arg("CUDA_VERSION"); !strings.HasPrefix(v, "12.") {
		t.Errorf("CUDA_VERSION %s: gorgonia.org/cu builds against 11.8–12.x headers only", v)
	} else if pkg := arg("CUDA_PKG"); !strings.HasPrefix(v, strings.ReplaceAll(pkg, "-", ".")+".") {
		t.Errorf("CUDA_PKG %s does not name CUDA_VERSION %s", pkg, v)
	}
	mod, err := os.ReadFile("go.mod")
	if err != nil {
		t.Fatal(err)
	}
	goMod := regexp.MustCompile(`(?m)^go (\S+)`).FindSubmatch(mod)
	if goMod == nil || slices.Compare(versionOf(arg("GO_VERSION")), versionOf(string(goMod[1]))) < 0 {
		t.Errorf("GO_VERSION %s is older than go.mod's %s", arg("GO_VERSION"), goMod)
	}

	stage, made := 0, map[string]bool{}
	var runtimeRuns []string
	for _, l := range lines {
		f := strings.Fields(l)
		switch f[0] {
		case "FROM":
			stage++
		case "COPY":
			if strings.HasPrefix(f[1], "--from=") {
				if stage < 2 || !made[f[2]] {
					t.Errorf("%q copies %s, which the build stage does not make", l, f[2])
				}
				continue
			}
			for _, p := range f[1 : len(f)-1] {
				if _, err := os.Stat(p); err != nil {
					t.Errorf("%q: %v", l, err)
				}
			}
		case "RUN":
			if stage >= 2 {
				runtimeRuns = append(runtimeRuns, l)
			}
			for _, m := range regexp.MustCompile(`(?:^|\s)(scripts/[\w-]+)`).FindAllStringSubmatch(l, -1) {
				st, err := os.Stat(m[1])
				if err != nil || st.Mode()&0o111 == 0 {
					t.Errorf("%q runs %s, which is missing or not executable", l, m[1])
				}
			}
			for _, m := range regexp.MustCompile(`-o (/out/\S+)|gpu-build (/out/\S+)|cp \S+ (/out/\S+)`).FindAllStringSubmatch(l, -1) {
				for _, p := range m[1:] {
					if p != "" {
						made[strings.TrimSuffix(p, "/")] = true
					}
				}
			}
			if strings.Contains(l, "gpu-build /out/gpu") {
				made["/out/gpu/bin/rotor"] = true
			}
		}
	}
	if stage != 2 {
		t.Errorf("%d stages, want the build and the runtime stage", stage)
	}
	rt := strings.Join(runtimeRuns, "\n")
	if !strings.Contains(rt, "cuda-sanitizer-${CUDA_PKG}") || !strings.Contains(rt, "binutils") {
		t.Errorf("the runtime stage does not install compute-sanitizer and binutils:\n%s", rt)
	}
	if !strings.Contains(src, "--entrypoint /opt/rotor/gpu/scripts/gpu-check rotor-cuda /opt/rotor/gpu") ||
		!strings.Contains(src, "COPY --from=build /out/gpu /opt/rotor/gpu") || !made["/out/gpu/scripts"] {
		t.Error("the documented gpu-check command does not match where the bundle and the script are copied")
	}
}

// versionOf splits "1.26.8" into its numbers.
func versionOf(v string) []int {
	var out []int
	for _, p := range strings.Split(v, ".") {
		n, _ := strconv.Atoi(p)
		out = append(out, n)
	}
	return out
}
