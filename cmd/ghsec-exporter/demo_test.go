package main

import (
	"bufio"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/recordschema"
)

func TestDemo_ShowsEveryKindOfTransition(t *testing.T) {
	code, out, narration := runCLI("demo", "-repos", "3", "-alerts", "6", "-pause", "0")
	if code != 0 {
		t.Fatalf("demo exited %d\n%s", code, narration)
	}
	actions := map[string]bool{}
	origins := map[string]int{}
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<22)
	for sc.Scan() {
		if err := recordschema.ValidateJSON(sc.Bytes()); err != nil {
			t.Fatalf("%v\n%s", err, sc.Bytes())
		}
		var r struct{ Category, Action, Origin string }
		_ = json.Unmarshal(sc.Bytes(), &r)
		actions[r.Category+":"+r.Action] = true
		origins[r.Origin]++
	}
	for _, want := range []string{"alert:created", "alert:dismissed", "alert:fixed", "alert:reopened", "alert:resolved",
		"alert:push_protection_bypassed", "alert:reintroduced", "alert:severity_changed", "alert:auto_dismissed",
		"audit:secret_scanning_push_protection.bypass"} {
		if !actions[want] {
			t.Errorf("demo showed no %s; saw %v", want, actions)
		}
	}
	if !regexp.MustCompile(`(?m)^# summary: \d+ records \(.*created \d+.*, audit-log entries \d+\); \d+ GitHub requests, \d+ answered 304 Not Modified$`).MatchString(narration) {
		t.Errorf("no one-line summary at the end:\n%s", narration)
	}
	if !strings.Contains(narration, "audit-log records can appear one step after") {
		t.Errorf("the audit log's lag is not explained:\n%s", narration)
	}
	if origins["webhook"] == 0 || origins["poll"] == 0 || origins["backfill"] == 0 {
		t.Errorf("demo must show webhook, poll and backfill records together: %v", origins)
	}
	if !strings.Contains(narration, "quiet poll") {
		t.Errorf("narration incomplete:\n%s", narration)
	}
}
