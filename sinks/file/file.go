package file

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/format"
)

// Config of a file sink.
type Config struct {
	// Path of the JSON-lines file; "-" is standard output.
	Path string `yaml:"path"`
	// Mode is the file's permission bits when created (default 0640).
	Mode string `yaml:"mode"`
	// Options are schema (record, ocsf, ecs) and audit_body (record,
	// entry: GitHub's entry with our metadata under format.MetaKey).
	format.Options `yaml:",inline"`
}

// DefaultConfig writes normalized records to standard output.
func DefaultConfig() Config {
	return Config{Path: "-", Mode: "0640", Options: format.DefaultOptions()}
}

// Validate checks the config without touching the file system (the
// directory is Resolve's); errors name fields relative to the sink entry.
func (c *Config) Validate() error {
	var errs []error
	if c.Path == "" {
		errs = append(errs, config.Required("path", `a file path, or "-" for standard output`))
	}
	if _, err := c.perm(); err != nil {
		errs = append(errs, config.Field("mode", c.Mode, "%v", err))
	}
	errs = append(errs, c.Options.Validate())
	return errors.Join(errs...)
}

// Resolved is a validated Config whose file's directory was found; New
// opens the file in it.
type Resolved struct {
	Config
}

// Resolve checks that the file's directory exists, so that check-config
// refuses a path the sink could never create; the file itself is New's to
// open. Its error is a *config.FieldError (config.ErrUnreadable) naming
// path.
func (c *Config) Resolve() (Resolved, error) {
	if c.Path != "-" {
		if st, err := os.Stat(filepath.Dir(c.Path)); err != nil || !st.IsDir() {
			return Resolved{}, config.Unreadable("path", c.Path, "its directory does not exist")
		}
	}
	return Resolved{Config: *c}, nil
}

// perm parses Mode. The owner must be able to read and write: the sink
// appends, and reads its own last line after a crash.
func (c *Config) perm() (os.FileMode, error) {
	m, err := strconv.ParseUint(c.Mode, 8, 32)
	if err != nil || m > 0o777 {
		return 0, fmt.Errorf("must be octal permission bits such as 0640")
	}
	if m&0o600 != 0o600 {
		return 0, fmt.Errorf("must let the owner read and write (0600 bits), such as 0640")
	}
	return os.FileMode(m), nil
}

// Sink writes JSON lines.
type Sink struct {
	mu   sync.Mutex
	w    io.Writer
	f    *os.File  // a regular file, rolled back and synced; nil otherwise
	c    io.Closer // what Close closes; nil for stdout or an injected writer
	path string
	opts format.Options
}

var _ exporter.RawSender = (*Sink)(nil)

// New opens the file (append, create) or takes stdout.
func New(r Resolved, _ exporter.SinkDeps) (*Sink, error) {
	cfg := r.Config
	if cfg.Path == "-" {
		return &Sink{w: os.Stdout, path: "-", opts: cfg.Options}, nil
	}
	perm, err := cfg.perm()
	if err != nil {
		return nil, err
	}
	if st, err := os.Stat(cfg.Path); err == nil && !st.Mode().IsRegular() {
		// a FIFO or a device: nothing to seek, cut or sync
		f, err := os.OpenFile(cfg.Path, os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			return nil, fmt.Errorf("open file sink %s: %w", cfg.Path, err)
		}
		return &Sink{w: f, c: f, path: cfg.Path, opts: cfg.Options}, nil
	}
	// read-write: repairTail reads the end of the file
	f, err := os.OpenFile(cfg.Path, os.O_CREATE|os.O_RDWR|os.O_APPEND, perm)
	if errors.Is(err, fs.ErrPermission) {
		return nil, fmt.Errorf("open file sink %s (it needs read and write access, to cut a torn last line after a crash): %w", cfg.Path, err)
	}
	if err != nil {
		return nil, fmt.Errorf("open file sink %s: %w", cfg.Path, err)
	}
	if err := repairTail(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("open file sink %s: %w", cfg.Path, err)
	}
	return &Sink{w: f, f: f, c: f, path: cfg.Path, opts: cfg.Options}, nil
}

// NewWriter is a sink over any writer (tests, the demo) writing normalized
// records.
func NewWriter(w io.Writer) *Sink { return NewWriterOptions(w, format.Options{}) }

// NewWriterOptions is NewWriter with schema and audit_body options.
func NewWriterOptions(w io.Writer, o format.Options) *Sink {
	return &Sink{w: w, path: "writer", opts: o}
}

// Send writes the batch as JSON lines, each record rendered as the
// sink's options say. A failed write or sync is retryable and keeps the
// batch queued; a record that cannot be rendered never will be, so it is
// rejected (dead-lettered) and the rest are written.
func (s *Sink) Send(_ context.Context, batch []exporter.Record) error {
	return s.writeRendered(len(batch), func(i int) ([]byte, *format.Meta, error) {
		return format.RenderBody(&batch[i], nil, s.opts)
	})
}

// SendRaw writes records as the outbox stores them, one per line: the same
// bytes Send writes for the decoded records. With the default options the
// stored bytes are written without being decoded; otherwise each record is
// decoded and rendered (see Send).
func (s *Sink) SendRaw(_ context.Context, batch []exporter.RawRecord) error {
	if !s.opts.IsDefault() {
		// every record decoded and rendered, as Send renders it
		return s.writeRendered(len(batch), func(i int) ([]byte, *format.Meta, error) {
			return format.RenderStored(&batch[i], s.opts)
		})
	}
	n := 0
	for i := range batch {
		n += len(batch[i].JSON) + 1
	}
	var buf bytes.Buffer
	buf.Grow(n)
	for i := range batch {
		appendLine(&buf, batch[i].JSON)
	}
	return s.write(buf.Bytes())
}

// writeRendered writes the bodies render gives for records 0 to n-1 as
// lines, and then reports the records that did not render (did not decode,
// for SendRaw), if any, as rejected; a failed write keeps the whole batch.
func (s *Sink) writeRendered(n int, render func(i int) ([]byte, *format.Meta, error)) error {
	var buf bytes.Buffer
	var rej []int
	var first error
	for i := range n {
		b, m, err := render(i)
		if err != nil {
			rej, first = append(rej, i), cmp.Or(first, err)
			continue
		}
		appendBody(&buf, b, m)
	}
	if buf.Len() > 0 {
		if err := s.write(buf.Bytes()); err != nil {
			return err
		}
	}
	if len(rej) > 0 {
		return exporter.Rejected(first, rej...)
	}
	return nil
}

// write appends lines to the file whole, or not at all.
func (s *Sink) write(lines []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f == nil {
		// stdout or a pipe cannot be rolled back: a crash mid-write may
		// leave its reader a partial line
		if _, err := s.w.Write(lines); err != nil {
			return fmt.Errorf("write %s: %w", s.path, err)
		}
		return nil
	}
	start, err := s.f.Seek(0, io.SeekEnd)
	if err != nil {
		return fmt.Errorf("write %s: %w", s.path, err)
	}
	if _, err := s.f.Write(lines); err != nil {
		// roll back a torn write so a retry does not leave half a line
		_ = s.f.Truncate(start)
		return fmt.Errorf("write %s: %w", s.path, err)
	}
	if err := s.f.Sync(); err != nil {
		_ = s.f.Truncate(start)
		return fmt.Errorf("sync %s: %w", s.path, err)
	}
	return nil
}

// Close closes the file.
func (s *Sink) Close() error {
	if s.c != nil {
		return s.c.Close()
	}
	return nil
}
