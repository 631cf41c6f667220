package state

import (
	"bytes"
	"fmt"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// ScanSnapshotKeys walks, in key order, the keys of source's snapshots whose
// repo starts with repoPrefix (source "": every snapshot) and that sort
// after `after` (nil: from the first), until fn returns false. It reads keys only, never a snapshot, so
// a caller can walk millions of alerts in short transactions: stop after a
// chunk, end the transaction, and resume in a new one after the last key it
// saw (which may be gone by then). The error is a corrupt key's.
func (t *Tx) ScanSnapshotKeys(source exporter.Source, repoPrefix string, after *exporter.AlertKey, fn func(k exporter.AlertKey) bool) error {
	var prefix []byte
	if source != "" {
		prefix = append(append(append(prefix, source...), 0), repoPrefix...)
	}
	c := t.tx.Bucket(bucketSnapshots).Cursor()
	k, _ := c.Seek(prefix)
	if after != nil {
		from := snapshotKey(*after)
		if bytes.Compare(from, prefix) > 0 {
			k, _ = c.Seek(from)
			if bytes.Equal(k, from) {
				k, _ = c.Next()
			}
		}
	}
	for ; k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		key, ok := parseSnapshotKey(k)
		if !ok {
			return fmt.Errorf("corrupt snapshot key %q", k)
		}
		if !fn(key) {
			return nil
		}
	}
	return nil
}
