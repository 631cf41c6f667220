package ingest

import (
	"fmt"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/state"
)

// CommitWebhookRequest diffs the request of one webhook delivery against its
// stored request snapshot exactly as a poll of its list does and, in ONE
// transaction, stores the snapshot, marks the delivery GUID seen and
// appends the records (origin webhook) to every sink's outbox. A GUID
// already seen commits nothing; an error means nothing was stored.
func (p *Poller) CommitWebhookRequest(guid string, o exporter.RequestObservation) (WebhookResult, error) {
	var res WebhookResult
	now := p.Now().UTC()
	err := p.DB.Update(func(tx *state.Tx) error {
		res = WebhookResult{}
		if guid != "" && tx.Seen(DeliverySet, guid) {
			res.Duplicate = true
			return nil
		}
		n, err := CommitRequests(tx, p.Sinks, []exporter.RequestObservation{o}, exporter.OriginWebhook, now)
		if err != nil {
			return err
		}
		res.Records = n
		if guid == "" {
			return nil
		}
		return tx.MarkSeen(DeliverySet, guid, now.UnixMilli())
	})
	if err != nil {
		return WebhookResult{}, fmt.Errorf("commit webhook delivery %s for request %s %s %s#%d: %w", guid, o.Key.Kind, o.Key.Target, o.Key.Scope, o.Key.Number, err)
	}
	if res.Records > 0 && p.Notify != nil {
		p.Notify()
	}
	return res, nil
}
