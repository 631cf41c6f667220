package content

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/bradleyjkemp/sigma-go"
	"github.com/bradleyjkemp/sigma-go/evaluator"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/recordschema"
	"go.yaml.in/yaml/v3"
)

const sigmaDir = "sigma"

// sigmaIndex is the index config/ghsec.yml maps the records' logsources to.
const sigmaIndex = "ghsec"

// sigmaRule is one detection rule of content/sigma/rules.
type sigmaRule struct {
	stem string // file name without .yml: how the story names it
	rule sigma.Rule
	eval *evaluator.RuleEvaluator
}

// correlationRule is a Sigma correlation rule (sigma-go has no support for
// them; the test evaluates the event_count type itself).
type correlationRule struct {
	stem        string
	Title       string
	Level       string
	Correlation struct {
		Type      string   `yaml:"type"`
		Rules     []string `yaml:"rules"`
		GroupBy   []string `yaml:"group-by"`
		Timespan  string   `yaml:"timespan"`
		Condition struct {
			GTE int `yaml:"gte"`
		} `yaml:"condition"`
	} `yaml:"correlation"`
}

var (
	uuidRe   = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	attackRe = regexp.MustCompile(`^attack\.(t\d{4}(\.\d{3})?|[a-z-]+)$`)
	levels   = []string{"informational", "low", "medium", "high", "critical"}
)

// loadSigma reads every rule of content/sigma/rules with the shipped
// config, checking what each must have: a UUID id, a level, false
// positives, ATT&CK tags in Sigma's form, and our logsource.
func loadSigma(t *testing.T) ([]sigmaRule, []correlationRule) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(sigmaDir, "config", "ghsec.yml"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := sigma.ParseConfig(raw)
	if err != nil {
		t.Fatalf("config/ghsec.yml: %v", err)
	}
	files, err := filepath.Glob(filepath.Join(sigmaDir, "rules", "*.yml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no rules (%v)", err)
	}
	var rules []sigmaRule
	var corrs []correlationRule
	ids := map[string]string{}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		stem := strings.TrimSuffix(filepath.Base(f), ".yml")
		var meta struct {
			ID             string
			Title          string
			Level          string
			Tags           []string
			FalsePositives []string `yaml:"falsepositives"`
			Correlation    any
		}
		if err := yaml.Unmarshal(src, &meta); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if !uuidRe.MatchString(meta.ID) || ids[meta.ID] != "" {
			t.Errorf("%s: id %q is not a UUID of its own", stem, meta.ID)
		}
		ids[meta.ID] = stem
		if meta.Title == "" || !slices.Contains(levels, meta.Level) || len(meta.FalsePositives) == 0 {
			t.Errorf("%s: needs a title, a level (%v) and falsepositives", stem, levels)
		}
		for _, tag := range meta.Tags {
			if !attackRe.MatchString(tag) {
				t.Errorf("%s: tag %q is not an ATT&CK tag in Sigma's form", stem, tag)
			}
		}
		if meta.Correlation != nil {
			c := correlationRule{stem: stem}
			if err := yaml.Unmarshal(src, &c); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			corrs = append(corrs, c)
			continue
		}
		r, err := sigma.ParseRule(src)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		ls := r.Logsource
		if ls.Product != "github" || ls.Service != "ghsec" || !slices.Contains([]string{"alert", "request", "audit"}, ls.Category) {
			t.Errorf("%s: logsource %+v, want product github, service ghsec, category alert|request|audit", stem, ls)
		}
		nullAsAbsent(&r)
		e := evaluator.ForRule(r, evaluator.WithConfig(cfg))
		if !slices.Equal(e.Indexes(), []string{sigmaIndex}) {
			t.Errorf("%s: config/ghsec.yml maps it to indexes %v", stem, e.Indexes())
		}
		rules = append(rules, sigmaRule{stem: stem, rule: r, eval: e})
	}
	return rules, corrs
}

// nullAsAbsent hands sigma-go a rule's null values the way it can read
// them: Sigma's `field: null` means "the field is absent", which sigma-go
// v0.6.6 evaluates when the value is the string "null" but refuses as a
// YAML null.
func nullAsAbsent(r *sigma.Rule) {
	for _, s := range r.Detection.Searches {
		for _, em := range s.EventMatchers {
			for i := range em {
				for j, v := range em[i].Values {
					if v == nil {
						em[i].Values[j] = "null"
					}
				}
			}
		}
	}
}

// flatten turns a record's JSON into the event a SIEM makes of it: every
// member under its dotted path (alert.severity), arrays as they are.
func flatten(prefix string, v any, out map[string]any) {
	m, ok := v.(map[string]any)
	if !ok {
		out[prefix] = v
		return
	}
	for k, x := range m {
		p := k
		if prefix != "" {
			p = prefix + "." + k
		}
		flatten(p, x, out)
	}
}

