package ingest

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghapi"
	"github.com/ghsec-exporter/ghsec-exporter/state"
)

// Undecodable lists, per alert cursor ("alerts/org:acme/dependabot"), the
// items GitHub listed that could not be decoded and are kept for retry
// (state show, metrics). It fails only on a state read error.
func Undecodable(tx *state.Tx) (map[string][]ghapi.ItemError, error) {
	out := map[string][]ghapi.ItemError{}
	err := tx.ForEachCursor(func(name string, v []byte) error {
		if !strings.HasPrefix(name, "alerts/") {
			return nil
		}
		var c alertCursor
		if json.Unmarshal(v, &c) != nil || len(c.Undecodable) == 0 {
			return nil
		}
		out[name] = c.Undecodable
		return nil
	})
	return out, err
}

// retrySince is where an incremental poll must read back to: the
// watermark, or the oldest refused item whose update time is known, so it
// is listed (and tried) again.
func retrySince(c alertCursor) time.Time {
	since := c.Watermark
	for _, u := range c.Undecodable {
		if !u.UpdatedAt.IsZero() && u.UpdatedAt.Before(since) {
			since = u.UpdatedAt
		}
	}
	return since
}

// mergeUndecodable is the refused-item list after an incremental listing
// that read everything updated since `since`: this listing's refusals, and
// the earlier ones it could not have seen (update time unknown, or older)
// unless the item decoded this time.
func mergeUndecodable(old, now []ghapi.ItemError, decoded map[string]bool, since time.Time) []ghapi.ItemError {
	out := append([]ghapi.ItemError(nil), now...)
	again := map[string]bool{}
	for _, u := range now {
		again[u.Key] = true
	}
	for _, u := range old {
		if again[u.Key] || decoded[u.Key] {
			continue
		}
		if !u.UpdatedAt.IsZero() && !u.UpdatedAt.Before(since) {
			// it was in the window and not listed: gone
			continue
		}
		out = append(out, u)
	}
	return out
}

func itemKey(k exporter.AlertKey) string { return k.Repo + "#" + strconv.Itoa(k.Number) }
