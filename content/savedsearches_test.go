package content

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/recordjson"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/recordschema"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/splunkhec"
)

// searchedRequestFields are the request record fields (docs/record.md,
// `request`) the searches were written for; the schema must have each.
var searchedRequestFields = []string{"request.kind", "request.target", "request.number", "request.id", "request.status",
	"request.previous_status", "request.reason", "request.requester", "request.requester_comment", "request.reviewer",
	"request.reviewer_comment", "request.reviews", "request.self_reviewed", "request.alert_numbers",
	"request.created_at", "request.expires_at", "request.html_url"}

// searchedAlertFields are the alert fields (docs/record.md, `alert`) that
// came with this content: on every record of a secret alert pushed past
// push protection, push_protection_bypassed and push_protection_bypassed_by;
// on code scanning records, ref. The schema must have each.
var searchedAlertFields = []string{"alert.push_protection_bypassed", "alert.push_protection_bypassed_by", "alert.ref"}

// splunkFields are the fields Splunk gives every event that a search may
// read. The record's own `source` is not one: Splunk's is the sink's.
var splunkFields = fieldSet("_time", "_indextime", "_raw", "sourcetype", "index", "eventtype", "tag")

// recordFields are the fields a search over a sourcetype may read: the
// record's (schema, schemaFields of docs/record.schema.json), those the
// add-on makes for that sourcetype (FIELDALIAS and EVAL-), and Splunk's own.
func recordFields(a *addon, schema map[string]bool, sourcetype string) map[string]bool {
	out := map[string]bool{}
	for f := range schema {
		if !splunkReserved[f] {
			out[f] = true
		}
	}
	for _, p := range a.aliases[sourcetype] {
		out[p[1]] = true
	}
	for f := range a.evals[sourcetype] {
		out[f] = true
	}
	for f := range splunkFields {
		out[f] = true
	}
	return out
}

// sourcetypeFields returns recordFields of a sourcetype for a test's
// searches: the record schema is read once (and checked for the fields the
// searches were written for), and each sourcetype's fields are made once.
func sourcetypeFields(t *testing.T, a *addon) func(sourcetype string) map[string]bool {
	t.Helper()
	schema := schemaFields(t)
	for _, f := range slices.Concat(searchedRequestFields, searchedAlertFields) {
		if !schema[f] {
			t.Errorf("the record schema has no %s, which the searches were written for", f)
		}
	}
	made := map[string]map[string]bool{}
	return func(sourcetype string) map[string]bool {
		if made[sourcetype] == nil {
			made[sourcetype] = recordFields(a, schema, sourcetype)
		}
		return made[sourcetype]
	}
}

var sourcetypeTerm = regexp.MustCompile(`sourcetype="([^"]+)"`)

// searchFields checks one search (macros expanded) against the fields of
// the sourcetypes it reads (fields, from sourcetypeFields).
func searchFields(t *testing.T, a *addon, fields func(string) map[string]bool, what, q string) {
	t.Helper()
	if !strings.Contains(q, "`ghsec_") {
		t.Errorf("%s: does not read the records through a ghsec_ macro (and so ghsec_index)", what)
	}
	x := a.expand(t, q, nil)
	start := map[string]bool{}
	sts := sourcetypeTerm.FindAllStringSubmatch(x, -1)
	if len(sts) == 0 {
		t.Errorf("%s: reads no ghsec sourcetype: %s", what, x)
		return
	}
	for _, m := range sts {
		if m[1] != splunkhec.DefaultAlertSourcetype && m[1] != splunkhec.DefaultAuditSourcetype {
			t.Errorf("%s: sourcetype %s is not the add-on's", what, m[1])
		}
		for f := range fields(m[1]) {
			start[f] = true
		}
	}
	if err := fieldFlow(x, start); err != nil {
		t.Errorf("%s: %v\n%s", what, err, x)
	}
}

func loadSavedSearches(t *testing.T) *confFile {
	t.Helper()
	c, err := parseConf(filepath.Join(appDir, "default/savedsearches.conf"))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Stanzas) == 0 {
		t.Fatal("no saved searches")
	}
	return c
}

var cronField = regexp.MustCompile(`^(\*|[0-9]+(-[0-9]+)?)(/[0-9]+)?(,[0-9]+(-[0-9]+)?)*$`)

