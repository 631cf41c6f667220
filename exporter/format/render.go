package format

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	json "github.com/goccy/go-json"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/format/ecs"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/format/ocsf"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/recordjson"
)

// MetaKey is the top-level key Render adds to an audit entry for sinks
// whose transport has no metadata of its own (the file sink, Splunk Cloud
// Services, RFC 3164 syslog): {"id":…,"origin":…,"observed_at":…}, our
// record's values. GitHub's entries use no key with a leading underscore
// but _document_id.
const MetaKey = "_ghsec"

// ErrNoEntry is what Render's error wraps for an audit record that holds
// no entry object (a damaged or foreign outbox entry): it cannot ship as
// one, and the sink dead-letters it.
var ErrNoEntry = errors.New("audit record holds no entry object")

// Render returns the body a sink ships for rec under o, for a sink whose
// transport has no metadata channel: stored (rec's JSON as the outbox
// keeps it; nil to have rec marshalled) unchanged for the default, the
// OCSF or ECS rendering, or the audit entry with MetaKey added. Its error
// is the mapper's, ErrNoEntry, or the record's own marshalling failure; it
// concerns this record alone.
func Render(rec *exporter.Record, stored []byte, o Options) ([]byte, error) {
	b, m, err := RenderBody(rec, stored, o)
	if err != nil || m == nil {
		return b, err
	}
	return AppendMeta(b, m), nil
}

// Meta is what an audit entry shipped as its own body carries of our
// record: MetaKey's value, or the transport's metadata.
type Meta struct {
	ID         string          `json:"id"`
	Origin     exporter.Origin `json:"origin"`
	ObservedAt time.Time       `json:"observed_at"`
}

// RenderBody is Render for a sink that carries an entry's metadata itself
// (HEC indexed fields, RFC 5424 structured data): an audit entry is
// returned without MetaKey, and m is its metadata; m is nil for any other
// body.
func RenderBody(rec *exporter.Record, stored []byte, o Options) (body []byte, m *Meta, err error) {
	if o.Entry(rec.Category) {
		b, err := Entry(rec)
		if err != nil {
			return nil, nil, err
		}
		return b, &Meta{ID: rec.ID, Origin: rec.Origin, ObservedAt: rec.ObservedAt.UTC()}, nil
	}
	// ocsf.Marshal's and ecs.Marshal's errors name the record and the schema
	switch o.Schema {
	case SchemaOCSF:
		b, err := ocsf.Marshal(rec)
		return b, nil, err
	case SchemaECS:
		b, err := ecs.Marshal(rec)
		return b, nil, err
	}
	if stored != nil {
		return stored, nil, nil
	}
	b, err := recordjson.MarshalRecord(rec)
	return b, nil, err
}

// RenderStored is RenderBody for a record as the outbox stores it (what a
// RawSender is handed): when o ships it as stored, its JSON is returned
// without being decoded; otherwise it is decoded and rendered. A record
// that does not decode is this record's error.
func RenderStored(r *exporter.RawRecord, o Options) (body []byte, m *Meta, err error) {
	if o.AsStored(r.Head.Category) {
		return r.JSON, nil, nil
	}
	var rec exporter.Record
	if err := recordjson.UnmarshalRecord(r.JSON, &rec); err != nil {
		return nil, nil, fmt.Errorf("decode stored record %s: %w", r.Head.ID, err)
	}
	return RenderBody(&rec, r.JSON, o)
}

// Entry returns the audit entry rec carries as GitHub sent it: the bytes
// the record keeps (GitHub's, compacted, invalid UTF-8 replaced when they
// arrived) with the one change the record's encoder made undone: the <, >
// and & it escaped as \u003c, \u003e and \u0026 are themselves again, as
// in GitHub's own JSON. Every other byte (member order, number text, other
// escapes) is GitHub's. It fails with ErrNoEntry when rec holds no entry
// object. The result is a new slice, which AppendMeta may extend.
func Entry(rec *exporter.Record) ([]byte, error) {
	var e []byte
	if rec.Audit != nil {
		e = bytes.TrimSpace(rec.Audit.Entry)
	}
	if len(e) < 2 || e[0] != '{' || e[len(e)-1] != '}' {
		return nil, fmt.Errorf("render record %s as its audit entry: %w", rec.ID, ErrNoEntry)
	}
	return unescapeHTML(make([]byte, 0, len(e)+96), e), nil
}

// unescapeHTML appends src, JSON, to dst with \u003c, \u003e and \u0026
// written as <, > and &. A backslash occurs only inside strings, so no
// string state is tracked: an escape is copied whole, so \\u003c stays.
func unescapeHTML(dst, src []byte) []byte {
	for {
		i := bytes.IndexByte(src, '\\')
		if i < 0 || i+1 >= len(src) {
			return append(dst, src...)
		}
		dst = append(dst, src[:i]...)
		if src[i+1] == 'u' && i+6 <= len(src) {
			if c := htmlEscape(src[i+2 : i+6]); c != 0 {
				dst = append(dst, c)
				src = src[i+6:]
				continue
			}
		}
		dst = append(dst, src[i], src[i+1])
		src = src[i+2:]
	}
}

// htmlEscape returns the character of the hex digits of a \u escape that
// encoding/json writes for HTML safety, 0 for any other.
func htmlEscape(hex []byte) byte {
	switch string(hex) {
	case "003c", "003C":
		return '<'
	case "003e", "003E":
		return '>'
	case "0026":
		return '&'
	}
	return 0
}

// AppendMeta adds MetaKey with m as the last member of entry, a JSON
// object as Entry returns it, reusing entry's array when it has room.
func AppendMeta(entry []byte, m *Meta) []byte {
	mj, err := json.Marshal(m)
	if err != nil {
		// only an observed_at outside RFC 3339, which no stored record has
		mj, _ = json.Marshal(struct {
			ID     string          `json:"id"`
			Origin exporter.Origin `json:"origin"`
		}{m.ID, m.Origin})
	}
	body := bytes.TrimRight(entry, " \t\r\n")
	body = body[:len(body)-1] // the closing brace
	if len(bytes.TrimSpace(body)) > 1 {
		body = append(body, ',')
	}
	body = append(body, `"`+MetaKey+`":`...)
	body = append(body, mj...)
	return append(body, '}')
}
