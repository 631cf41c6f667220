package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// tally is the demo's sink: it narrates every record it is handed, one line
// on story, passes the batch on to the wrapped sink (JSON lines with -json,
// nowhere without), and counts what was accepted, for each step's outcome
// and the closing summary.
type tally struct {
	exporter.Sink
	story io.Writer

	mu       sync.Mutex
	byAction map[string]int // alert records by action, over the whole demo
	audit    int            // audit-log records, over the whole demo
	total    int
	step     stepCounts
}

// stepCounts is what one step's records were: the outcome its line reports.
type stepCounts struct {
	webhook int // alert and request records a webhook delivered
	poll    int // alert and request records a poll (or backfill) found
	audit   int // audit-log entries
}

// Send narrates and counts the batch once the wrapped sink accepted all
// of it.
func (t *tally) Send(ctx context.Context, batch []exporter.Record) error {
	if err := t.Sink.Send(ctx, batch); err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.byAction == nil {
		t.byAction = map[string]int{}
	}
	for _, r := range batch {
		fmt.Fprintln(t.story, "  "+narrate(r))
		switch {
		case r.Category == exporter.CategoryAudit:
			t.audit++
			t.step.audit++
		case r.Origin == exporter.OriginWebhook:
			t.byAction[r.Action]++
			t.step.webhook++
		default:
			t.byAction[r.Action]++
			t.step.poll++
		}
		t.total++
	}
	return nil
}

// endStep returns the counts of the records since the previous call.
func (t *tally) endStep() stepCounts {
	t.mu.Lock()
	defer t.mu.Unlock()
	c := t.step
	t.step = stepCounts{}
	return c
}

// outcome is the line that ends a step: what the poll found that the
// webhook had not already recorded, and what the audit log added; the
// GitHub requests it took come last, in parentheses.
func (c stepCounts) outcome(what string, requests, notModified int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "  %s: ", what)
	switch {
	case c.poll > 0:
		fmt.Fprintf(&b, "%d new %s", c.poll, plural(c.poll, "record", "records"))
	case c.webhook > 0:
		b.WriteString("nothing new — the webhook had already recorded it")
	default:
		b.WriteString("nothing new")
	}
	if c.audit > 0 {
		fmt.Fprintf(&b, "; audit log: %d %s", c.audit, plural(c.audit, "entry", "entries"))
	}
	fmt.Fprintf(&b, " (%d GitHub requests, %d answered 304 Not Modified)", requests, notModified)
	return b.String()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// summary is one line: alert records by action, audit-log records, GitHub
// requests and how many were answered 304.
func (t *tally) summary(requests, notModified int) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(t.byAction)) {
		parts = append(parts, fmt.Sprintf("%s %d", k, t.byAction[k]))
	}
	parts = append(parts, fmt.Sprintf("audit-log entries %d", t.audit))
	return fmt.Sprintf("# summary: %d records (%s); %d GitHub requests, %d answered 304 Not Modified",
		t.total, strings.Join(parts, ", "), requests, notModified)
}

// discard is the demo's sink without -json: the records are narrated only.
type discard struct{}

func (discard) Send(context.Context, []exporter.Record) error { return nil }
func (discard) Close() error                                  { return nil }
