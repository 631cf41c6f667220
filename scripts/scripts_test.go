// Package scripts holds the tests of the shell scripts in this directory
// that speak to a person or a CI harness: what scripts/test.sh ends with,
// how scripts/bench.sh --tiny reports its figures, and what a first install
// of a Go tool (scripts/deps/lib/go-install.sh) says while it compiles.
// Each script runs as it is, copied into a scratch tree where the commands
// it calls (go, gofmt, the setup, fuzz and bench scripts) are stand-ins
// that answer at once.
package scripts

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// tree is a scratch copy of the repository's layout: the scripts under
// test copied in, stand-ins written where asked, and bin/ (first on PATH)
// for stand-in commands.
type tree struct {
	t    *testing.T
	root string
}

func newTree(t *testing.T, copies ...string) *tree {
	t.Helper()
	tr := &tree{t: t, root: t.TempDir()}
	for _, p := range copies {
		b, err := os.ReadFile(filepath.Join("..", p))
		if err != nil {
			t.Fatal(err)
		}
		tr.write(p, string(b))
	}
	return tr
}

// write puts an executable file at p (relative to the tree's root).
func (tr *tree) write(p, content string) {
	tr.t.Helper()
	p = filepath.Join(tr.root, p)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		tr.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o755); err != nil {
		tr.t.Fatal(err)
	}
}

// cmd runs a script of the tree with the stand-ins in bin/ first on PATH
// and its tools directory inside the tree.
func (tr *tree) cmd(env []string, name string, args ...string) *exec.Cmd {
	c := exec.Command(name, args...)
	c.Dir = tr.root
	c.Env = append(os.Environ(),
		"PATH="+filepath.Join(tr.root, "bin")+string(os.PathListSeparator)+os.Getenv("PATH"),
		"GHSEC_TOOLS_DIR="+filepath.Join(tr.root, "tools"))
	c.Env = append(c.Env, env...)
	return c
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

// testSh is scripts/test.sh in a scratch tree where every part succeeds at
// once and `go test -json` prints goTestJSON and exits goTestRC; the real
// testreport is built from this repository.
func testSh(t *testing.T, goTestJSON string, goTestRC, fuzzRC int) *tree {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go not on PATH")
	}
	repo, _ := filepath.Abs("..")
	tr := newTree(t, "scripts/test.sh")
	tr.write("gotest.json", goTestJSON)
	tr.write("scripts/setup-test-deps.sh", "echo setup done\n")
	tr.write("scripts/fuzz.sh", "echo fuzz ran\nexit "+strconv.Itoa(fuzzRC)+"\n")
	tr.write("scripts/bench.sh", "echo 'FIGURE hec@tiny value=1 (tiny run: proves the benchmark runs; not judged)'\n")
	tr.write("tools/bin/staticcheck", "#!/bin/sh\nexit 0\n")
	tr.write("bin/gofmt", "#!/bin/sh\nexit 0\n")
	tr.write("bin/go", `#!/usr/bin/env bash
case $1 in
build) cd '`+repo+`' && exec '`+goBin+`' "$@" ;;
test) cat gotest.json; exit `+strconv.Itoa(goTestRC)+` ;;
*) exit 0 ;;
esac
`)
	if out, err := exec.Command("git", "-C", tr.root, "init", "-q").CombinedOutput(); err != nil {
		t.Skipf("git init: %v %s", err, out)
	}
	return tr
}

const someTests = `{"Action":"run","Package":"p/a","Test":"TestA"}
{"Action":"pass","Package":"p/a","Test":"TestA"}
{"Action":"run","Package":"p/a","Test":"TestB"}
{"Action":"run","Package":"p/a","Test":"TestB/sub"}
{"Action":"pass","Package":"p/a","Test":"TestB/sub"}
{"Action":"pass","Package":"p/a","Test":"TestB"}
{"Action":"run","Package":"p/a","Test":"TestC"}
{"Action":"output","Package":"p/a","Test":"TestC","Output":"    c_test.go:3: rsyslogd not installed\n"}
{"Action":"skip","Package":"p/a","Test":"TestC"}
{"Action":"pass","Package":"p/a","Elapsed":0.5}
`

