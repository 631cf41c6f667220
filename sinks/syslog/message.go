package syslog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/format"
)

// errOversize marks a message longer than max_message_size with oversize:
// reject; the sink dead-letters that record alone.
var errOversize = errors.New("message exceeds max_message_size")

// RFC 5424 header field limits.
const (
	maxMsgID  = 32
	maxProcID = 128
)

// formatter renders records as syslog messages, without framing. Its output
// depends on the record and the config only. It reuses a buffer, so it is
// not safe for concurrent use.
type formatter struct {
	format, body string
	facility     uint8
	sev          severityCodes
	hostname     string
	appName      string
	procID       string
	sdID         string
	version      string
	max          int
	reject       bool
	opts         format.Options

	// meta is the metadata of the audit entry renderBody last rendered as
	// the body (audit_body: entry); nil when the body is anything else.
	meta *format.Meta

	buf bytes.Buffer // JSON body
	enc *json.Encoder
	cef []byte // CEF body
}

// newFormatter builds a formatter from a validated config; hostname and
// procID are the header's HOSTNAME and PROCID, version goes into CEF headers.
func newFormatter(cfg Config, hostname, procID, version string) (*formatter, error) {
	fac, err := parseFacility(cfg.Facility)
	if err != nil {
		return nil, fmt.Errorf("facility: %w", err)
	}
	sev, err := cfg.Severity.resolve()
	if err != nil {
		return nil, fmt.Errorf("severity: %w", err)
	}
	if version == "" {
		version = "dev"
	}
	f := &formatter{
		format: cfg.Format, body: cfg.Body, facility: fac, sev: sev,
		hostname: headerToken(hostname, 255), appName: cfg.AppName,
		procID: headerToken(procID, maxProcID), sdID: cfg.SDID, version: version,
		max: cfg.MaxMessageSize, reject: cfg.Oversize == OversizeReject, opts: cfg.Options,
	}
	f.enc = json.NewEncoder(&f.buf)
	f.enc.SetEscapeHTML(false)
	return f, nil
}

// appendMessage appends rec as one syslog message to dst. Errors: the record
// cannot be rendered (its raw JSON is invalid) or, with oversize: reject, it
// is too long (errOversize); dst is then returned unchanged.
func (f *formatter) appendMessage(dst []byte, rec *exporter.Record) ([]byte, error) {
	body, err := f.renderBody(rec)
	if err != nil {
		return dst, err
	}
	if f.format == FormatRFC3164 {
		return f.appendRFC3164(dst, rec, body)
	}
	return f.appendRFC5424(dst, rec, body)
}

// renderBody returns the message body; it is valid until the next call.
// With schema or audit_body set it is format's rendering; an audit entry's
// metadata is then left in f.meta for the structured data on rfc5424 and
// added to the entry under format.MetaKey on rfc3164, which has none.
func (f *formatter) renderBody(rec *exporter.Record) ([]byte, error) {
	f.meta = nil
	if f.body == BodyCEF {
		f.cef = appendCEF(f.cef[:0], rec, f.version)
		return f.cef, nil
	}
	if !f.opts.AsStored(rec.Category) {
		if f.format == FormatRFC3164 {
			return format.Render(rec, nil, f.opts)
		}
		b, m, err := format.RenderBody(rec, nil, f.opts)
		f.meta = m
		return b, err
	}
	f.buf.Reset()
	if err := f.enc.Encode(rec); err != nil {
		return nil, fmt.Errorf("encode record %s as json: %w", rec.ID, err)
	}
	return bytes.TrimSuffix(f.buf.Bytes(), []byte{'\n'}), nil
}

func (f *formatter) pri(rec *exporter.Record) uint8 { return f.facility*8 + f.sev.of(rec) }

// appendRFC3164 writes the BSD format `<PRI>Mmm dd hh:mm:ss host tag: msg`,
// the timestamp in UTC (the format has no zone).
func (f *formatter) appendRFC3164(dst []byte, rec *exporter.Record, body []byte) ([]byte, error) {
	start := len(dst)
	dst = append(dst, '<')
	dst = strconv.AppendUint(dst, uint64(f.pri(rec)), 10)
	dst = append(dst, '>')
	dst = eventTime(rec).AppendFormat(dst, time.Stamp)
	dst = append(dst, ' ')
	dst = append(dst, f.hostname...)
	dst = append(dst, ' ')
	dst = append(dst, f.appName...)
	dst = append(dst, ": "...)
	head := len(dst) - start
	if head+len(body) <= f.max {
		return append(dst, body...), nil
	}
	if f.reject {
		return dst[:start], fmt.Errorf("record %s: %w (%d > %d bytes)", rec.ID, errOversize, head+len(body), f.max)
	}
	dst = append(dst, cutUTF8(body, f.max-head-len(TruncationMarker))...)
	return append(dst, TruncationMarker...), nil
}

// eventTime is when the event happened (the record's time), else when the
// exporter saw it; always UTC.
func eventTime(rec *exporter.Record) time.Time {
	if !rec.Time.IsZero() {
		return rec.Time.UTC()
	}
	return rec.ObservedAt.UTC()
}
