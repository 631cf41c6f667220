package ingest

import (
	"fmt"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/state"
)

// CommitWebhookRequest diffs the request of one webhook delivery against its
// stored request snapshot exactly as a poll of its list does and, in ONE
// transaction, stores the snapshot, marks the delivery GUID seen and
// appends the records (origin webhook) to every sink's outbox. A GUID
// already seen commits nothing; an error means nothing was stored.
func (p *Poller) CommitWebhookRequest(guid string, o exporter.RequestObservation) (WebhookResult, error) {
	res, err := p.commitDelivery(guid, func(tx *state.Tx, now time.Time) (int, error) {
		return CommitRequests(tx, p.Sinks, []exporter.RequestObservation{o}, exporter.OriginWebhook, now)
	})
	if err != nil {
		return WebhookResult{}, fmt.Errorf("commit webhook delivery %s for request %s %s %s#%d: %w", guid, o.Key.Kind, o.Key.Target, o.Key.Scope, o.Key.Number, err)
	}
	return res, nil
}
