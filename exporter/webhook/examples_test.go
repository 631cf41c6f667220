package webhook

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/internal/openapicheck"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/recordschema"
)

// exampleOutcomes is what each distinct @octokit/webhooks-examples payload
// (all product files: api.github.com and every GHES; identical copies once)
// must give: the record actions, or "ignored: <reason>".
// Keys are event/action/first 8 hex of the example's SHA-256.
var exampleOutcomes = map[string]string{
	"code_scanning_alert/closed_by_user/fb34d57a": "created,dismissed",
	"code_scanning_alert/created/b7627f6d":        "created",
	"code_scanning_alert/fixed/f8e9508f":          "created,fixed",
	// reopened, first seen: the alert is open, so it is created
	"code_scanning_alert/reopened/1875fb66": "created",
	"code_scanning_alert/reopened/60e46827": "created",
	"code_scanning_alert/reopened/8f869365": "created",
	"code_scanning_alert/reopened/b71ed2bf": "created",
	"dependabot_alert/created/d1546643":     "created",
	"dependabot_alert/fixed/4f3a2c41":       "created,fixed",
	"dependabot_alert/fixed/50290326":       "created,fixed",
	// The GHES examples predate the alert's state and timestamps: number,
	// secret_type and resolution only. Polling records the change.
	"secret_scanning_alert/reopened/c78d3983": noTimes,
	// A new location of a known secret: the example's alert has no state,
	// and a location changes none.
	"secret_scanning_alert_location/created/09cf5208": noState,
}

const (
	noTimes = "ignored: alert object has no created_at or updated_at: it cannot be ordered against the stored state"
	noState = "ignored: alert object has no state"
)

func exampleKey(event string, body []byte) (string, string) {
	var p struct {
		Action string `json:"action"`
	}
	_ = json.Unmarshal(body, &p)
	sum := sha256.Sum256(body)
	return event + "/" + p.Action + "/" + hex.EncodeToString(sum[:4]), p.Action
}

func TestOctokitExamples_BecomeValidRecordsOrAreIgnoredForAReason(t *testing.T) {
	got := map[string]string{}
	for _, event := range []string{"dependabot_alert", "code_scanning_alert", "secret_scanning_alert", "secret_scanning_alert_location"} {
		for i, body := range openapicheck.WebhookExamples(t, event) {
			key, _ := exampleKey(event, body)
			r := newRig(t) // a fresh state: the examples reuse numbers
			r.h.opts.InScope = func(string, string) bool { return true }
			w := r.post(event, fmt.Sprintf("ex-%d", i), body, "")
			if w.Code/100 != 2 {
				t.Errorf("%s: status %d", key, w.Code)
				continue
			}
			recs := r.records()
			var actions []string
			for j := range recs {
				if err := recordschema.Validate(&recs[j]); err != nil {
					t.Errorf("%s: record %s fails the schema: %v", key, recs[j].Action, err)
				}
				if recs[j].Origin != "webhook" {
					t.Errorf("%s: origin %s", key, recs[j].Origin)
				}
				actions = append(actions, recs[j].Action)
			}
			out := strings.Join(actions, ",")
			if len(recs) == 0 {
				ev, err := Decode(event, body, false)
				switch {
				case err != nil:
					out = "ignored: " + err.Error()
				case ev.Ignored != "":
					out = "ignored: " + ev.Ignored
				default:
					out = "nothing"
				}
			}
			got[key] = out
		}
	}
	keys := make([]string, 0, len(got))
	for k := range got {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		want, ok := exampleOutcomes[k]
		if !ok {
			t.Errorf("example %s has no stated outcome; it gives %q", k, got[k])
			continue
		}
		if got[k] != want {
			t.Errorf("example %s: got %q, want %q", k, got[k], want)
		}
	}
	for k := range exampleOutcomes {
		if _, ok := got[k]; !ok {
			t.Errorf("stated outcome for %s, but no such example", k)
		}
	}
}
