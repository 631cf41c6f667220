package sinktest

import (
	"io"
	"net/http"
	"testing"
)

// Hijack takes the raw connection under w, for the faults of an HTTP
// receiver below HTTP (a reply cut short, garbage instead of a status
// line): what is written to the writer goes to the client unframed, and
// done flushes it and closes the connection. A failure to take it fails t
// and returns a writer that discards.
func Hijack(t testing.TB, w http.ResponseWriter) (out io.Writer, done func()) {
	conn, buf, err := w.(http.Hijacker).Hijack()
	if err != nil {
		t.Errorf("hijack: %v", err)
		return io.Discard, func() {}
	}
	return buf, func() { _ = buf.Flush(); _ = conn.Close() }
}
