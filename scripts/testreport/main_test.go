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
	failed, err := report(strings.NewReader(in), &out)
	if err != nil || !failed {
		t.Fatalf("failed=%v err=%v", failed, err)
	}
	want := "ok  \tp/a\t0.500s\n    b_test.go:9: boom\nFAIL\tp/b\t0.2s\n\n== 1 skipped tests\n" +
		"  p/a TestRsyslog: common.go:44: /usr/sbin/rsyslogd not installed; run scripts/setup-test-deps.sh\n"
	if out.String() != want {
		t.Fatalf("got:\n%s\nwant:\n%s", out.String(), want)
	}
}
