package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestReport_ListsSkippedAndFailures(t *testing.T) {
	in := strings.Join([]string{
		`{"Action":"run","Package":"p/a","Test":"TestOK"}`,
		`{"Action":"output","Package":"p/a","Test":"TestOK","Output":"=== RUN   TestOK\n"}`,
		`{"Action":"pass","Package":"p/a","Test":"TestOK","Elapsed":0.01}`,
		`{"Action":"run","Package":"p/a","Test":"TestRsyslog"}`,
		`{"Action":"output","Package":"p/a","Test":"TestRsyslog","Output":"=== RUN   TestRsyslog\n"}`,
		`{"Action":"output","Package":"p/a","Test":"TestRsyslog","Output":"    common.go:44: /usr/sbin/rsyslogd not installed; run scripts/setup-test-deps.sh\n"}`,
		`{"Action":"output","Package":"p/a","Test":"TestRsyslog","Output":"--- SKIP: TestRsyslog (0.00s)\n"}`,
		`{"Action":"skip","Package":"p/a","Test":"TestRsyslog","Elapsed":0}`,
		`{"Action":"pass","Package":"p/a","Elapsed":0.5}`,
		`{"Action":"output","Package":"p/b","Test":"TestBad","Output":"    b_test.go:9: boom\n"}`,
		`{"Action":"fail","Package":"p/b","Test":"TestBad","Elapsed":0}`,
		`{"Action":"output","Package":"p/b","Output":"FAIL\tp/b\t0.2s\n"}`,
		`{"Action":"fail","Package":"p/b","Elapsed":0.2}`,
	}, "\n")
	var out bytes.Buffer
	failed, n, err := report(strings.NewReader(in), &out)
	if err != nil || !failed {
		t.Fatalf("failed=%v err=%v", failed, err)
	}
	want := "ok  \tp/a\t0.500s\n    b_test.go:9: boom\nFAIL\tp/b\t0.2s\n\n== 1 skipped tests\n" +
		"  p/a TestRsyslog: common.go:44: /usr/sbin/rsyslogd not installed; run scripts/setup-test-deps.sh\n" +
		"\n1 passed, 1 failed, 1 skipped\n"
	if n != (counts{Passed: 1, Failed: 1, Skipped: 1}) {
		t.Errorf("counts %+v", n)
	}
	if out.String() != want {
		t.Fatalf("got:\n%s\nwant:\n%s", out.String(), want)
	}
}

// Subtests count as tests (as go test -v lists them); a package that fails
// without a failed test (a build failure) is one failure, and the counts
// line is the report's last line.
func TestReport_CountsSubtestsAndBuildFailures(t *testing.T) {
	in := strings.Join([]string{
		`{"Action":"run","Package":"p/a","Test":"TestT"}`,
		`{"Action":"run","Package":"p/a","Test":"TestT/one"}`,
		`{"Action":"pass","Package":"p/a","Test":"TestT/one"}`,
		`{"Action":"run","Package":"p/a","Test":"TestT/two"}`,
		`{"Action":"skip","Package":"p/a","Test":"TestT/two"}`,
		`{"Action":"pass","Package":"p/a","Test":"TestT"}`,
		`{"Action":"pass","Package":"p/a","Elapsed":0.1}`,
		`{"Action":"run","Package":"p/c","Test":"TestX"}`,
		`{"Action":"fail","Package":"p/c","Test":"TestX"}`,
		`{"Action":"fail","Package":"p/c","Elapsed":0.1}`,
		`{"ImportPath":"p/b [p/b.test]","Action":"build-output","Output":"b.go:3: undefined: x\n"}`,
		`{"ImportPath":"p/b [p/b.test]","Action":"build-fail"}`,
		`{"Action":"output","Package":"p/b","Output":"FAIL\tp/b [build failed]\n"}`,
		`{"Action":"fail","Package":"p/b","Elapsed":0,"FailedBuild":"p/b [p/b.test]"}`,
		`{"Action":"skip","Package":"p/d"}`,
	}, "\n")
	var out bytes.Buffer
	failed, n, err := report(strings.NewReader(in), &out)
	if err != nil || !failed {
		t.Fatalf("failed=%v err=%v", failed, err)
	}
	if n != (counts{Passed: 2, Failed: 2, Skipped: 1}) {
		t.Errorf("counts %+v, want 2 passed (TestT, TestT/one), 2 failed (TestX, the build of p/b), 1 skipped", n)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if last := lines[len(lines)-1]; last != "2 passed, 2 failed, 1 skipped" {
		t.Errorf("last line %q:\n%s", last, out.String())
	}
}
