package main

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// tally wraps the demo's sink and counts what it accepted, by action, for
// the demo's closing summary.
type tally struct {
	exporter.Sink
	mu       sync.Mutex
	byAction map[string]int // alert records by action
	audit    int            // audit-log records
	total    int
}

// Send counts the batch once the wrapped sink accepted all of it.
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
		if r.Category == exporter.CategoryAudit {
			t.audit++
		} else {
			t.byAction[r.Action]++
		}
		t.total++
	}
	return nil
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
