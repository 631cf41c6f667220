package ghapi

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// AuditAlert is one alert an audit entry names.
type AuditAlert struct {
	Key exporter.AlertKey
	// Entry is the audit entry as shipped with this alert's record: the
	// entry itself, or, when it names several alerts in alert_numbers, the
	// entry with that list cut to this alert's number (the records of one
	// entry share its _document_id, and a list of thousands is not
	// repeated in each of thousands of records).
	Entry json.RawMessage
}

// MaxAuditAlerts bounds how many records one audit entry becomes: an entry
// naming more alerts than this ships as one record, with its whole entry
// and linked to none of them, so that no answer, however large, turns into
// millions of records.
const MaxAuditAlerts = 1000

// auditLink says what kind of alert an audit action is about and which
// members of its entries name alerts.
type auditLink struct {
	source exporter.Source
	// number: the entry's "number" is the alert's number (secret scanning
	// alert events); elsewhere "number" may be a request's, and only
	// alert_number and alert_numbers are read.
	number bool
}

// linkOf returns the link of action, false when its entries name no alert.
// The actions, from GitHub's audit-log event list: Dependabot
// (repository_vulnerability_alert.*, dependabot_closure_request.*), code
// scanning (code_scanning.alert_*, including the closure requests), secret
// scanning (secret_scanning_alert.*, secret_scanning_push_protection.bypass,
// secret_scanning_closure_request.*, secret_scanning_push_protection_request.*).
func linkOf(action string) (auditLink, bool) {
	category, verb, _ := strings.Cut(action, ".")
	switch category {
	case "repository_vulnerability_alert", "dependabot_closure_request":
		return auditLink{source: exporter.SourceDependabot}, true
	case "code_scanning":
		return auditLink{source: exporter.SourceCodeScanning}, strings.HasPrefix(verb, "alert_")
	case "secret_scanning_alert":
		return auditLink{source: exporter.SourceSecretScanning, number: true}, true
	case "secret_scanning_push_protection":
		return auditLink{source: exporter.SourceSecretScanning, number: true}, verb == "bypass"
	case "secret_scanning_closure_request", "secret_scanning_push_protection_request":
		return auditLink{source: exporter.SourceSecretScanning}, true
	}
	return auditLink{}, false
}

// withdrawActions are the audit actions by which GitHub itself withdraws
// or deletes an alert: it is gone from the API, as a reconcile would find.
var withdrawActions = map[string]bool{
	"repository_vulnerability_alert.withdraw": true,
	"secret_scanning_alert.withdraw":          true,
	"secret_scanning_alert.delete":            true,
}

// auditAlerts returns the alerts entry e names (none when its action names
// no alert, it has no repository, or its numbers are malformed) and whether
// its action withdraws them.
func auditAlerts(e *AuditEntry) ([]AuditAlert, bool) {
	link, ok := linkOf(e.Action)
	if !ok || e.Repo == "" {
		return nil, false
	}
	m, ok := topMembers(e.Raw, "number", "alert_number", "alert_numbers")
	if !ok {
		return nil, false
	}
	var nums []int
	if n, ok := alertNumber(m["alert_number"].value); ok {
		nums = append(nums, n)
	} else if n, ok := alertNumber(m["number"].value); ok && link.number {
		nums = append(nums, n)
	}
	list := m["alert_numbers"]
	var listed []json.RawMessage
	if list.value != nil && json.Unmarshal(list.value, &listed) == nil {
		for _, raw := range listed {
			if n, ok := alertNumber(raw); ok {
				nums = append(nums, n)
			}
		}
	}
	nums = uniq(nums)
	if len(nums) == 0 || len(nums) > MaxAuditAlerts {
		return nil, false
	}
	out := make([]AuditAlert, len(nums))
	for i, n := range nums {
		out[i] = AuditAlert{Key: exporter.AlertKey{Source: link.source, Repo: e.Repo, Number: n}, Entry: e.Raw}
		if len(nums) > 1 && list.value != nil {
			out[i].Entry = narrowed(e.Raw, list, n)
		}
	}
	return out, withdrawActions[e.Action]
}

// alertNumber reads a positive integer alert number.
func alertNumber(raw json.RawMessage) (int, bool) {
	n, err := strconv.ParseInt(string(raw), 10, 32)
	return int(n), err == nil && n > 0
}

func uniq(nums []int) []int {
	seen := make(map[int]bool, len(nums))
	out := nums[:0]
	for _, n := range nums {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}

// member is a top-level member's value and where it ends in the entry.
type member struct {
	value json.RawMessage
	end   int
}

// topMembers finds the named top-level members of the JSON object raw. It
// fails on anything but an object, and when a name occurs twice (which
// occurrence counts would be a guess).
func topMembers(raw json.RawMessage, names ...string) (map[string]member, bool) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, false
	}
	out := map[string]member{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, false
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, false
		}
		name, _ := tok.(string)
		for _, want := range names {
			if name == want {
				if _, dup := out[name]; dup {
					return nil, false
				}
				out[name] = member{value: v, end: int(dec.InputOffset())}
			}
		}
	}
	return out, true
}

// narrowed is raw with the alert_numbers member's value replaced by [n].
func narrowed(raw json.RawMessage, list member, n int) json.RawMessage {
	start := list.end - len(list.value)
	out := make([]byte, 0, len(raw)-len(list.value)+12)
	out = append(out, raw[:start]...)
	out = append(out, '[')
	out = strconv.AppendInt(out, int64(n), 10)
	out = append(out, ']')
	return append(out, raw[list.end:]...)
}
