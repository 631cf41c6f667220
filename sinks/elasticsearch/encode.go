package elasticsearch

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	json "github.com/goccy/go-json"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/format"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/batching"
)

// errNoID is the error of a record without an id: its _id would be
// Elasticsearch's own, and a redelivery would duplicate it.
var errNoID = errors.New("record has no id")

// encoder turns records into _bulk NDJSON: per record an action line
// {"create":{"_index":…,"_id":…}} and the document on the next line.
type encoder struct {
	opts format.Options
	// actions are the action lines' beginnings per category, up to the _id
	// value.
	alertAction, auditAction []byte
	alertIndex, auditIndex   string
}

func newEncoder(c Config) *encoder {
	action := func(index string) []byte {
		b, _ := json.Marshal(index) // a string always marshals
		return append(append([]byte(`{"create":{"_index":`), b...), `,"_id":`...)
	}
	return &encoder{opts: c.Options, alertAction: action(c.AlertIndex), auditAction: action(c.AuditIndex),
		alertIndex: c.AlertIndex, auditIndex: c.AuditIndex}
}

// appendRaw appends the two lines of a record as the outbox stores it.
// Its error concerns this record alone (it does not render or has no id);
// buf is then returned unchanged.
func (e *encoder) appendRaw(buf []byte, r *exporter.RawRecord) ([]byte, error) {
	body, m, err := format.RenderStored(r, e.opts)
	if err != nil {
		return buf, err
	}
	return e.appendDoc(buf, r.Head, body, m)
}

// appendRecord is appendRaw for a decoded record.
func (e *encoder) appendRecord(buf []byte, rec *exporter.Record) ([]byte, error) {
	body, m, err := format.RenderBody(rec, nil, e.opts)
	if err != nil {
		return buf, err
	}
	return e.appendDoc(buf, rec.Head(), body, m)
}

func (e *encoder) appendDoc(buf []byte, h exporter.RecordHead, body []byte, m *format.Meta) ([]byte, error) {
	if h.ID == "" {
		return buf, errNoID
	}
	if m != nil {
		// an audit entry as its own document: our id, origin and
		// observed_at go under _ghsec, as in every sink without metadata
		body = format.AppendMeta(body, m)
	}
	if bytes.IndexByte(body, '\n') >= 0 {
		// a newline outside a string would end the NDJSON line early
		var c bytes.Buffer
		if err := json.Compact(&c, body); err != nil {
			return buf, fmt.Errorf("record %s: body is not JSON: %w", h.ID, err)
		}
		body = c.Bytes()
	}
	if len(body) < 2 || body[0] != '{' || body[len(body)-1] != '}' {
		return buf, fmt.Errorf("record %s: body is not a JSON object", h.ID)
	}
	if h.Category == exporter.CategoryAudit {
		buf = append(buf, e.auditAction...)
	} else {
		buf = append(buf, e.alertAction...)
	}
	buf = appendString(buf, h.ID)
	buf = append(buf, "}}\n"...)
	if e.needsTimestamp(h.Category, body) {
		buf = appendTimestamped(buf, body, h.Time)
	} else {
		buf = append(buf, body...)
	}
	return append(buf, '\n'), nil
}

// appendString appends s as a JSON string. Record ids are hex, for which
// Go's quoting is JSON's; anything else (a damaged outbox entry) takes the
// JSON encoder.
func appendString(buf []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] >= 0x7f {
			b, _ := json.Marshal(s)
			return append(buf, b...)
		}
	}
	return strconv.AppendQuote(buf, s)
}

// needsTimestamp reports whether the sink adds @timestamp to a document:
// data streams refuse one without it. The normalized record and OCSF have
// their own time fields (time), ECS documents have @timestamp, and
// GitHub's audit entries have it too (epoch milliseconds, which the date
// mapping reads) unless the entry lacks one, when the record's time is
// added.
func (e *encoder) needsTimestamp(c exporter.Category, body []byte) bool {
	if e.opts.Entry(c) {
		var top struct {
			T json.RawMessage `json:"@timestamp"`
		}
		return json.Unmarshal(body, &top) != nil || top.T == nil
	}
	return e.opts.Schema != format.SchemaECS
}

// appendTimestamped appends body, a JSON object, with "@timestamp" (t in
// RFC 3339, UTC) as its first member.
func appendTimestamped(buf, body []byte, t time.Time) []byte {
	buf = append(buf, `{"@timestamp":"`...)
	buf = t.UTC().AppendFormat(buf, time.RFC3339Nano)
	buf = append(buf, '"')
	if len(bytes.TrimSpace(body[1:len(body)-1])) > 0 {
		buf = append(buf, ',')
	}
	return append(buf, body[1:]...)
}

// docSet is a batch's documents (action and source lines) back to back in
// one buffer, in batch order; a record that did not encode takes no bytes.
type docSet struct {
	buf        []byte
	start, end []int // per batch index
}

func (d *docSet) size(i int) int { return d.end[i] - d.start[i] }

// span is the documents at idxs, consecutive batch indexes, as the one
// slice of buf they occupy: a request body without a copy.
func (d *docSet) span(idxs []int) []byte {
	return d.buf[d.start[idxs[0]]:d.end[idxs[len(idxs)-1]]]
}

// body is the request body of the documents at idxs: their span, gzipped
// when compress is on.
func body(idxs []int, d *docSet, compress bool) ([]byte, error) {
	raw := d.span(idxs)
	if !compress {
		return raw, nil
	}
	b, err := batching.Gzip(len(raw), func(w io.Writer) error {
		_, err := w.Write(raw)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("gzip _bulk body: %w", err)
	}
	return b, nil
}