// The CI harness reads the last line of the test command: the counts of
// tests passed, failed and skipped, after how long each part took.
func TestTestSh_EndsWithCounts(t *testing.T) {
	tr := testSh(t, someTests, 0, 0)
	out, err := tr.cmd(nil, "bash", "scripts/test.sh").CombinedOutput()
	if err != nil {
		t.Fatalf("test.sh: %v\n%s", err, out)
	}
	if got := lastLine(string(out)); got != "3 passed, 0 failed, 1 skipped" {
		t.Errorf("last line %q, want the counts:\n%s", got, out)
	}
	took := regexp.MustCompile(`(?m)^== took: setup \d+s, gofmt \d+s, go vet \d+s, staticcheck \d+s, go test -race \d+s, fuzz \d+s, figure benchmarks \d+s$`)
	if !took.Match(out) {
		t.Errorf("no line with each part's time:\n%s", out)
	}
	if !strings.Contains(string(out), "== figure benchmarks (each once at its tiny size: proves they run, judges nothing") {
		t.Errorf("the tiny benchmarks are not said to be unjudged:\n%s", out)
	}
}

// A failure after the tests (here the fuzz targets) still ends with the
// counts, and the exit status says the run failed; failed tests are counted.
func TestTestSh_CountsAfterALaterFailureAndFailedTests(t *testing.T) {
	tr := testSh(t, someTests, 0, 1)
	out, err := tr.cmd(nil, "bash", "scripts/test.sh").CombinedOutput()
	if err == nil {
		t.Fatalf("test.sh passed though fuzz.sh failed:\n%s", out)
	}
	if got := lastLine(string(out)); got != "3 passed, 0 failed, 1 skipped" {
		t.Errorf("last line %q, want the counts:\n%s", got, out)
	}

	failing := strings.Replace(someTests, `"Action":"pass","Package":"p/a","Test":"TestA"`, `"Action":"fail","Package":"p/a","Test":"TestA"`, 1)
	failing = strings.Replace(failing, `"Action":"pass","Package":"p/a","Elapsed"`, `"Action":"fail","Package":"p/a","Elapsed"`, 1)
	tr = testSh(t, failing, 1, 0)
	out, err = tr.cmd(nil, "bash", "scripts/test.sh").CombinedOutput()
	if err == nil {
		t.Fatalf("test.sh passed though a test failed:\n%s", out)
	}
	if got := lastLine(string(out)); got != "2 passed, 1 failed, 1 skipped" {
		t.Errorf("last line %q, want the counts:\n%s", got, out)
	}
	if strings.Contains(string(out), "fuzz ran") {
		t.Errorf("test.sh went on after a failed test:\n%s", out)
	}
}

// bench.sh --tiny reports every figure's value and judges none of them;
// a sized run still judges each against its goal.
func TestBenchSh_TinyFiguresAreNotJudged(t *testing.T) {
	tr := newTree(t, "scripts/bench.sh")
	tr.write("scripts/setup-test-deps.sh", "exit 0\n")
	src, err := os.ReadFile("bench.sh")
	if err != nil {
		t.Fatal(err)
	}
	// every figure benchmark bench.sh names, for its lookup of the package
	var funcs strings.Builder
	metrics := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^\s+"[a-z-]+\s+(Figure\w+)\s+(\S+)\s`).FindAllStringSubmatch(string(src), -1) {
		if !metrics[m[1]] {
			funcs.WriteString("func Benchmark" + m[1] + "(b *testing.B) {}\n")
		}
		metrics[m[1]], metrics[m[2]] = true, true
	}
	tr.write("pkg/figures_test.go", funcs.String())
	// one run of any benchmark: every metric a figure reads, each 1
	var line strings.Builder
	for m := range metrics {
		if !strings.HasPrefix(m, "Figure") {
			line.WriteString(" 1 " + m)
		}
	}
	tr.write("bin/go", `#!/usr/bin/env bash
for a; do [[ $a == ^Benchmark* ]] && b=${a#^}; done
b=${b%$}
echo "$b-2 1 100 ns/op`+line.String()+`"
`)
	figure := regexp.MustCompile(`(?m)^FIGURE .*$`)

	out, err := tr.cmd([]string{"BENCH_LOG=" + filepath.Join(tr.root, "bench.log")}, "bash", "scripts/bench.sh", "--tiny").Output()
	if err != nil {
		t.Fatalf("bench.sh --tiny: %v\n%s", err, out)
	}
	lines := figure.FindAllString(string(out), -1)
	if len(lines) < 10 {
		t.Fatalf("%d FIGURE lines:\n%s", len(lines), out)
	}
	tiny := regexp.MustCompile(`^FIGURE [a-z-]+@tiny value=1 \(tiny run: proves the benchmark runs; not judged\)$`)
	for _, l := range lines {
		if !tiny.MatchString(l) {
			t.Errorf("tiny figure line %q", l)
		}
	}

	out, err = tr.cmd([]string{"BENCH_LOG=" + filepath.Join(tr.root, "bench.log")}, "bash", "scripts/bench.sh", "--sizes", "100000", "--runs", "1", "--only", "hec,backfill").Output()
	if err != nil {
		t.Fatalf("bench.sh --sizes 100000: %v\n%s", err, out)
	}
	want := []string{"FIGURE hec@100000 value=1 goal=>=0.8 ok", "FIGURE backfill@100000 value=1 goal=>=50000 short"}
	if got := figure.FindAllString(string(out), -1); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("sized figures %q, want %q", got, want)
	}
}