// Every saved search ships disabled and scheduled, triggers on any result
// and has no alert action: which action (email, webhook, notable) is the
// user's to add. Every setting is one the tests know.
func TestSavedSearches_DisabledScheduledNoAction(t *testing.T) {
	known := fieldSet("search", "description", "disabled", "enableSched", "cron_schedule", "dispatch.earliest_time",
		"dispatch.latest_time", "dispatch.index_earliest", "dispatch.index_latest", "counttype", "relation", "quantity",
		"alert.track", "alert.severity", "alert.digest_mode")
	want := map[string]string{"disabled": "1", "enableSched": "1", "counttype": "number of events",
		"relation": "greater than", "quantity": "0", "alert.track": "1", "alert.digest_mode": "1"}
	for _, s := range loadSavedSearches(t).Stanzas {
		if !strings.HasPrefix(s.Name, "ghsec - ") {
			t.Errorf("[%s]: saved searches are named \"ghsec - …\"", s.Name)
		}
		for _, k := range s.Keys {
			if !known[k] {
				t.Errorf("[%s] %s: not a setting the tests check (no action.* or actions: the action is the user's)", s.Name, k)
			}
		}
		for k, v := range want {
			if s.Vals[k] != v {
				t.Errorf("[%s] %s = %q, want %q", s.Name, k, s.Vals[k], v)
			}
		}
		for _, k := range []string{"search", "description", "dispatch.earliest_time", "dispatch.latest_time"} {
			if s.Vals[k] == "" {
				t.Errorf("[%s]: no %s", s.Name, k)
			}
		}
		if f := strings.Fields(s.Vals["cron_schedule"]); len(f) != 5 || slices.ContainsFunc(f, func(x string) bool { return !cronField.MatchString(x) }) {
			t.Errorf("[%s] cron_schedule %q is not a 5-field cron expression", s.Name, s.Vals["cron_schedule"])
		}
		if (s.Vals["dispatch.index_earliest"] == "") != (s.Vals["dispatch.index_latest"] == "") {
			t.Errorf("[%s]: dispatch.index_earliest and dispatch.index_latest go together", s.Name)
		}
		if n, err := strconv.Atoi(s.Vals["alert.severity"]); err != nil || n < 1 || n > 6 {
			t.Errorf("[%s] alert.severity %q: Splunk's are 1 (debug) to 6 (fatal)", s.Name, s.Vals["alert.severity"])
		}
	}
}

// Every saved search names only fields that exist where it reads them: on
// the records of its sourcetypes, through the add-on's aliases and
// calculated fields, or made by an earlier command of the search.
func TestSavedSearches_FieldsExist(t *testing.T) {
	a := loadAddon(t)
	fields := sourcetypeFields(t, a)
	for _, s := range loadSavedSearches(t).Stanzas {
		searchFields(t, a, fields, "["+s.Name+"]", s.Vals["search"])
	}
}

// The field model catches what it is there to catch.
func TestFieldFlow_Refuses(t *testing.T) {
	start := fieldSet("action", "alert.state", "org", "_time")
	for _, q := range []string{
		`action=dismissed alert.severity=high`,                    // no such field
		`action=dismissed | table org alert.nope`,                 // nor here
		`action=dismissed | stats count BY org | table _time`,     // stats dropped it
		`action=dismissed | eval x=if(alert.state=="open", 1, 0)`, // a dotted name unquoted
		`action=dismissed | eval x=iff(action=="a", 1, 0)`,        // no such function
		`action=dismissed | transaction org`,                      // a command not modelled
		`action=dismissed | rename org AS o | table org`,
	} {
		if err := fieldFlow(q, start); err == nil {
			t.Errorf("%q passes", q)
		}
	}
	ok := `action=dismissed | eval y=1, z=y | stats count AS n latest(alert.state) AS s BY org | where n > 1 AND s="open" | sort - n | table org n s z`
	if err := fieldFlow(ok, start); err == nil || !strings.Contains(err.Error(), "z") {
		t.Errorf("stats keeps z: %v", err)
	}
}

