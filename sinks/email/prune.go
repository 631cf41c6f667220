package email

import (
	"encoding/binary"
	"errors"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// defaultChunk is how many entries one pruning or migrating transaction
// handles: about 1,000 random index pages, a few MiB until the commit.
const defaultChunk = 1000

// prune deletes the entries of closed periods and their index keys, a chunk
// per transaction so that neither the transaction nor memory grows with the
// period. Closed entries are the start of the entry range, so each chunk
// starts where the last one ended. A crash in between leaves garbage that
// no digest reads and the next prune deletes.
func (s *store) prune() error {
	for {
		n, err := s.pruneChunk()
		if err != nil || n < s.chunk {
			return err
		}
	}
}

func (s *store) pruneChunk() (int, error) {
	var n int
	err := s.db.SinkUpdate(s.name, func(kv exporter.KV) error {
		closed := getU64(kv, keyClosed, 0)
		var keys, seen [][]byte
		err := kv.ForEach(prefDigest, func(k, v []byte) error {
			// A key too short for a period is corrupt, and garbage.
			if len(k) >= 9 && binary.BigEndian.Uint64(k[1:9]) > closed || len(keys) == s.chunk {
				return errStop
			}
			keys = append(keys, append([]byte(nil), k...))
			if sk := entrySeenKey(v); sk != nil {
				seen = append(seen, sk)
			}
			return nil
		})
		if err != nil && !errors.Is(err, errStop) {
			return err
		}
		n = len(keys)
		for _, k := range keys {
			if err := kv.Delete(k); err != nil {
				return err
			}
		}
		// An id recorded again after its period closed belongs to the newer
		// entry: only keys pointing at closed periods go.
		for _, sk := range seen {
			if !seenOpen(kv, sk, closed) {
				if err := kv.Delete(sk); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return n, err
}

// migrate moves digest entries of the layout before the id index (d<…>) to
// e<…>, indexing their ids, a chunk per transaction; a duplicate the old
// layout stored twice is dropped here as Send drops one now. The old layout
// deleted periods when it closed them, so every one of its entries is open.
func (s *store) migrate() error {
	if err := s.db.SinkUpdate(s.name, func(kv exporter.KV) error {
		if kv.Get(keyClosed) != nil {
			return nil
		}
		first := getU64(kv, keyPeriod, 1)
		if err := kv.ForEach(prefLegacy, func(k, _ []byte) error {
			if len(k) == 17 {
				first = min(first, binary.BigEndian.Uint64(k[1:9]))
			}
			return errStop
		}); err != nil && !errors.Is(err, errStop) {
			return err
		}
		return putU64(kv, keyClosed, first-1)
	}); err != nil {
		return err
	}
	for {
		var n int
		err := s.db.SinkUpdate(s.name, func(kv exporter.KV) error {
			closed := getU64(kv, keyClosed, 0)
			var keys, vals [][]byte
			err := kv.ForEach(prefLegacy, func(k, v []byte) error {
				if len(keys) == s.chunk {
					return errStop
				}
				keys, vals = append(keys, append([]byte(nil), k...)), append(vals, append([]byte(nil), v...))
				return nil
			})
			if err != nil && !errors.Is(err, errStop) {
				return err
			}
			n = len(keys)
			for i, k := range keys {
				if err := kv.Delete(k); err != nil {
					return err
				}
				if len(k) != 17 {
					continue // the old layout never wrote such a key
				}
				if sk := entrySeenKey(vals[i]); sk != nil {
					if seenOpen(kv, sk, closed) {
						continue
					}
					if err := kv.Put(sk, append([]byte(nil), k[1:9]...)); err != nil {
						return err
					}
				}
				if err := kv.Put(append(append([]byte(nil), prefDigest...), k[1:]...), vals[i]); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil || n < s.chunk {
			return err
		}
	}
}