// sigmaEvent is one record as the rules see it.
type sigmaEvent struct {
	key    string
	fields map[string]any
}

func sigmaEvents(t *testing.T, lines [][]byte) []sigmaEvent {
	t.Helper()
	var evs []sigmaEvent
	for _, l := range lines {
		var r map[string]any
		if err := json.Unmarshal(l, &r); err != nil {
			t.Fatal(err)
		}
		f := map[string]any{}
		flatten("", r, f)
		evs = append(evs, sigmaEvent{key: recordKey(r), fields: f})
	}
	return evs
}

// fires evaluates rule on ev as an engine does: the logsource's condition
// from the config (the record's category), then the detection.
func (r sigmaRule) fires(t *testing.T, ev sigmaEvent) bool {
	t.Helper()
	ctx := context.Background()
	relevant, err := r.eval.RelevantToEvent(ctx, sigmaIndex, ev.fields)
	if err != nil {
		t.Fatalf("%s on %s: %v", r.stem, ev.key, err)
	}
	if !relevant {
		return false
	}
	res, err := r.eval.Matches(ctx, ev.fields)
	if err != nil {
		t.Fatalf("%s on %s: %v", r.stem, ev.key, err)
	}
	return res.Match
}

// checkMatrix evaluates every rule on every event, fails for each cell
// that differs from want (key → rule stems; absent: none), and logs the
// rule × record matrix.
func checkMatrix(t *testing.T, rules []sigmaRule, evs []sigmaEvent, want map[string][]string) map[string][]sigmaEvent {
	t.Helper()
	matched := map[string][]sigmaEvent{}
	seen := map[string]bool{}
	var b strings.Builder
	fmt.Fprintf(&b, "rule × record matrix (%d records):\n", len(evs))
	for i, r := range rules {
		fmt.Fprintf(&b, "  R%-2d %s (%s)\n", i+1, r.stem, r.rule.Level)
	}
	b.WriteString("  ")
	for i := range rules {
		fmt.Fprintf(&b, "%-4s", fmt.Sprintf("R%d", i+1))
	}
	b.WriteString(" record\n")
	for _, ev := range evs {
		seen[ev.key] = true
		b.WriteString("  ")
		for _, r := range rules {
			got, exp := r.fires(t, ev), slices.Contains(want[ev.key], r.stem)
			cell := "."
			if got {
				cell = "X"
				matched[r.stem] = append(matched[r.stem], ev)
			}
			if got != exp {
				t.Errorf("%s on %s: fires %v, want %v", r.stem, ev.key, got, exp)
			}
			fmt.Fprintf(&b, "%-4s", cell)
		}
		fmt.Fprintf(&b, " %s\n", ev.key)
	}
	t.Log(b.String())
	for k := range want {
		if !seen[k] {
			t.Errorf("the story made no record %s", k)
		}
	}
	return matched
}

// eventCount evaluates an event_count correlation over the matches of the
// rules it names (by their name:): for each group, whether some window of
// the timespan holds at least the threshold of them.
func eventCount(t *testing.T, c correlationRule, rules []sigmaRule, matched map[string][]sigmaEvent) map[string]int {
	t.Helper()
	if c.Correlation.Type != "event_count" || c.Correlation.Condition.GTE <= 0 {
		t.Fatalf("%s: only event_count with gte is evaluated here", c.stem)
	}
	span, err := time.ParseDuration(c.Correlation.Timespan)
	if err != nil {
		t.Fatalf("%s: timespan: %v", c.stem, err)
	}
	byGroup := map[string][]time.Time{}
	for _, name := range c.Correlation.Rules {
		var stem string
		for _, r := range rules {
			if r.rule.AdditionalFields["name"] == name {
				stem = r.stem
			}
		}
		if stem == "" {
			t.Fatalf("%s: no rule is named %q", c.stem, name)
		}
		for _, ev := range matched[stem] {
			var g []string
			for _, f := range c.Correlation.GroupBy {
				g = append(g, fmt.Sprint(ev.fields[f]))
			}
			at, err := time.Parse(time.RFC3339Nano, fmt.Sprint(ev.fields["time"]))
			if err != nil {
				t.Fatal(err)
			}
			byGroup[strings.Join(g, ",")] = append(byGroup[strings.Join(g, ",")], at)
		}
	}
	fired := map[string]int{}
	for g, ts := range byGroup {
		sort.Slice(ts, func(i, j int) bool { return ts[i].Before(ts[j]) })
		for i := range ts {
			n := 0
			for j := i; j < len(ts) && ts[j].Sub(ts[i]) < span; j++ {
				n++
			}
			if n >= c.Correlation.Condition.GTE && n > fired[g] {
				fired[g] = n
			}
		}
	}
	return fired
}

