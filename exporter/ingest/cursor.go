package ingest

import (
	"encoding/json"
	"fmt"

	"github.com/ghsec-exporter/ghsec-exporter/state"
)

// readCursor reads the JSON cursor stored under name (an alert listing's,
// an audit log's, a request list's); found is false when the listing has
// never completed (its first run is a backfill).
func readCursor[C any](db *state.DB, name string) (c C, found bool, err error) {
	err = db.View(func(tx *state.Tx) error {
		raw := tx.Cursor(name)
		if raw == nil {
			return nil
		}
		found = true
		return json.Unmarshal(raw, &c)
	})
	if err != nil {
		return c, false, fmt.Errorf("read cursor %s: %w", name, err)
	}
	return c, found, nil
}

// writeCursor stores c, JSON-encoded, as the cursor under name in tx: the
// counterpart of readCursor.
func writeCursor(tx *state.Tx, name string, c any) error {
	raw, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return tx.PutCursor(name, raw)
}
