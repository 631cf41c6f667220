package file

import (
	"bytes"
	"fmt"
	"io"
	"os"
)

// recordPrefix is how every line this sink writes begins: Record's first
// field is "schema". A torn tail that starts like this is ours to cut.
const recordPrefix = `{"schema":`

// tailChunk is how much of the file repairTail reads per step backwards.
const tailChunk = 64 << 10

// repairTail makes f end on a line boundary before the sink appends to it.
// A process killed in the middle of a write leaves a partial last line; the
// batch it belonged to is still in the outbox and will be written again, so
// the partial line is cut. Only the bytes after the last '\n' are ever
// touched, and only when they look like the start of one of our records: an
// unterminated line someone else wrote is kept and ended with a '\n', so our
// next record starts a line of its own.
func repairTail(f *os.File) error {
	st, err := f.Stat()
	if err != nil {
		return err
	}
	size := st.Size()
	if size == 0 {
		return nil
	}
	start, err := lastLineStart(f, size)
	if err != nil {
		return err
	}
	if start == size {
		return nil // ends in '\n'
	}
	head := make([]byte, min(int64(len(recordPrefix)), size-start))
	if _, err := f.ReadAt(head, start); err != nil {
		return err
	}
	if bytes.HasPrefix([]byte(recordPrefix), head) {
		if err := f.Truncate(start); err != nil {
			return fmt.Errorf("cut torn last line: %w", err)
		}
	} else if _, err := f.Write([]byte{'\n'}); err != nil {
		return fmt.Errorf("end foreign last line: %w", err)
	}
	return f.Sync()
}

// lastLineStart returns the offset just after the last '\n' of the file's
// first size bytes (0 when there is none), reading backwards in chunks so a
// multi-megabyte torn record costs no more memory than one chunk.
func lastLineStart(r io.ReaderAt, size int64) (int64, error) {
	buf := make([]byte, tailChunk)
	for end := size; end > 0; {
		n := min(int64(len(buf)), end)
		off := end - n
		if _, err := r.ReadAt(buf[:n], off); err != nil {
			return 0, err
		}
		if i := bytes.LastIndexByte(buf[:n], '\n'); i >= 0 {
			return off + int64(i) + 1, nil
		}
		end = off
	}
	return 0, nil
}
