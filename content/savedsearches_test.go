package content

import (
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

// pendingRequestFields are the fields of request records (category
// request, README "request"), as the branch adding them documents them:
// kind, target, number, id, status, previous_status, reason, requester,
// requester_comment, reviewer, reviewer_comment, reviews, self_reviewed,
// alert_numbers, created_at, expires_at, html_url. They stand in for
// docs/record.schema.json's `request` until the schema has it; from then on
// the schema's own fields are used and each of these must be among them.
var pendingRequestFields = []string{"request.kind", "request.target", "request.number", "request.id", "request.status",
	"request.previous_status", "request.reason", "request.requester", "request.requester_comment", "request.reviewer",
	"request.reviewer_comment", "request.reviews", "request.self_reviewed", "request.alert_numbers",
	"request.created_at", "request.expires_at", "request.html_url"}

// pendingAlertFields are alert fields being added beside this content
// (README "alert"): on every record of a secret alert pushed past push
// protection, push_protection_bypassed and push_protection_bypassed_by; on
// code scanning records, ref. They stand in for the schema's until it has
// them, as pendingRequestFields do.
var pendingAlertFields = []string{"alert.push_protection_bypassed", "alert.push_protection_bypassed_by", "alert.ref"}

// splunkFields are the fields Splunk gives every event that a search may
// read. The record's own `source` is not one: Splunk's is the sink's.
var splunkFields = fieldSet("_time", "_indextime", "_raw", "sourcetype", "index", "eventtype", "tag")

// recordFields are the fields a search over a sourcetype may read: the
// record's (docs/record.schema.json, with the request fields while the
// schema lacks them), those the add-on makes for that sourcetype
// (FIELDALIAS and EVAL-), and Splunk's own.
func recordFields(t *testing.T, a *addon, sourcetype string) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	schema := schemaFields(t)
	for f := range schema {
		if !splunkReserved[f] {
			out[f] = true
		}
	}
	for _, pending := range [][]string{pendingRequestFields, pendingAlertFields} {
		if schema[pending[0]] {
			for _, f := range pending {
				if !schema[f] {
					t.Errorf("the record schema has %s but not %s, which the searches were written for", pending[0], f)
				}
			}
			continue
		}
		for _, f := range pending {
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

var sourcetypeTerm = regexp.MustCompile(`sourcetype="([^"]+)"`)

// searchFields checks one search (macros expanded) against the fields of
// the sourcetypes it reads.
func searchFields(t *testing.T, a *addon, what, q string) {
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
		for f := range recordFields(t, a, m[1]) {
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
	for _, s := range loadSavedSearches(t).Stanzas {
		searchFields(t, a, "["+s.Name+"]", s.Vals["search"])
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
					searchFields(t, a, what, subst(what, s.Query))
				}
			}
		}
		if n < 6 {
			t.Errorf("%s: %d searches, want the auditor's six questions answered", f, n)
		}
	}
}

// storyRecord is one record of the detections' test story: its name, its
// sourcetype and its JSON.
type storyRecord struct {
	name, sourcetype string
	raw              []byte
}

// detectionStory is a story of records the detections run over: each
// detection's case, its near misses, and records of every other kind.
func detectionStory(t *testing.T) []storyRecord {
	t.Helper()
	at := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	schema := schemaFields(t)
	alert := func(name string, src exporter.Source, action, state, sev string, edit func(r *exporter.Record), extra ...string) storyRecord {
		raw := alertRecord(t, src, action, state)
		var r exporter.Record
		if err := recordjson.UnmarshalRecord(raw, &r); err != nil {
			t.Fatal(err)
		}
		r.Alert.Severity, r.Alert.SeverityRaw = sev, sev
		r.Time = at
		if edit != nil {
			edit(&r)
		}
		out, err := recordjson.MarshalRecord(&r)
		if err != nil {
			t.Fatal(err)
		}
		// extra: members of alert (name, JSON value pairs) the record type
		// of this branch may not have yet (pendingAlertFields)
		validate := true
		for i := 0; i < len(extra); i += 2 {
			out = []byte(strings.Replace(string(out), `"alert":{`, fmt.Sprintf(`"alert":{%q:%s,`, extra[i], extra[i+1]), 1))
			validate = validate && schema["alert."+extra[i]]
		}
		if validate {
			if err := recordschema.ValidateJSON(out); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
		return storyRecord{name, splunkhec.DefaultAlertSourcetype, out}
	}
	reason := func(reason, comment string) func(*exporter.Record) {
		return func(r *exporter.Record) { r.Alert.Reason, r.Alert.Comment, r.Actor = reason, comment, "mona" }
	}
	validity := func(v string) func(*exporter.Record) {
		return func(r *exporter.Record) { r.Alert.Validity, r.Alert.PreviousValidity = v, "unknown" }
	}
	dep, cs, ss := exporter.SourceDependabot, exporter.SourceCodeScanning, exporter.SourceSecretScanning
	story := []storyRecord{
		alert("dependabot critical dismissed tolerable_risk, no comment", dep, "dismissed", "dismissed", "critical", reason("tolerable_risk", "")),
		alert("dependabot critical dismissed not_used, with a comment", dep, "dismissed", "dismissed", "critical", reason("not_used", "dev only")),
		alert("dependabot critical dismissed no_bandwidth, with a comment", dep, "dismissed", "dismissed", "critical", reason("no_bandwidth", "next sprint")),
		alert("dependabot high dismissed fix_started, with a comment", dep, "dismissed", "dismissed", "high", reason("fix_started", "PR 12")),
		alert("dependabot medium dismissed inaccurate, no comment", dep, "dismissed", "dismissed", "medium", reason("inaccurate", "")),
		alert("code scanning high dismissed false positive, no comment", cs, "dismissed", "dismissed", "high", reason("false positive", "")),
		alert("code scanning low dismissed won't fix, with a comment", cs, "dismissed", "dismissed", "low", reason("won't fix", "vendored")),
		alert("code scanning critical fixed", cs, "fixed", "fixed", "critical", nil),
		alert("dependabot critical auto_dismissed", dep, "auto_dismissed", "auto_dismissed", "critical", nil),
		alert("secret resolved false_positive, not bypassed", ss, "resolved", "resolved", "high", reason("false_positive", "")),
		alert("secret resolved false_positive, bypassed by another", ss, "resolved", "resolved", "high", reason("false_positive", ""),
			"push_protection_bypassed", "true", "push_protection_bypassed_by", `"dev"`),
		alert("secret resolved used_in_tests, bypassed by the resolver", ss, "resolved", "resolved", "high", reason("used_in_tests", "fixture"),
			"push_protection_bypassed", "true", "push_protection_bypassed_by", `"mona"`),
		alert("secret resolved revoked, bypassed", ss, "resolved", "resolved", "high", reason("revoked", ""),
			"push_protection_bypassed", "true", "push_protection_bypassed_by", `"dev"`),
		alert("code scanning dismissed on a pull request ref", cs, "dismissed", "dismissed", "medium", reason("used in tests", "fixture"),
			"ref", `"refs/pull/4/merge"`),
		alert("code scanning dismissed on the default branch ref", cs, "dismissed", "dismissed", "medium", reason("won't fix", "vendored"),
			"ref", `"refs/heads/main"`),
		alert("secret push_protection_bypassed", ss, "push_protection_bypassed", "open", "high", func(r *exporter.Record) { r.Actor = "dev" },
			"push_protection_bypassed", "true", "push_protection_bypassed_by", `"dev"`),
		alert("secret validity active, open", ss, "validity_changed", "open", "high", validity("active")),
		alert("secret validity active, resolved", ss, "validity_changed", "resolved", "high", validity("active")),
		alert("secret validity inactive, open", ss, "validity_changed", "open", "high", validity("inactive")),
		alert("secret publicly_leaked", ss, "publicly_leaked", "open", "high", nil),
		alert("dependabot reintroduced", dep, "reintroduced", "open", "high", nil),
		alert("code scanning reopened", cs, "reopened", "open", "critical", nil),
		alert("dependabot withdrawn", dep, "withdrawn", "open", "critical", nil),
		alert("dependabot critical created", dep, "created", "open", "critical", nil),
	}
	request := func(name, action, status string, self bool) storyRecord {
		raw := fmt.Appendf(nil, `{"schema":1,"id":"%032x","time":"2026-01-05T09:00:00Z","observed_at":"2026-01-05T09:01:00Z",`+
			`"category":"request","source":"dependabot","action":%q,"origin":"poll","org":"acme","repo":"acme/api","actor":"lead",`+
			`"alert":{"number":7},"request":{"kind":"dismissal","target":"dependabot","number":3,"id":99,"status":%q,`+
			`"reason":"tolerable_risk","requester":"dev","reviewer":"lead","self_reviewed":%t}}`, len(story), action, status, self)
		if self {
			raw = []byte(strings.Replace(string(raw), `"reviewer":"lead"`, `"reviewer":"dev"`, 1))
		} else {
			raw = []byte(strings.Replace(string(raw), `,"self_reviewed":false`, ``, 1))
		}
		if schemaFields(t)["request.kind"] {
			if err := recordschema.ValidateJSON(raw); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
		return storyRecord{name, splunkhec.DefaultAlertSourcetype, raw}
	}
	story = append(story,
		request("request approved, self-reviewed", "request_approved", "approved", true),
		request("request denied, self-reviewed", "request_denied", "denied", true),
		request("request approved by another", "request_approved", "approved", false),
		request("request created", "request_created", "pending", false),
	)
	audits := auditRecords(t, []map[string]any{
		{"_document_id": "reopen", "@timestamp": 1767600000000, "action": "code_scanning.alert_reopened_by_user", "actor": "erin",
			"org": "acme", "repo": "acme/api", "alert_number": 7},
		{"_document_id": "bypass", "@timestamp": 1767600000000, "action": "secret_scanning_push_protection.bypass", "actor": "dev",
			"org": "acme", "repo": "acme/api", "number": 8},
	})
	for _, id := range []string{"reopen", "bypass"} {
		story = append(story, storyRecord{"audit " + id, splunkhec.DefaultAuditSourcetype, audits[id]})
	}
	return story
}

// Each saved search that judges one record at a time fires on exactly the
// story's records it should and on none of the others; the three that join
// records (by alert, or per org and hour) pick exactly the records they
// join. The searches run, macros expanded, as far as the tests model SPL:
// the search terms and what follows them up to the first other command.
func TestSavedSearches_FireOnStory(t *testing.T) {
	a := loadAddon(t)
	story := detectionStory(t)
	want := map[string][]string{
		"ghsec - Critical or high alert dismissed without a comment": {
			"dependabot critical dismissed tolerable_risk, no comment", "code scanning high dismissed false positive, no comment"},
		"ghsec - Critical alert dismissed as tolerable risk, inaccurate or not used": {
			"dependabot critical dismissed tolerable_risk, no comment", "dependabot critical dismissed not_used, with a comment"},
		"ghsec - Secret resolved as false positive or used in tests after a push protection bypass": {
			"secret resolved false_positive, bypassed by another", "secret resolved used_in_tests, bypassed by the resolver"},
		"ghsec - Push protection bypassed":                     {"secret push_protection_bypassed"},
		"ghsec - Secret validity changed to active while open": {"secret validity active, open"},
		"ghsec - Secret publicly leaked":                       {"secret publicly_leaked"},
		"ghsec - Fixed alert reintroduced":                     {"dependabot reintroduced"},
		"ghsec - Request reviewed by its own requester":        {"request approved, self-reviewed", "request denied, self-reviewed"},
		"ghsec - Request approved for a critical alert": {
			"request approved, self-reviewed", "request approved by another",
			"dependabot critical dismissed tolerable_risk, no comment", "dependabot critical dismissed not_used, with a comment",
			"dependabot critical dismissed no_bandwidth, with a comment", "code scanning critical fixed",
			"dependabot critical auto_dismissed", "code scanning reopened", "dependabot withdrawn", "dependabot critical created"},
		"ghsec - Alerts withdrawn in bulk": {"dependabot withdrawn"},
		"ghsec - Code scanning alert dismissed on the default branch": {
			"code scanning high dismissed false positive, no comment", "code scanning low dismissed won't fix, with a comment",
			"code scanning dismissed on the default branch ref"},
	}
	ss := loadSavedSearches(t)
	for _, s := range ss.Stanzas {
		w, ok := want[s.Name]
		if !ok {
			t.Errorf("[%s]: no expectation in the story", s.Name)
			continue
		}
		q := splitPipes(a.expand(t, s.Vals["search"], nil))
		var got []string
		for _, r := range story {
			e, _, _ := a.searchTime(t, r.sourcetype, r.raw)
			// the leading terms, and eval/search commands while runPipeline
			// models them
			pipe := q[0]
			for _, seg := range q[1:] {
				cmd, rest, _ := strings.Cut(strings.TrimSpace(seg), " ")
				if cmd != "search" && (cmd != "eval" || len(splitTop(rest, ',')) > 1) {
					break
				}
				pipe += "|" + seg
			}
			if hit, _ := runPipeline(t, pipe, e); hit {
				got = append(got, r.name)
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