// A first install of a Go tool says what it is doing and how long it may
// take, then shows progress while go compiles, then that it is done; an
// installed one says nothing.
func TestGoInstall_SaysWhatAndShowsProgress(t *testing.T) {
	tr := newTree(t, "scripts/deps/lib/go-install.sh")
	release := filepath.Join(tr.root, "release")
	// go install -v: the packages as it compiles them; it finishes once the
	// test has seen a progress line (or after two minutes, so that a
	// go_install that shows none fails the test rather than hanging it)
	tr.write("bin/go", `#!/usr/bin/env bash
echo "go: downloading example.com/fake v1.0.0" >&2
echo "example.com/fake/internal/a" >&2
echo "example.com/fake/internal/b" >&2
for ((i = 0; i < 1200; i++)); do [[ -e '`+release+`' ]] && break; sleep 0.1; done
printf '#!/bin/sh\n' > "$GOBIN/fake" && chmod +x "$GOBIN/fake"
`)
	install := `source scripts/deps/lib/go-install.sh; go_install fake example.com/fake v1.0.0 "about a minute"`
	c := tr.cmd([]string{"GHSEC_PROGRESS_EVERY=1"}, "bash", "-c", install)
	stdout, err := c.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	c.Stderr = c.Stdout
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	var seen []string
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		seen = append(seen, sc.Text())
		if strings.Contains(sc.Text(), "still compiling") {
			if err := os.WriteFile(release, nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := c.Wait(); err != nil {
		t.Fatalf("go_install: %v\n%s", err, strings.Join(seen, "\n"))
	}
	got := strings.Join(seen, "\n")
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^fake: installing v1\.0\.0 with go install \(first run only: it downloads and compiles example\.com/fake, about a minute\); progress every 1s$`),
		regexp.MustCompile(`(?m)^fake: still compiling \(\d+s\): 2 packages built, latest example\.com/fake/internal/b$`),
		regexp.MustCompile(`(?m)^fake: installed v1\.0\.0 in \d+s$`),
	} {
		if !want.MatchString(got) {
			t.Errorf("no line matching %s:\n%s", want, got)
		}
	}

	out, err := tr.cmd(nil, "bash", "-c", install).CombinedOutput()
	if err != nil || len(out) != 0 {
		t.Errorf("second install: %v %q, want silence", err, out)
	}
}

// A failed install says so with go's own output and fails.
func TestGoInstall_FailureShowsGoOutput(t *testing.T) {
	tr := newTree(t, "scripts/deps/lib/go-install.sh")
	tr.write("bin/go", "#!/bin/sh\necho 'go: example.com/fake@v1.0.0: no such host' >&2\nexit 1\n")
	c := tr.cmd(nil, "bash", "-c", `set -e; source scripts/deps/lib/go-install.sh; go_install fake example.com/fake v1.0.0`)
	var stderr strings.Builder
	c.Stdout, c.Stderr = io.Discard, &stderr
	if err := c.Run(); err == nil {
		t.Fatal("go_install succeeded though go install failed")
	}
	if !strings.Contains(stderr.String(), "fake: go install example.com/fake@v1.0.0 failed (exit 1):\ngo: example.com/fake@v1.0.0: no such host") {
		t.Errorf("stderr %q", stderr.String())
	}
}