// Every rule fires on exactly the records of the simulator story it
// should, and on none of the others; the bulk-withdrawal correlation fires
// for the organization that lost ten alerts within the hour, not for the
// one that lost one.
func TestSigma_SimulatorStory(t *testing.T) {
	rules, corrs := loadSigma(t)
	lines, want := storyRecords(t)
	evs := sigmaEvents(t, lines)
	matched := checkMatrix(t, rules, evs, want)
	if len(corrs) == 0 {
		t.Fatal("no correlation rule")
	}
	for _, c := range corrs {
		got := eventCount(t, c, rules, matched)
		if len(got) != 1 || got["acme"] < 10 {
			t.Errorf("%s fires for %v, want acme (10 withdrawn) alone", c.stem, got)
		}
		t.Logf("correlation %s: fires for %v (group-by %v, timespan %s, gte %d)", c.stem, got,
			c.Correlation.GroupBy, c.Correlation.Timespan, c.Correlation.Condition.GTE)
	}
}

// requestRecords are request records as docs/record.md documents them
// (request; category request), built by hand to give each request rule its
// cases. The approved-for-a-critical-alert rule reads alert.severity, which
// a request record must carry for it.
var requestRecords = []struct {
	json  string
	rules []string
}{
	{`{"schema":1,"id":"00000000000000000000000000000001","time":"2026-01-05T08:00:00Z","observed_at":"2026-01-05T08:01:00Z","category":"request","source":"code_scanning","action":"request_created","origin":"poll","org":"acme","repo":"acme/api","actor":"dev","alert":{"number":7,"severity":"critical"},"request":{"kind":"dismissal","target":"code_scanning","number":3,"id":99,"status":"pending","reason":"false positive","requester":"dev","created_at":"2026-01-05T08:00:00Z"}}`,
		nil},
	{`{"schema":1,"id":"00000000000000000000000000000002","time":"2026-01-05T09:00:00Z","observed_at":"2026-01-05T09:01:00Z","category":"request","source":"code_scanning","action":"request_approved","origin":"poll","org":"acme","repo":"acme/api","actor":"lead","alert":{"number":7,"severity":"critical"},"request":{"kind":"dismissal","target":"code_scanning","number":3,"id":99,"status":"approved","previous_status":"pending","requester":"dev","reviewer":"lead","reviews":[{"reviewer":"lead","status":"approved","at":"2026-01-05T09:00:00Z"}]}}`,
		[]string{"ghsec_request_approved_critical_alert"}},
	{`{"schema":1,"id":"00000000000000000000000000000003","time":"2026-01-05T09:00:00Z","observed_at":"2026-01-05T09:01:00Z","category":"request","source":"dependabot","action":"request_approved","origin":"webhook","org":"acme","repo":"acme/api","actor":"dev","alert":{"number":8,"severity":"high"},"request":{"kind":"dismissal","target":"dependabot","number":4,"status":"approved","requester":"dev","reviewer":"dev","self_reviewed":true}}`,
		[]string{"ghsec_request_self_reviewed"}},
	{`{"schema":1,"id":"00000000000000000000000000000004","time":"2026-01-05T09:00:00Z","observed_at":"2026-01-05T09:01:00Z","category":"request","source":"secret_scanning","action":"request_denied","origin":"poll","org":"acme","repo":"acme/api","actor":"ops","request":{"kind":"bypass","target":"secret_scanning","number":5,"status":"denied","requester":"ops","reviewer":"ops","self_reviewed":true}}`,
		[]string{"ghsec_request_self_reviewed"}},
	{`{"schema":1,"id":"00000000000000000000000000000005","time":"2026-01-05T09:00:00Z","observed_at":"2026-01-05T09:01:00Z","category":"request","source":"dependabot","action":"request_approved","origin":"poll","org":"acme","repo":"acme/api","actor":"lead","alert":{"number":9,"severity":"critical"},"request":{"kind":"dismissal","target":"dependabot","number":6,"status":"approved","requester":"dev","reviewer":"lead","self_reviewed":true}}`,
		[]string{"ghsec_request_self_reviewed", "ghsec_request_approved_critical_alert"}},
	{`{"schema":1,"id":"00000000000000000000000000000006","time":"2026-01-05T09:00:00Z","observed_at":"2026-01-05T09:01:00Z","category":"request","source":"push_rules","action":"request_approved","origin":"poll","org":"acme","actor":"lead","request":{"kind":"bypass","target":"push_rules","number":1,"status":"approved","requester":"dev","reviewer":"lead"}}`,
		nil},
	// an alert record and an audit record with the same words: the
	// request rules read request records only
	{`{"schema":1,"id":"a0000000000000000000000000000001","time":"2026-01-05T09:00:00Z","observed_at":"2026-01-05T09:01:00Z","category":"alert","source":"dependabot","action":"request_approved","origin":"poll","org":"acme","repo":"acme/api","alert":{"number":9,"severity":"critical"}}`,
		nil},
	{`{"schema":1,"id":"a0000000000000000000000000000002","time":"2026-01-05T09:00:00Z","observed_at":"2026-01-05T09:01:00Z","category":"audit","source":"audit_log","action":"dependabot_closure_request.approve","origin":"poll","org":"acme","repo":"acme/api","actor":"dev","request":{"kind":"dismissal","target":"dependabot","status":"approved","self_reviewed":true},"audit":{"action":"dependabot_closure_request.approve","document_id":"d1","entry":{}}}`,
		nil},
}

