package ingest

import (
	"fmt"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/state"
)

// DeliverySet is the seen-set of webhook delivery GUIDs.
const DeliverySet = "webhook_deliveries"

// DeliveryRetention is how long a delivery GUID is remembered: longer than
// the longest redelivery window GitHub offers (GHES keeps 7 days).
const DeliveryRetention = 8 * 24 * time.Hour

// WebhookResult says what one delivery did.
type WebhookResult struct {
	Records   int
	Duplicate bool // the GUID was processed before: nothing emitted
}

// CommitWebhook diffs the alert of one webhook delivery against its stored
// snapshot exactly as a poll does and, in ONE transaction, stores the
// snapshot, marks the delivery GUID seen and appends the records (origin
// webhook) to every sink's outbox. A GUID already seen commits nothing.
// When it returns nil the delivery is durable and may be acknowledged; an
// error means nothing was stored.
func (p *Poller) CommitWebhook(guid string, o exporter.Observation) (WebhookResult, error) {
	res, err := p.commitDelivery(guid, func(tx *state.Tx, now time.Time) (int, error) {
		return p.diffOne(tx, &o, exporter.OriginWebhook, now)
	})
	if err != nil {
		return WebhookResult{}, fmt.Errorf("commit webhook delivery %s for %s %s#%d: %w", guid, o.Key.Source, o.Key.Repo, o.Key.Number, err)
	}
	return res, nil
}

// commitDelivery is the transaction of one webhook delivery, alert or
// request alike: unless guid was seen before, diff appends the delivery's
// records (returning how many) and the GUID is marked seen with them, so a
// redelivery commits nothing twice. It wakes the deliverer when records
// were appended; an error means nothing was stored.
func (p *Poller) commitDelivery(guid string, diff func(tx *state.Tx, now time.Time) (int, error)) (WebhookResult, error) {
	var res WebhookResult
	now := p.Now().UTC()
	err := p.DB.Update(func(tx *state.Tx) error {
		res = WebhookResult{}
		if guid != "" && tx.Seen(DeliverySet, guid) {
			res.Duplicate = true
			return nil
		}
		n, err := diff(tx, now)
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
		return WebhookResult{}, err
	}
	if res.Records > 0 && p.Notify != nil {
		p.Notify()
	}
	return res, nil
}

// DeliverySeen reports whether a delivery GUID was processed.
func (p *Poller) DeliverySeen(guid string) (bool, error) {
	var seen bool
	err := p.DB.View(func(tx *state.Tx) error { seen = tx.Seen(DeliverySet, guid); return nil })
	return seen, err
}

// PruneDeliveries forgets delivery GUIDs older than DeliveryRetention.
func (p *Poller) PruneDeliveries() (int, error) {
	cut := p.Now().Add(-DeliveryRetention).UnixMilli()
	var n int
	err := p.DB.Update(func(tx *state.Tx) error {
		var err error
		n, err = tx.PruneSeen(DeliverySet, cut)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("prune webhook deliveries: %w", err)
	}
	return n, nil
}
