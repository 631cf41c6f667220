package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// event is one line of `go test -json` (cmd/test2json).
type event struct {
	Action  string
	Package string
	Test    string
	Elapsed float64
	Output  string
}

func main() {
	summary := flag.String("summary", "", "also write the counts line to this file (scripts/test.sh prints it again as its last line)")
	flag.Parse()
	failed, counts, err := report(os.Stdin, os.Stdout)
	if *summary != "" {
		if werr := os.WriteFile(*summary, []byte(counts.String()+"\n"), 0o644); werr != nil && err == nil {
			err = fmt.Errorf("write the summary: %w", werr)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "testreport:", err)
		os.Exit(1)
	}
	if failed {
		os.Exit(1)
	}
}

// counts are the tests a run passed, failed and skipped, subtests included
// (as `go test -v` lists them). A package that failed without a failed test
// (it did not build, its TestMain or init failed) counts as one failure, so
// the failed count is 0 exactly when the run passed.
type counts struct{ Passed, Failed, Skipped int }

// String is the line the CI harness reads: "N passed, N failed, N skipped".
func (c counts) String() string {
	return fmt.Sprintf("%d passed, %d failed, %d skipped", c.Passed, c.Failed, c.Skipped)
}

// report streams the plain view of in to out and appends the skipped
// tests and, as the last line, the counts; it returns whether anything
// failed.
func report(in io.Reader, out io.Writer) (failed bool, n counts, err error) {
	outputs := map[string][]string{} // package/test → its output so far
	testFailed := map[string]bool{}  // package → one of its tests failed
	var skipped []string
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	for sc.Scan() {
		var e event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			// build failures and the like arrive as plain text
			fmt.Fprintln(out, sc.Text())
			continue
		}
		key := e.Package + " " + e.Test
		switch e.Action {
		case "output":
			outputs[key] = append(outputs[key], e.Output)
		case "build-output":
			fmt.Fprint(out, e.Output) // compiler errors (Go 1.24+)
		case "build-fail":
			failed = true
		case "fail":
			failed = true
			switch {
			case e.Test != "":
				n.Failed++
				testFailed[e.Package] = true
			case !testFailed[e.Package]:
				n.Failed++
			}
			// a failed test's output, or a package's, which ends with its FAIL line
			fmt.Fprint(out, strings.Join(outputs[key], ""))
			delete(outputs, key)
		case "pass":
			if e.Test != "" {
				n.Passed++
			}
			if e.Test == "" {
				fmt.Fprintf(out, "ok  \t%s\t%.3fs\n", e.Package, e.Elapsed)
			}
			delete(outputs, key)
		case "skip":
			if e.Test == "" {
				fmt.Fprintf(out, "?   \t%s\t[no test files]\n", e.Package)
			} else {
				n.Skipped++
				skipped = append(skipped, e.Package+" "+e.Test+": "+skipReason(outputs[key]))
			}
			delete(outputs, key)
		}
	}
	if err := sc.Err(); err != nil {
		// the stream broke off: what was not read cannot have passed
		n.Failed++
		fmt.Fprintf(out, "\n%s\n", n)
		return true, n, fmt.Errorf("read go test -json: %w", err)
	}
	sort.Strings(skipped)
	fmt.Fprintf(out, "\n== %d skipped tests\n", len(skipped))
	for _, s := range skipped {
		fmt.Fprintln(out, "  "+s)
	}
	fmt.Fprintf(out, "\n%s\n", n)
	return failed, n, nil
}

// skipReason is the message the test gave t.Skip: the output lines after
// "=== RUN" and before "--- SKIP", trimmed.
func skipReason(lines []string) string {
	var msg []string
	for _, l := range lines {
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, "=== ") || strings.HasPrefix(t, "--- SKIP") {
			continue
		}
		msg = append(msg, t)
	}
	if len(msg) == 0 {
		return "(no reason given)"
	}
	return strings.Join(msg, " ")
}