// The request rules fire on exactly the request records they should.
func TestSigma_RequestRecords(t *testing.T) {
	rules, _ := loadSigma(t)
	var lines [][]byte
	want := map[string][]string{}
	for _, rr := range requestRecords {
		lines = append(lines, []byte(rr.json))
	}
	evs := sigmaEvents(t, lines)
	for i := range evs {
		// each hand-built record is its own row
		evs[i].key = fmt.Sprintf("r%d %v %v", i+1, evs[i].fields["category"], evs[i].fields["action"])
		want[evs[i].key] = requestRecords[i].rules
		if evs[i].fields["category"] == "request" {
			if err := recordschema.ValidateJSON(lines[i]); err != nil {
				t.Errorf("hand-built request record %d: %v", i+1, err)
			}
		}
	}
	checkMatrix(t, rules, evs, want)
}

// The pySigma pipeline adds, for each logsource, the same category
// condition the sigmac config does: a rule converted by sigma-cli selects
// the records the test evaluated it on.
func TestSigma_PipelineMatchesConfig(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(sigmaDir, "pipelines", "ghsec.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var p struct {
		Name            string
		Priority        int
		Transformations []struct {
			ID             string
			Type           string
			Conditions     map[string]string
			RuleConditions []map[string]string `yaml:"rule_conditions"`
		}
	}
	if err := yaml.Unmarshal(raw, &p); err != nil {
		t.Fatal(err)
	}
	raw, err = os.ReadFile(filepath.Join(sigmaDir, "config", "ghsec.yml"))
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := sigma.ParseConfig(raw)
	if err != nil {
		t.Fatal(err)
	}
	fromConfig := map[string]string{}
	for _, ls := range cfg.Logsources {
		if ls.Product != "github" || ls.Service != "ghsec" || len(ls.Conditions.EventMatchers) != 1 || len(ls.Conditions.EventMatchers[0]) != 1 {
			t.Fatalf("config logsource %+v", ls)
		}
		fm := ls.Conditions.EventMatchers[0][0]
		fromConfig[ls.Category] = fmt.Sprintf("%s=%v", fm.Field, fm.Values)
	}
	fromPipeline := map[string]string{}
	for _, tr := range p.Transformations {
		if tr.Type != "add_condition" || len(tr.RuleConditions) != 1 || len(tr.Conditions) != 1 {
			t.Fatalf("transformation %s: want one add_condition on one logsource", tr.ID)
		}
		rc := tr.RuleConditions[0]
		if rc["type"] != "logsource" || rc["product"] != "github" || rc["service"] != "ghsec" {
			t.Fatalf("transformation %s: rule condition %v", tr.ID, rc)
		}
		for f, v := range tr.Conditions {
			fromPipeline[rc["category"]] = fmt.Sprintf("%s=%v", f, []any{v})
		}
	}
	if p.Name == "" || fmt.Sprint(fromPipeline) != fmt.Sprint(fromConfig) || len(fromConfig) != 3 {
		t.Errorf("pipeline maps %v, config %v", fromPipeline, fromConfig)
	}
}

// Every field a rule reads or lists (detection, fields:, a correlation's
// group-by) is a field of the record (docs/record.schema.json).
func TestSigma_FieldsExistOnTheRecord(t *testing.T) {
	schema := schemaFields(t)
	check := func(stem, f string) {
		if !schema[f] {
			t.Errorf("%s: field %q is not a record field", stem, f)
		}
	}
	files, _ := filepath.Glob(filepath.Join(sigmaDir, "rules", "*.yml"))
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		stem := strings.TrimSuffix(filepath.Base(file), ".yml")
		var meta struct {
			Fields      []string
			Correlation struct {
				GroupBy []string `yaml:"group-by"`
			}
		}
		if err := yaml.Unmarshal(src, &meta); err != nil {
			t.Fatal(err)
		}
		for _, f := range append(meta.Fields, meta.Correlation.GroupBy...) {
			check(stem, f)
		}
		r, err := sigma.ParseRule(src)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range r.Detection.Searches {
			for _, em := range s.EventMatchers {
				for _, fm := range em {
					check(stem, fm.Field)
				}
			}
		}
	}
}
