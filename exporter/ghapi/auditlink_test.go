package ghapi

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

func auditWith(t *testing.T, fields string) AuditEntry {
	t.Helper()
	e, err := decodeAudit(json.RawMessage(`{"@timestamp":1767603600123,"_document_id":"d1","actor":"bob","org":"acme",` + fields + `}`))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func keys(e AuditEntry) []exporter.AlertKey {
	var out []exporter.AlertKey
	for _, a := range e.Alerts {
		out = append(out, a.Key)
	}
	return out
}

// Which actions link to which alerts, read from which member.
func TestAuditAlerts_Links(t *testing.T) {
	dep := func(n int) exporter.AlertKey {
		return exporter.AlertKey{Source: exporter.SourceDependabot, Repo: "acme/w", Number: n}
	}
	cs := func(n int) exporter.AlertKey {
		return exporter.AlertKey{Source: exporter.SourceCodeScanning, Repo: "acme/w", Number: n}
	}
	ss := func(n int) exporter.AlertKey {
		return exporter.AlertKey{Source: exporter.SourceSecretScanning, Repo: "acme/w", Number: n}
	}
	for _, c := range []struct {
		fields   string
		want     []exporter.AlertKey
		withdraw bool
	}{
		{`"action":"repository_vulnerability_alert.dismiss","repo":"acme/w","alert_number":4,"alert_id":99`, []exporter.AlertKey{dep(4)}, false},
		{`"action":"repository_vulnerability_alert.withdraw","repo":"w","alert_number":4`, []exporter.AlertKey{dep(4)}, true},
		{`"action":"dependabot_closure_request.create","repo":"acme/w","alert_number":4`, []exporter.AlertKey{dep(4)}, false},
		{`"action":"code_scanning.alert_closed_by_user","repo":"acme/w","alert_numbers":[2,9]`, []exporter.AlertKey{cs(2), cs(9)}, false},
		{`"action":"code_scanning.alert_closure_requested","repo":"acme/w","alert_number":2`, []exporter.AlertKey{cs(2)}, false},
		{`"action":"secret_scanning_alert.resolve","repo":"acme/w","number":7,"resolution":"revoked"`, []exporter.AlertKey{ss(7)}, false},
		{`"action":"secret_scanning_alert.delete","repo":"acme/w","number":7`, []exporter.AlertKey{ss(7)}, true},
		{`"action":"secret_scanning_alert.withdraw","repo":"acme/w","number":7`, []exporter.AlertKey{ss(7)}, true},
		{`"action":"secret_scanning_push_protection.bypass","repo":"acme/w","number":7`, []exporter.AlertKey{ss(7)}, false},
		// a request's "number" is the request's, not an alert's
		{`"action":"secret_scanning_push_protection_request.approve","repo":"acme/w","number":12`, nil, false},
		{`"action":"secret_scanning_closure_request.approve","repo":"acme/w","number":12,"alert_number":7`, []exporter.AlertKey{ss(7)}, false},
		// not about alerts, or not knowing where
		{`"action":"code_scanning.analysis_deleted","repo":"acme/w","alert_number":2`, nil, false},
		{`"action":"repo.create","repo":"acme/w","number":2`, nil, false},
		{`"action":"repository_vulnerability_alert.dismiss","alert_number":4`, nil, false},
		{`"action":"repository_vulnerability_alert.dismiss","repo":"acme/w","alert_number":"4"`, nil, false},
		{`"action":"repository_vulnerability_alert.dismiss","repo":"acme/w","alert_number":0`, nil, false},
		{`"action":"repository_vulnerability_alert.dismiss","repo":"acme/w","alert_number":4.5`, nil, false},
		{`"action":"repository_vulnerability_alert.dismiss","repo":"acme/w","alert_number":4,"alert_number":5`, nil, false},
		{`"action":"code_scanning.alert_created","repo":"acme/w","alert_numbers":"1,2"`, nil, false},
		// malformed elements of a list are skipped, repeats counted once
		{`"action":"code_scanning.alert_created","repo":"acme/w","alert_numbers":[3,"x",3,-1,null,5]`, []exporter.AlertKey{cs(3), cs(5)}, false},
	} {
		e := auditWith(t, c.fields)
		if got := keys(e); !reflect.DeepEqual(got, c.want) || e.Withdraws != (c.withdraw && c.want != nil) {
			t.Errorf("%s: alerts %v withdraws %v; want %v %v", c.fields, got, e.Withdraws, c.want, c.withdraw)
		}
	}
}

// An entry naming several alerts gives each its own copy of the entry with
// alert_numbers cut to its number; every other byte is GitHub's.
func TestAuditAlerts_NarrowsTheList(t *testing.T) {
	e := auditWith(t, `"action":"code_scanning.alert_closed_became_fixed","repo":"acme/w","alert_numbers" :  [ 2, 9 ]  ,"ref":"refs/heads/main"`)
	if len(e.Alerts) != 2 {
		t.Fatalf("%+v", e.Alerts)
	}
	for i, n := range []int{2, 9} {
		want := strings.Replace(string(e.Raw), "[ 2, 9 ]", fmt.Sprintf("[%d]", n), 1)
		if got := string(e.Alerts[i].Entry); got != want {
			t.Errorf("entry of #%d:\n got %s\nwant %s", n, got, want)
		}
	}
	one := auditWith(t, `"action":"code_scanning.alert_closed_by_user","repo":"acme/w","alert_numbers":[2]`)
	if len(one.Alerts) != 1 || string(one.Alerts[0].Entry) != string(one.Raw) {
		t.Errorf("an entry naming one alert is shipped whole: %+v", one.Alerts)
	}
}

// An entry naming more than MaxAuditAlerts alerts is one unlinked record.
func TestAuditAlerts_Bounded(t *testing.T) {
	var nums []string
	for i := 1; i <= MaxAuditAlerts+1; i++ {
		nums = append(nums, fmt.Sprint(i))
	}
	e := auditWith(t, `"action":"code_scanning.alert_created","repo":"acme/w","alert_numbers":[`+strings.Join(nums, ",")+`]`)
	if e.Alerts != nil {
		t.Fatalf("%d alerts linked", len(e.Alerts))
	}
	e = auditWith(t, `"action":"code_scanning.alert_created","repo":"acme/w","alert_numbers":[`+strings.Join(nums[:MaxAuditAlerts], ",")+`]`)
	if len(e.Alerts) != MaxAuditAlerts {
		t.Fatalf("%d alerts linked", len(e.Alerts))
	}
}