// dashboard is the Simple XML of a dashboard, as far as the tests read it.
type dashboard struct {
	XMLName xml.Name `xml:"dashboard"`
	Version string   `xml:"version,attr"`
	Label   string   `xml:"label"`
	Inputs  []struct {
		Type    string `xml:"type,attr"`
		Token   string `xml:"token,attr"`
		Default string `xml:"default"`
	} `xml:"fieldset>input"`
	Rows []struct {
		Panels []struct {
			Title string `xml:"title"`
			// the visualizations (table, chart, single, …), each with
			// its search
			Viz []struct {
				XMLName  xml.Name
				Searches []dbSearch `xml:"search"`
			} `xml:",any"`
		} `xml:"panel"`
	} `xml:"row"`
}

type dbSearch struct {
	Query    string `xml:"query"`
	Earliest string `xml:"earliest"`
	Latest   string `xml:"latest"`
}

var tokenRef = regexp.MustCompile(`\$([A-Za-z0-9_.]+)\$`)

// The dashboard is Simple XML Splunk reads (version 1.1), every token it
// uses is one of its inputs, and every panel's search names only fields that
// exist, as the saved searches do.
func TestDashboard_ParsesAndFieldsExist(t *testing.T) {
	a := loadAddon(t)
	fields := sourcetypeFields(t, a)
	files, err := filepath.Glob(filepath.Join(appDir, "default/data/ui/views/*.xml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no dashboard: %v", err)
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var d dashboard
		if err := xml.Unmarshal(raw, &d); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if d.Version != "1.1" || d.Label == "" {
			t.Errorf("%s: version %q label %q", f, d.Version, d.Label)
		}
		tokens := map[string]string{}
		for _, in := range d.Inputs {
			switch in.Type {
			case "time":
				tokens[in.Token+".earliest"], tokens[in.Token+".latest"] = "-30d", "now"
			default:
				tokens[in.Token] = in.Default
			}
		}
		subst := func(what, s string) string {
			return tokenRef.ReplaceAllStringFunc(s, func(m string) string {
				v, ok := tokens[m[1:len(m)-1]]
				if !ok {
					t.Errorf("%s: token %s is no input's", what, m)
				}
				return v
			})
		}
		n := 0
		for _, r := range d.Rows {
			for _, p := range r.Panels {
				var searches []dbSearch
				for _, v := range p.Viz {
					searches = append(searches, v.Searches...)
				}
				if p.Title == "" || len(searches) == 0 {
					t.Errorf("%s: a panel without a title or a search", f)
				}
				for _, s := range searches {
					n++
					what := fmt.Sprintf("%s: %q", filepath.Base(f), p.Title)
					if subst(what, s.Earliest) == "" || subst(what, s.Latest) == "" {
						t.Errorf("%s: no earliest/latest", what)
					}
					searchFields(t, a, fields, what, subst(what, s.Query))
				}
			}
		}
		if n < 6 {
			t.Errorf("%s: %d searches, want the auditor's six questions answered", f, n)
		}
	}
}

// storyRecord is one record of the detections' test story: its name, its
// sourcetype, its JSON and when Splunk indexed it.
type storyRecord struct {
	name, sourcetype string
	raw              []byte
	indexed          time.Time
}

// The story's clock: the scheduled run is at searchNow (10:07); the hour it
// looks at by index time is 09:00–10:00, and records are indexed at 09:30
// unless a case says otherwise.
var (
	storyHour    = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	storyIndexed = storyHour.Add(30 * time.Minute)
)

