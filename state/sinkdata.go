package state

import (
	"bytes"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	bolt "go.etcd.io/bbolt"
)

var _ exporter.SinkStore = (*DB)(nil)

type kv struct{ b *bolt.Bucket }

func (k kv) Get(key []byte) []byte {
	if k.b == nil {
		return nil
	}
	return k.b.Get(key)
}

func (k kv) Put(key, value []byte) error { return k.b.Put(key, value) }

func (k kv) Delete(key []byte) error { return k.b.Delete(key) }

func (k kv) ForEach(prefix []byte, fn func(k, v []byte) error) error {
	if k.b == nil {
		return nil
	}
	c := k.b.Cursor()
	for key, v := c.Seek(prefix); key != nil && bytes.HasPrefix(key, prefix); key, v = c.Next() {
		if err := fn(key, v); err != nil {
			return err
		}
	}
	return nil
}

// SinkKV returns sink's own bucket within this transaction, creating it in a
// read-write transaction.
func (t *Tx) SinkKV(sink string) (exporter.KV, error) {
	b, err := nested(t.tx, bucketSinkData, sink, t.tx.Writable())
	if err != nil {
		return nil, err
	}
	return kv{b}, nil
}

// SinkUpdate implements exporter.SinkStore.
func (db *DB) SinkUpdate(sink string, fn func(b exporter.KV) error) error {
	return db.Update(func(tx *Tx) error {
		b, err := tx.SinkKV(sink)
		if err != nil {
			return err
		}
		return fn(b)
	})
}

// SinkView implements exporter.SinkStore.
func (db *DB) SinkView(sink string, fn func(b exporter.KV) error) error {
	return db.View(func(tx *Tx) error {
		b, err := tx.SinkKV(sink)
		if err != nil {
			return err
		}
		return fn(b)
	})
}

// ForEachOpenAlert implements exporter.SinkStore.
func (db *DB) ForEachOpenAlert(fn func(a exporter.TrackedAlert) error) error {
	return db.View(func(tx *Tx) error {
		return tx.ForEachSnapshot("", "", func(k exporter.AlertKey, s exporter.Snapshot) error {
			if s.State != "open" {
				return nil
			}
			return fn(exporter.TrackedAlert{Source: k.Source, Repo: k.Repo, Number: k.Number, State: s.State, Severity: s.Severity, Title: s.Title, HTMLURL: s.HTMLURL})
		})
	})
}
