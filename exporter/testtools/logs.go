package testtools

import (
	"bytes"
	"log/slog"
	"sync"
)

// Logs collects what is written to it from several goroutines (a logger's
// lines, a file sink's records), for a test to read back; the zero value is
// ready to use.
type Logs struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p; it never fails.
func (l *Logs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// String is everything written so far.
func (l *Logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Logger is a text logger writing into l, at the default level (INFO).
func (l *Logs) Logger() *slog.Logger { return slog.New(slog.NewTextHandler(l, nil)) }