// detectionStory is a story of records the saved searches run over: each
// detection's case, its near misses, records indexed before or after the
// hour a run looks at, and request and audit records.
func detectionStory(t *testing.T) []storyRecord {
	t.Helper()
	var story []storyRecord
	n := 0
	// alert adds an alert record of its own alert number (edit may set
	// another, to give one alert several records).
	alert := func(name string, src exporter.Source, action, state, sev string, edit func(r *exporter.Record)) *storyRecord {
		raw := alertRecord(t, src, action, state)
		var r exporter.Record
		if err := recordjson.UnmarshalRecord(raw, &r); err != nil {
			t.Fatal(err)
		}
		n++
		r.Alert.Number, r.Alert.Severity, r.Alert.SeverityRaw = n, sev, sev
		r.Time = storyHour.Add(time.Duration(n) * time.Second)
		if edit != nil {
			edit(&r)
		}
		r.ID = exporter.AlertRecordID(r.Source, r.Repo, r.Alert.Number, r.Action, r.Time)
		out, err := recordjson.MarshalRecord(&r)
		if err != nil {
			t.Fatal(err)
		}
		if err := recordschema.ValidateJSON(out); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		story = append(story, storyRecord{name, splunkhec.DefaultAlertSourcetype, out, storyIndexed})
		return &story[len(story)-1]
	}
	reason := func(reason, comment string) func(*exporter.Record) {
		return func(r *exporter.Record) { r.Alert.Reason, r.Alert.Comment, r.Actor = reason, comment, "mona" }
	}
	validity := func(v string) func(*exporter.Record) {
		return func(r *exporter.Record) { r.Alert.Validity, r.Alert.PreviousValidity = v, "unknown" }
	}
	// ref and bypassedBy set what their names say after edit
	ref := func(ref string, edit func(*exporter.Record)) func(*exporter.Record) {
		return func(r *exporter.Record) { edit(r); r.Alert.Ref = ref }
	}
	bypassedBy := func(who string, edit func(*exporter.Record)) func(*exporter.Record) {
		return func(r *exporter.Record) {
			edit(r)
			r.Alert.PushProtectionBypassed, r.Alert.PushProtectionBypassedBy = true, who
		}
	}
	dep, cs, ss := exporter.SourceDependabot, exporter.SourceCodeScanning, exporter.SourceSecretScanning
	alert("dependabot critical dismissed tolerable_risk, no comment", dep, "dismissed", "dismissed", "critical", reason("tolerable_risk", ""))
	alert("dependabot critical dismissed not_used, with a comment", dep, "dismissed", "dismissed", "critical", reason("not_used", "dev only"))
	alert("dependabot critical dismissed no_bandwidth, with a comment", dep, "dismissed", "dismissed", "critical", reason("no_bandwidth", "next sprint"))
	alert("dependabot high dismissed fix_started, with a comment", dep, "dismissed", "dismissed", "high", reason("fix_started", "PR 12"))
	alert("dependabot medium dismissed inaccurate, no comment", dep, "dismissed", "dismissed", "medium", reason("inaccurate", ""))
	alert("code scanning high dismissed false positive, no comment", cs, "dismissed", "dismissed", "high", reason("false positive", ""))
	alert("code scanning low dismissed won't fix, with a comment", cs, "dismissed", "dismissed", "low", reason("won't fix", "vendored"))
	alert("code scanning dismissed on a pull request ref", cs, "dismissed", "dismissed", "medium",
		ref("refs/pull/4/merge", reason("used in tests", "fixture")))
	alert("code scanning dismissed on the default branch ref", cs, "dismissed", "dismissed", "medium",
		ref("refs/heads/main", reason("won't fix", "vendored")))
	alert("code scanning critical fixed", cs, "fixed", "fixed", "critical", nil)
	alert("dependabot critical auto_dismissed", dep, "auto_dismissed", "auto_dismissed", "critical", nil)
	alert("secret resolved false_positive, not bypassed", ss, "resolved", "resolved", "high", reason("false_positive", ""))
	alert("secret resolved false_positive, bypassed by another", ss, "resolved", "resolved", "high",
		bypassedBy("dev", reason("false_positive", "")))
	alert("secret resolved used_in_tests, bypassed by the resolver", ss, "resolved", "resolved", "high",
		bypassedBy("mona", reason("used_in_tests", "fixture")))
	alert("secret resolved revoked, bypassed", ss, "resolved", "resolved", "high",
		bypassedBy("dev", reason("revoked", "")))
	alert("secret push_protection_bypassed", ss, "push_protection_bypassed", "open", "high",
		bypassedBy("dev", func(r *exporter.Record) { r.Actor = "dev" }))
	alert("secret validity active, open", ss, "validity_changed", "open", "high", validity("active"))
	alert("secret validity active, resolved", ss, "validity_changed", "resolved", "high", validity("active"))
	alert("secret validity inactive, open", ss, "validity_changed", "open", "high", validity("inactive"))
	alert("secret publicly_leaked", ss, "publicly_leaked", "open", "high", nil)
	// index time decides, not event time: looked at by the run before, by
	// the run after, and a day late but in this run's hour
	alert("secret publicly_leaked, indexed the hour before", ss, "publicly_leaked", "open", "high",
		func(r *exporter.Record) { r.Time = storyHour.Add(-10 * time.Minute) }).indexed = storyHour.Add(-time.Minute)
	alert("secret publicly_leaked, indexed the hour after", ss, "publicly_leaked", "open", "high", nil).indexed = storyHour.Add(62 * time.Minute)
	alert("secret publicly_leaked a day ago, indexed in the hour", ss, "publicly_leaked", "open", "high",
		func(r *exporter.Record) { r.Time = storyHour.Add(-24 * time.Hour) })
	alert("dependabot reintroduced", dep, "reintroduced", "open", "high", nil)
	alert("code scanning reopened", cs, "reopened", "open", "critical", nil)

	// requests, and the alerts they are about: 100 is critical, 101 was
	// critical and is high now, 102 is high, 103 is critical but its
	// approval was indexed the hour before; 104 and 105 below
	at := func(num int, d time.Duration) func(*exporter.Record) {
		return func(r *exporter.Record) { r.Alert.Number, r.Time = num, storyHour.Add(-48*time.Hour+d) }
	}
	alert("dependabot 100 critical created", dep, "created", "open", "critical", at(100, 0))
	alert("dependabot 101 critical created", dep, "created", "open", "critical", at(101, 0))
	alert("dependabot 101 severity_changed to high", dep, "severity_changed", "open", "high", at(101, time.Hour))
	alert("dependabot 102 high created", dep, "created", "open", "high", at(102, 0))
	alert("dependabot 103 critical created", dep, "created", "open", "critical", at(103, 0))
	// sev: the request record's own alert.severity, where it carries one
	request := func(name, action, status string, alertNumber int, self bool, sev string) *storyRecord {
		reviewer, severity := "lead", ""
		if self {
			reviewer = "dev"
		}
		if sev != "" {
			severity = `,"severity":"` + sev + `"`
		}
		raw := fmt.Appendf(nil, `{"schema":1,"id":"%032x","time":"2026-01-05T09:10:00Z","observed_at":"2026-01-05T09:11:00Z",`+
			`"category":"request","source":"dependabot","action":%q,"origin":"poll","org":"acme","repo":"acme/api","actor":%q,`+
			`"alert":{"number":%d%s},"request":{"kind":"dismissal","target":"dependabot","number":%d,"id":%d,"status":%q,`+
			`"reason":"tolerable_risk","requester":"dev","reviewer":%q`, len(story), action, reviewer, alertNumber, severity, len(story), len(story), status, reviewer)
		if self {
			raw = append(raw, `,"self_reviewed":true`...)
		}
		raw = append(raw, "}}"...)
		if err := recordschema.ValidateJSON(raw); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		story = append(story, storyRecord{name, splunkhec.DefaultAlertSourcetype, raw, storyIndexed})
		return &story[len(story)-1]
	}
	request("request for 100 approved by another", "request_approved", "approved", 100, false, "")
	request("request for 100 denied, self-reviewed", "request_denied", "denied", 100, true, "")
	request("request for 101 approved by another", "request_approved", "approved", 101, false, "")
	request("request for 102 approved, self-reviewed", "request_approved", "approved", 102, true, "")
	request("request for 103 approved, indexed the hour before", "request_approved", "approved", 103, false, "").indexed = storyHour.Add(-time.Minute)
	request("request for 102 created", "request_created", "pending", 102, false, "")
	// 104 has no transition in the 90 days; its request record says critical
	request("request for 104 (critical on the record) approved", "request_approved", "approved", 104, false, "critical")
	request("request for 105 (high on the record) approved", "request_approved", "approved", 105, false, "high")

	// withdrawn: 10 of acme's alerts in the hour, 9 of beta's, and 12 of
	// gamma's across two hours (4 of them the hour before)
	withdraw := func(org string, count int, from time.Time) {
		for i := range count {
			alert(fmt.Sprintf("%s withdrawn %d", org, i), dep, "withdrawn", "withdrawn", "high", func(r *exporter.Record) {
				r.Org, r.Repo, r.Time = org, fmt.Sprintf("%s/r%d", org, i%3), from.Add(time.Duration(i)*2*time.Minute)
			})
		}
	}
	withdraw("acme", 10, storyHour)
	withdraw("beta", 9, storyHour.Add(time.Minute))
	withdraw("gamma", 12, storyHour.Add(-8*time.Minute))

	audits := auditRecords(t, []map[string]any{
		{"_document_id": "reopen", "@timestamp": 1767600000000, "action": "code_scanning.alert_reopened_by_user", "actor": "erin",
			"org": "acme", "repo": "acme/api", "alert_number": 7},
		{"_document_id": "bypass", "@timestamp": 1767600000000, "action": "secret_scanning_push_protection.bypass", "actor": "dev",
			"org": "acme", "repo": "acme/api", "number": 8},
	})
	for _, id := range []string{"reopen", "bypass"} {
		story = append(story, storyRecord{"audit " + id, splunkhec.DefaultAuditSourcetype, audits[id], storyIndexed})
	}
	return story
}

