package sinktest

import (
	"net/http"
	"testing"
)

// Hijack takes the raw connection under w, for the faults of an HTTP
// receiver below HTTP (a reply cut short, garbage instead of a status
// line, no reply at all): it writes raw to the client unframed, flushes
// it and closes the connection. A failure to take it fails t.
func Hijack(t testing.TB, w http.ResponseWriter, raw string) {
	conn, buf, err := w.(http.Hijacker).Hijack()
	if err != nil {
		t.Errorf("hijack: %v", err)
		return
	}
	_, _ = buf.WriteString(raw)
	_ = buf.Flush()
	_ = conn.Close()
}
