package main

import (
	"strings"
	"testing"
)

func TestVersion_PrintsStampedValues(t *testing.T) {
	defer func(v, c, d string) { version, commit, date = v, c, d }(version, commit, date)
	version, commit, date = "1.2.3", "abc1234", "2026-01-02T03:04:05Z"
	code, out, _ := runCLI("version")
	if code != 0 || !strings.HasPrefix(out, "ghsec-exporter 1.2.3 (commit abc1234, built 2026-01-02T03:04:05Z, go") {
		t.Fatalf("code %d, out %q", code, out)
	}
}
