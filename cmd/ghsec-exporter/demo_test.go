package main

import (
	"bufio"
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/recordschema"
)

// demo -json: the records on stdout as JSON lines, every kind of
// transition among them, the narration on stderr.
func TestDemo_ShowsEveryKindOfTransition(t *testing.T) {
	code, out, narration := runCLI("demo", "-repos", "3", "-alerts", "6", "-pause", "0", "-json")
	if code != 0 {
		t.Fatalf("demo exited %d\n%s", code, narration)
	}
	actions := map[string]bool{}
	origins := map[string]int{}
	repos := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<22)
	for sc.Scan() {
		if err := recordschema.ValidateJSON(sc.Bytes()); err != nil {
			t.Fatalf("%v\n%s", err, sc.Bytes())
		}
		var r struct{ Category, Action, Origin, Repo string }
		_ = json.Unmarshal(sc.Bytes(), &r)
		actions[r.Category+":"+r.Action] = true
		origins[r.Origin]++
		if r.Repo != "" {
			repos[r.Repo] = true
		}
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
	// the header counts the repositories the records name
	m := regexp.MustCompile(`org "acme" with (\d+) repositories: 3 with 6 alerts of each kind`).FindStringSubmatch(narration)
	if m == nil {
		t.Fatalf("no repository count in the header:\n%s", narration)
	}
	if n, _ := strconv.Atoi(m[1]); n != len(repos) {
		t.Errorf("header says %d repositories, the records name %d: %v", n, len(repos), repos)
	}
}

// demo without -json: one stream a person reads on stdout — each record in
// one short line, each step's outcome in words — and no JSON.
func TestDemo_NarratesEachRecordInOneLine(t *testing.T) {
	code, out, stderr := runCLI("demo", "-repos", "3", "-alerts", "6", "-pause", "0")
	if code != 0 {
		t.Fatalf("demo exited %d\n%s%s", code, out, stderr)
	}
	if stderr != "" {
		t.Errorf("stderr %q, want nothing (no warning in a demo)", stderr)
	}
	record := regexp.MustCompile(`^  (backfill|webhook|poll|reconcile|audit log) +[a-z_.]+ +acme/`)
	records := 0
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if strings.HasPrefix(l, "{") {
			t.Fatalf("JSON in the narration: %.120s…", l)
		}
		if record.MatchString(l) {
			records++
			if n := utf8.RuneCountInString(l); n > 160 {
				t.Errorf("record line of %d characters: %s", n, l)
			}
		}
	}
	m := regexp.MustCompile(`(?m)^# summary: (\d+) records`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no summary:\n%s", out)
	}
	if total, _ := strconv.Atoi(m[1]); records != total || total == 0 {
		t.Errorf("%d record lines for %d records:\n%s", records, total, out)
	}
	for _, want := range []*regexp.Regexp{
		// a webhook's transition, with who and why
		regexp.MustCompile(`(?m)^  webhook +dismissed +acme/webshop dependabot #\d+ high lodash  by alice: "tolerable_risk" — Only used at build time$`),
		regexp.MustCompile(`(?m)^  audit log +secret_scanning_push_protection\.bypass +acme/payments-api secret_scanning #\d+  by carol$`),
		// the poll after a webhook finds nothing the webhook had not recorded
		regexp.MustCompile(`(?m)^# step 2: alice dismisses.*\n  webhook: 1 signed delivery, 1 acknowledged after commit\n(  .*\n)*?  poll: nothing new — the webhook had already recorded it(; audit log: \d+ entr(y|ies))? \(\d+ GitHub requests, \d+ answered 304 Not Modified\)$`),
		// what only a poll sees
		regexp.MustCompile(`(?m)^  poll: 1 new record(; audit log: \d+ entr(y|ies))? \(`),
		regexp.MustCompile(`(?m)^  backfill: \d+ new records \(`),
	} {
		if !want.MatchString(out) {
			t.Errorf("no match for %s in:\n%s", want, out)
		}
	}
	if strings.Contains(out, "1 signed deliveries") {
		t.Errorf("plural for one delivery:\n%s", out)
	}
}

// narrate: one line per kind of record, the request and audit shapes the
// demo's script does not produce included.
func TestNarrate(t *testing.T) {
	for _, c := range []struct {
		r    exporter.Record
		want string
	}{
		{exporter.Record{Category: exporter.CategoryAlert, Origin: exporter.OriginPoll, Source: exporter.SourceSecretScanning, Action: "validity_changed", Repo: "acme/infra",
			Alert: &exporter.AlertInfo{Number: 4, Severity: "high", SecretType: "aws_access_key_id", Validity: "active", PreviousValidity: "inactive"}},
			`poll       validity_changed          acme/infra secret_scanning #4 high aws_access_key_id: validity inactive → active`},
		{exporter.Record{Category: exporter.CategoryAlert, Origin: exporter.OriginReconcile, Source: exporter.SourceCodeScanning, Action: "withdrawn", Repo: "acme/web",
			Alert: &exporter.AlertInfo{Number: 9, Severity: "medium", Title: "Client-side cross-site scripting through a very long title that goes on"}},
			`reconcile  withdrawn                 acme/web code_scanning #9 medium Client-side cross-site scripting through a very l…`},
		{exporter.Record{Category: exporter.CategoryRequest, Origin: exporter.OriginWebhook, Source: exporter.SourceDependabot, Action: "request_approved", Repo: "acme/web", Actor: "carol",
			Request: &exporter.RequestInfo{Kind: "dismissal", Target: "dependabot", Number: 3, Reason: "tolerable_risk", ReviewerComment: "ok\nfor now"},
			Alert:   &exporter.AlertInfo{Number: 12}},
			`webhook    request_approved          acme/web dependabot dismissal request #3 for alert #12  by carol: "tolerable_risk" — ok for now`},
		{exporter.Record{Category: exporter.CategoryAudit, Origin: exporter.OriginPoll, Source: exporter.SourceAuditLog, Action: "org.update_member", Org: "acme", Actor: "erin"},
			`audit log  org.update_member         acme  by erin`},
	} {
		if got := narrate(c.r); got != c.want {
			t.Errorf("narrate(%s):\n got %q\nwant %q", c.r.Action, got, c.want)
		}
	}
}
