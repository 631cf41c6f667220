package email

import "github.com/ghsec-exporter/ghsec-exporter/exporter"

// addRequest folds in a request entry: the digest lists the requests
// decided (approved, denied) or left to expire in the period — the
// segregation-of-duties evidence — self-reviewed ones first. Creations,
// cancellations and completions are counted in New only.
func (a *aggregator) addRequest(e *entry) {
	switch e.Action {
	case exporter.ActionRequestApproved:
		a.d.RequestsApproved++
	case exporter.ActionRequestDenied:
		a.d.RequestsDenied++
	case exporter.ActionRequestExpired:
		a.d.RequestsExpired++
	default:
		return
	}
	if e.SelfReviewed {
		a.d.RequestsSelfReviewed++
	}
	a.requests.add(lineOf(e, a.loc))
}
