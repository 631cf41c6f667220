package state

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"os"
	"runtime/debug"
)

// bbolt's on-disk meta page, as go.etcd.io/bbolt/internal/common lays it
// out: a 16-byte page header, then magic, version, page size and flags
// (4 bytes each), the root bucket (root page, sequence), the freelist page,
// the high-water mark (pgid), the txid and an FNV-64a checksum of all the
// fields before it, in the machine's byte order.
const (
	boltPageHeader = 16
	boltMagic      = 0xED0CDAED
	boltVersion    = 2
	boltMetaSum    = 56 // bytes of meta the checksum covers
	boltNoFreelist = ^uint64(0)
)

type boltMeta struct {
	pageSize            uint32
	root, freelist, hwm uint64
	txid                uint64
}

// parseBoltMeta decodes and validates the meta page at the start of b.
func parseBoltMeta(b []byte) (boltMeta, bool) {
	if len(b) < boltPageHeader+boltMetaSum+8 {
		return boltMeta{}, false
	}
	m := b[boltPageHeader:]
	e := binary.NativeEndian
	if e.Uint32(m[0:]) != boltMagic || e.Uint32(m[4:]) != boltVersion {
		return boltMeta{}, false
	}
	h := fnv.New64a()
	h.Write(m[:boltMetaSum])
	if h.Sum64() != e.Uint64(m[boltMetaSum:]) {
		return boltMeta{}, false
	}
	return boltMeta{pageSize: e.Uint32(m[8:]), root: e.Uint64(m[16:]), freelist: e.Uint64(m[32:]),
		hwm: e.Uint64(m[40:]), txid: e.Uint64(m[48:])}, true
}

// checkFile refuses a state file bbolt would crash on instead of reporting:
// an empty one (bbolt initializes it as new, or fails on a read-only
// descriptor), one whose meta pages are both damaged, and one shorter than
// the pages its meta page says it has, a truncated file whose missing pages
// bbolt reads through its memory map and dies on (an assertion on the
// freelist, or SIGBUS). A missing file is fine: Open creates it. It reads
// the file only, so a damaged file stays as it was for a backup or a look.
func checkFile(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return nil // bbolt's open reports it, with its own cause
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil
	}
	size := st.Size()
	if size == 0 {
		return damaged(path, "it is empty (0 bytes)")
	}
	// The first meta page tells the page size; the second is one page on.
	// bbolt uses the valid one with the higher txid.
	buf := make([]byte, 4096)
	n, _ := io.ReadFull(io.NewSectionReader(f, 0, size), buf)
	best, ok := parseBoltMeta(buf[:n])
	if ps := int64(best.pageSize); ok && ps > 0 {
		n, _ = io.ReadFull(io.NewSectionReader(f, ps, size), buf)
		if m1, ok1 := parseBoltMeta(buf[:n]); ok1 && m1.txid > best.txid {
			best = m1
		}
	} else {
		// Page 0 is damaged; bbolt then looks for page 1 at every page size.
		for ps := int64(1024); ps <= 16<<20 && ps < size; ps <<= 1 {
			n, _ = io.ReadFull(io.NewSectionReader(f, ps, size), buf)
			if m1, ok1 := parseBoltMeta(buf[:n]); ok1 && int64(m1.pageSize) == ps {
				best, ok = m1, true
				break
			}
		}
	}
	if !ok {
		return damaged(path, fmt.Sprintf("it is %d bytes and neither of its two header (meta) pages is valid", size))
	}
	if best.root >= best.hwm || (best.freelist != boltNoFreelist && best.freelist >= best.hwm) {
		return damaged(path, fmt.Sprintf("its header (meta) page points past its last page (%d)", best.hwm))
	}
	if need := int64(best.hwm) * int64(best.pageSize); size < need {
		return damaged(path, fmt.Sprintf("it is %d bytes but its pages reach %d bytes: it was truncated", size, need))
	}
	return nil
}

// damaged is ErrDamaged for path, saying why and what to do.
func damaged(path, why string) error {
	return fmt.Errorf("open state file %s: %w: %s; it was left as it is. Restore it from a backup, "+
		"or move it aside and start with a new one, which backfills: the first polls record every alert again "+
		"(origin backfill) and the audit log is read from github.audit_backfill back", path, ErrDamaged, why)
}

// recoverDamaged turns a panic or memory fault inside bbolt while it opens
// path (it walks every page to rebuild the freelist) into ErrDamaged: a file
// damaged in a way checkFile cannot see must not crash the daemon into a
// restart loop. Call it deferred, with SetPanicOnFault on.
func recoverDamaged(path string, err *error, cleanup func()) {
	r := recover()
	if r == nil {
		return
	}
	if cleanup != nil {
		cleanup()
	}
	*err = damaged(path, fmt.Sprintf("reading it failed: %v", r))
}

// withFaultsAsPanics runs fn with memory faults (SIGBUS on a page past the
// end of a mapped file) turned into panics that recoverDamaged catches.
func withFaultsAsPanics(fn func()) {
	old := debug.SetPanicOnFault(true)
	defer debug.SetPanicOnFault(old)
	fn()
}