// dispatchWindow is a saved search's time range at searchNow.
func dispatchWindow(t *testing.T, from, to string) (time.Time, time.Time) {
	t.Helper()
	at := func(mod string) time.Time {
		if mod == "now" {
			return searchNow
		}
		x, err := relativeTime(searchNow, mod)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	return at(from), at(to)
}

// Each saved search, run at 10:07 as scheduled, over the story's records in
// its time range (event time, and index time where it sets one), returns
// exactly the results it should: the records it fires on (by their id), or
// for the searches that join records, the alerts (repo#number) or orgs.
// The searches run with their macros expanded; every command they use is
// one runSearch runs.
func TestSavedSearches_FireOnStory(t *testing.T) {
	a := loadAddon(t)
	story := detectionStory(t)
	events := make([]event, len(story))
	names := map[string]string{}
	for i, r := range story {
		e, _, _ := a.searchTime(t, r.sourcetype, r.raw)
		var rec struct {
			ID   string    `json:"id"`
			Time time.Time `json:"time"`
		}
		if err := json.Unmarshal(r.raw, &rec); err != nil {
			t.Fatal(err)
		}
		if names[rec.ID] != "" {
			t.Fatalf("%s and %s have the same id", names[rec.ID], r.name)
		}
		names[rec.ID] = r.name
		e["_time"] = []string{strconv.FormatInt(rec.Time.Unix(), 10)}
		e["_indextime"] = []string{strconv.FormatInt(r.indexed.Unix(), 10)}
		events[i] = e
	}
	want := map[string][]string{
		"ghsec - Critical or High Security Alert Dismissed Without a Comment": {
			"dependabot critical dismissed tolerable_risk, no comment", "code scanning high dismissed false positive, no comment"},
		"ghsec - Critical Alert Dismissed as Tolerable Risk, Inaccurate or Not Used": {
			"dependabot critical dismissed tolerable_risk, no comment", "dependabot critical dismissed not_used, with a comment"},
		"ghsec - Secret Pushed Past Push Protection Later Resolved as False Positive or Used in Tests": {
			"secret resolved false_positive, bypassed by another", "secret resolved used_in_tests, bypassed by the resolver"},
		"ghsec - Secret Pushed Past Push Protection":      {"secret push_protection_bypassed"},
		"ghsec - Open Secret Scanning Alert Found Active": {"secret validity active, open"},
		"ghsec - Secret Publicly Leaked":                  {"secret publicly_leaked", "secret publicly_leaked a day ago, indexed in the hour"},
		"ghsec - Fixed Security Alert Reintroduced":       {"dependabot reintroduced"},
		"ghsec - Dismissal or Bypass Request Reviewed by Its Own Requester": {
			"request for 100 denied, self-reviewed", "request for 102 approved, self-reviewed"},
		"ghsec - Dismissal Request Approved for a Critical Alert":    {"acme/api#100", "acme/api#104"},
		"ghsec - Many Security Alerts Withdrawn in One Organization": {"acme"},
		"ghsec - Code Scanning Alert Dismissed on the Default Branch": {
			"code scanning dismissed on the default branch ref"},
	}
	ss := loadSavedSearches(t)
	for _, s := range ss.Stanzas {
		w, ok := want[s.Name]
		if !ok {
			t.Errorf("[%s]: no expectation in the story", s.Name)
			continue
		}
		from, to := dispatchWindow(t, s.Vals["dispatch.earliest_time"], s.Vals["dispatch.latest_time"])
		var in []event
		for _, e := range events {
			at, _ := strconv.ParseInt(first(e, "_time"), 10, 64)
			if at < from.Unix() || at >= to.Unix() {
				continue
			}
			if s.Vals["dispatch.index_earliest"] != "" {
				ifrom, ito := dispatchWindow(t, s.Vals["dispatch.index_earliest"], s.Vals["dispatch.index_latest"])
				it, _ := strconv.ParseInt(first(e, "_indextime"), 10, 64)
				if it < ifrom.Unix() || it >= ito.Unix() {
					continue
				}
			}
			in = append(in, e)
		}
		rows, err := runSearch(a.expand(t, s.Vals["search"], nil), in)
		if err != nil {
			t.Errorf("[%s]: %v", s.Name, err)
			continue
		}
		var got []string
		for _, r := range rows {
			switch {
			case len(r["id"]) > 0:
				got = append(got, names[first(r, "id")])
			case len(r["alert.number"]) > 0:
				got = append(got, first(r, "repo")+"#"+first(r, "alert.number"))
			default:
				got = append(got, first(r, "org"))
			}
		}
		sort.Strings(got)
		sort.Strings(w)
		if !slices.Equal(got, w) {
			t.Errorf("[%s] fires on %q, want %q", s.Name, got, w)
		}
	}
	for name := range want {
		if ss.stanza(name) == nil {
			t.Errorf("no saved search [%s]", name)
		}
	}
}

// sigmaRuleMeta is what the saved searches share with a Sigma rule of
// content/sigma/rules.
type sigmaRuleMeta struct {
	Title       string `yaml:"title"`
	Name        string `yaml:"name"`
	Level       string `yaml:"level"`
	Correlation *struct {
		Rules []string `yaml:"rules"`
	} `yaml:"correlation"`
}

var sigmaRef = regexp.MustCompile(`\(Sigma: (content/sigma/rules/[a-z0-9_]+\.yml)\)`)

// The saved searches are the Sigma rules' detections: each names its rule,
// is named "ghsec - <the rule's title>" and has the alert severity of the
// rule's level; every Sigma rule has its saved search, but for a rule that a
// correlation rule counts, whose saved search is the correlation's.
func TestSavedSearches_MatchTheSigmaRules(t *testing.T) {
	files, _ := filepath.Glob("sigma/rules/*.yml")
	if len(files) == 0 {
		t.Fatal("no Sigma rules under content/sigma/rules")
	}
	severity := map[string]string{"informational": "2", "low": "3", "medium": "4", "high": "5", "critical": "6"}
	rules := map[string]sigmaRuleMeta{}
	counted := map[string]bool{}
	for _, f := range files {
		var r sigmaRuleMeta
		readYAML(t, f, &r)
		rules["content/"+filepath.ToSlash(f)] = r
		if r.Correlation != nil {
			for _, n := range r.Correlation.Rules {
				counted[n] = true
			}
		}
	}
	covered := map[string]bool{}
	for _, s := range loadSavedSearches(t).Stanzas {
		m := sigmaRef.FindStringSubmatch(s.Vals["description"])
		if m == nil {
			t.Errorf("[%s]: the description names no Sigma rule", s.Name)
			continue
		}
		r, ok := rules[m[1]]
		if !ok {
			t.Errorf("[%s]: no Sigma rule %s", s.Name, m[1])
			continue
		}
		covered[m[1]] = true
		if s.Name != "ghsec - "+r.Title {
			t.Errorf("[%s]: the Sigma rule's title is %q", s.Name, r.Title)
		}
		if s.Vals["alert.severity"] != severity[r.Level] {
			t.Errorf("[%s] alert.severity %s, the Sigma rule's level is %s (%s)", s.Name, s.Vals["alert.severity"], r.Level, severity[r.Level])
		}
	}
	for f, r := range rules {
		if !covered[f] && !(r.Name != "" && counted[r.Name]) {
			t.Errorf("Sigma rule %s (%s) has no saved search", f, r.Title)
		}
	}
}
