package webhook

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghapi"
)

// HookAPI is the part of the GitHub client the redelivery job uses.
type HookAPI interface {
	ListHookDeliveries(ctx context.Context, h ghapi.HookRef, since time.Time) ([]ghapi.HookDelivery, error)
	Redeliver(ctx context.Context, h ghapi.HookRef, deliveryID int64) error
}

// MaxAttempts caps the failed attempts after which a delivery is no longer
// redelivered: one that keeps failing (a wrong secret: 401) would otherwise
// be asked for every run for the whole window. Polling covers it.
const MaxAttempts = 5

// Redeliverer recovers deliveries GitHub failed to make while the receiver
// was down: GitHub never retries on its own.
type Redeliverer struct {
	API    HookAPI
	Hooks  []ghapi.HookRef
	Window time.Duration
	// Seen reports whether a delivery GUID was processed (committed).
	Seen func(guid string) (bool, error)
	Now  func() time.Time
	Log  *slog.Logger
}

// RedeliveryStats describe one run.
type RedeliveryStats struct {
	Listed      int // delivery attempts listed within the window
	Redelivered int // redeliveries requested
	GaveUp      int // failed GUIDs past MaxAttempts
}

// Run lists every hook's deliveries within the window and asks GitHub to
// redeliver each GUID that has failed, that no attempt delivered, and that
// the state has not processed. A failing hook does not stop the others.
func (r *Redeliverer) Run(ctx context.Context) (RedeliveryStats, error) {
	var st RedeliveryStats
	var errs []error
	since := r.Now().Add(-r.Window)
	for _, h := range r.Hooks {
		ds, err := r.API.ListHookDeliveries(ctx, h, since)
		st.Listed += len(ds)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, d := range toRedeliver(ds, &st) {
			seen, err := r.Seen(d.GUID)
			if err != nil {
				return st, fmt.Errorf("read webhook delivery set: %w", err)
			}
			if seen {
				continue
			}
			if err := r.API.Redeliver(ctx, h, d.ID); err != nil {
				errs = append(errs, err)
				continue
			}
			st.Redelivered++
			r.Log.Info("webhook redelivery requested", "hook", h.String(), "delivery", d.GUID, "event", d.Event, "failed_at", d.DeliveredAt)
		}
	}
	return st, summarize(errs)
}

// toRedeliver picks, per GUID none of whose attempts succeeded, its newest
// attempt (listed newest first), and returns them oldest first: GitHub
// sends redeliveries in about the order they are asked for, and a newer
// state arriving first would make the older transitions stale.
func toRedeliver(ds []ghapi.HookDelivery, st *RedeliveryStats) []ghapi.HookDelivery {
	type acc struct {
		newest   ghapi.HookDelivery
		ok       bool
		failures int
	}
	byGUID := map[string]*acc{}
	var order []string
	for _, d := range ds {
		a := byGUID[d.GUID]
		if a == nil {
			a = &acc{newest: d}
			byGUID[d.GUID] = a
			order = append(order, d.GUID)
		}
		if d.StatusCode/100 == 2 {
			a.ok = true
		} else {
			a.failures++
		}
	}
	var out []ghapi.HookDelivery
	for _, g := range slices.Backward(order) {
		a := byGUID[g]
		switch {
		case a.ok:
		case a.failures >= MaxAttempts:
			st.GaveUp++
		default:
			out = append(out, a.newest)
		}
	}
	return out
}

// maxQuoted is how many failures and distinct causes an error of a run
// quotes: a run may fail a request per failed GUID (thousands), and one
// log line or /healthz body must stay readable.
const maxQuoted = 3

// summarize makes one error of a run's failed requests: how many, the
// first maxQuoted in full, and the distinct causes with their counts (the
// ghapi.Cause of each, without the delivery it was about). nil when
// nothing failed; the single error itself when one did. errors.Is and As
// still see every failure.
func summarize(errs []error) error {
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	}
	counts := map[string]int{}
	var causes []string
	for _, err := range errs {
		c := ghapi.Cause(err)
		if counts[c] == 0 {
			causes = append(causes, c)
		}
		counts[c]++
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d requests failed; first: ", len(errs))
	for i, err := range errs[:min(len(errs), maxQuoted)] {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(err.Error())
	}
	fmt.Fprintf(&b, "; %d distinct causes: ", len(causes))
	for i, c := range causes[:min(len(causes), maxQuoted)] {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s (%d)", c, counts[c])
	}
	if len(causes) > maxQuoted {
		fmt.Fprintf(&b, ", and %d more", len(causes)-maxQuoted)
	}
	return &summary{msg: b.String(), errs: errs}
}

// summary is a run's error: a short message over every failure.
type summary struct {
	msg  string
	errs []error
}

func (s *summary) Error() string   { return s.msg }
func (s *summary) Unwrap() []error { return s.errs }
