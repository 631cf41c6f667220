package recordjson

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"sync"
	"time"
	"unicode/utf8"

	json "github.com/goccy/go-json"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// The stored form of an outbox entry, as MarshalStored writes it:
//
//	0x01 | CRC-32C of everything after these 5 bytes (4 bytes, big-endian)
//	     | uvarint len(head) | head | record JSON
//
// The record JSON is MarshalRecord's bytes, what raw sinks ship. The head
// is exporter.RecordHead in protobuf wire format (protowire): field numbers
// below, a field left out when it is empty or zero, an int as a zigzag
// varint, a time as zigzag unix seconds and nanoseconds (the seconds field
// is written for every non-zero time, so a time at the epoch is told from
// the zero time). A decoder skips field numbers it does not know, so a
// later version can add fields.
//
// Why: the delivery loop used to check every stored entry with DecodeHead
// before a raw sink got it, a decode of the whole ~1 KB JSON that was the
// largest single cost of the sink side (1.4–1.6 µs a record; issue 22).
// Reading the head from its binary form and checking a CRC over the entry
// costs a fraction of that (BenchmarkCodec/DecodeStored), and the CRC is the
// stronger check of the two: it catches any flipped byte, inside a string
// too, where a JSON syntax check sees valid JSON with another value.
//
// A JSON text never begins with 0x01, so an entry that does not is plain
// record JSON, as earlier versions stored every entry and as `state
// requeue` puts dead letters back; DecodeStored and StoredJSON read both.
const storedVersion = 0x01

// storedHeader is the length of the version byte and the CRC.
const storedHeader = 5

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Field numbers of the head.
const (
	fieldSchema protowire.Number = iota + 1
	fieldID
	fieldTimeSec
	fieldTimeNano
	fieldObservedSec
	fieldObservedNano
	fieldCategory
	fieldSource
	fieldAction
	fieldOrg
	fieldRepo
	fieldOrigin
	fieldEnterprise
	fieldAlertSource
	fieldSeverity
	fieldAlertNumber
)

// storedEncoder is a head buffer and a JSON encoder that writes the framed
// entry straight from the encoder's buffer: MarshalStored allocates the
// entry and nothing else.
type storedEncoder struct {
	head []byte
	out  []byte
	enc  *json.Encoder
}

var storedEncoders = sync.Pool{New: func() any {
	e := &storedEncoder{}
	e.enc = json.NewEncoder(e)
	return e
}}

// Write receives the record JSON (and Encode's newline) and frames it.
func (e *storedEncoder) Write(b []byte) (int, error) {
	js := b
	if n := len(js); n > 0 && js[n-1] == '\n' {
		js = js[:n-1]
	}
	n := storedHeader + protowire.SizeVarint(uint64(len(e.head))) + len(e.head) + len(js)
	out := make([]byte, storedHeader, n)
	out[0] = storedVersion
	out = protowire.AppendVarint(out, uint64(len(e.head)))
	out = append(out, e.head...)
	out = append(out, js...)
	binary.BigEndian.PutUint32(out[1:storedHeader], crc32.Checksum(out[storedHeader:], castagnoli))
	e.out = out
	return len(b), nil
}

// MarshalStored returns r as the outbox stores it: the framed entry above,
// whose JSON is exactly MarshalRecord's. It fails when MarshalRecord does.
func MarshalStored(r *exporter.Record) ([]byte, error) {
	e := storedEncoders.Get().(*storedEncoder)
	defer storedEncoders.Put(e)
	e.head = appendHead(e.head[:0], r)
	e.out = nil
	if err := e.enc.Encode(r); err != nil {
		return nil, fmt.Errorf("encode record %s: %w", r.ID, err)
	}
	out := e.out
	e.out = nil
	return out, nil
}

// appendHead appends r's head in wire format. Its values are the ones the
// record JSON carries (each byte of invalid UTF-8 as U+FFFD, as
// encoding/json writes it; a time as RFC 3339 writes it), so the head read
// back is the one DecodeHead reads from the JSON, what sinks got before and
// what a sink that decodes the Record gets.
func appendHead(b []byte, r *exporter.Record) []byte {
	b = appendInt(b, fieldSchema, r.Schema)
	b = appendString(b, fieldID, r.ID)
	b = appendTime(b, fieldTimeSec, fieldTimeNano, r.Time)
	b = appendTime(b, fieldObservedSec, fieldObservedNano, r.ObservedAt)
	b = appendString(b, fieldCategory, string(r.Category))
	b = appendString(b, fieldSource, string(r.Source))
	b = appendString(b, fieldAction, r.Action)
	b = appendString(b, fieldOrg, r.Org)
	b = appendString(b, fieldRepo, r.Repo)
	b = appendString(b, fieldOrigin, string(r.Origin))
	b = appendString(b, fieldEnterprise, r.Enterprise)
	b = appendString(b, fieldAlertSource, string(r.AlertSource))
	if r.Alert != nil {
		b = appendString(b, fieldSeverity, r.Alert.Severity)
		b = appendInt(b, fieldAlertNumber, r.Alert.Number)
	}
	return b
}

func appendInt(b []byte, num protowire.Number, v int) []byte {
	if v == 0 {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.VarintType)
	return protowire.AppendVarint(b, protowire.EncodeZigZag(int64(v)))
}

func appendTime(b []byte, sec, nano protowire.Number, t time.Time) []byte {
	if t.IsZero() {
		return b
	}
	// RFC 3339 writes the zone offset in whole minutes, dropping its
	// seconds (a zone no record time has in practice): the head holds the
	// instant the JSON says, as DecodeHead would read it
	if _, off := t.Zone(); off%60 != 0 {
		t = t.Add(time.Duration(off%60) * time.Second)
	}
	b = protowire.AppendTag(b, sec, protowire.VarintType)
	b = protowire.AppendVarint(b, protowire.EncodeZigZag(t.Unix()))
	if ns := t.Nanosecond(); ns != 0 {
		b = protowire.AppendTag(b, nano, protowire.VarintType)
		b = protowire.AppendVarint(b, uint64(ns))
	}
	return b
}

func appendString(b []byte, num protowire.Number, s string) []byte {
	if s == "" {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.BytesType)
	if utf8.ValidString(s) {
		return protowire.AppendString(b, s)
	}
	// encoding/json writes each byte that is not UTF-8 as U+FFFD (3 bytes)
	n := len(s)
	for i := 0; i < len(s); {
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			n += 2
		}
		i += size
	}
	b = protowire.AppendVarint(b, uint64(n))
	for i := 0; i < len(s); {
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			b = utf8.AppendRune(b, utf8.RuneError)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return b
}

// frame checks a framed entry's CRC and returns its head and record JSON.
func frame(v []byte) (head, js []byte, err error) {
	if len(v) < storedHeader {
		return nil, nil, fmt.Errorf("%w: truncated frame (%d bytes)", exporter.ErrNotRecord, len(v))
	}
	rest := v[storedHeader:]
	if got, want := crc32.Checksum(rest, castagnoli), binary.BigEndian.Uint32(v[1:storedHeader]); got != want {
		return nil, nil, fmt.Errorf("%w: crc mismatch (stored %08x, computed %08x)", exporter.ErrNotRecord, want, got)
	}
	n, k := protowire.ConsumeVarint(rest)
	if k < 0 {
		return nil, nil, fmt.Errorf("%w: truncated head length", exporter.ErrNotRecord)
	}
	rest = rest[k:]
	if n > uint64(len(rest)) {
		return nil, nil, fmt.Errorf("%w: truncated head (%d bytes, %d left)", exporter.ErrNotRecord, n, len(rest))
	}
	head, js = rest[:n], rest[n:]
	if len(js) == 0 {
		return nil, nil, fmt.Errorf("%w: no record JSON", exporter.ErrNotRecord)
	}
	return head, js, nil
}

// StoredJSON returns the record JSON of an outbox entry: the JSON part of
// a framed entry, once its CRC checks (a subslice of v), or v itself when
// it is plain JSON (not checked: the caller decodes it). A framed entry
// that does not check fails with an error wrapping exporter.ErrNotRecord.
func StoredJSON(v []byte) ([]byte, error) {
	if len(v) == 0 || v[0] != storedVersion {
		return v, nil
	}
	_, js, err := frame(v)
	return js, err
}

// DecodeStored checks an outbox entry and reads its head: what the delivery
// loop does with every entry before a raw sink gets it. A framed entry (see
// MarshalStored) must have a matching CRC, a head that decodes and an id;
// its JSON is a subslice of v, not copied. Any other entry is plain record
// JSON, read by DecodeHead. It fails with an error wrapping
// exporter.ErrNotRecord that says what failed, and the delivery loop
// dead-letters that entry instead of sending it.
//
// The head's strings share one allocation (substrings of one conversion of
// the head bytes). Its times come back in UTC, where DecodeHead gives the
// offset the JSON was written with: every user of RecordHead.Time and
// ObservedAt (the HEC and Splunk Cloud timestamps, OTLP's, Elasticsearch's
// @timestamp) uses the instant only.
func DecodeStored(v []byte) (exporter.RawRecord, error) {
	if len(v) == 0 || v[0] != storedVersion {
		h, err := DecodeHead(v)
		if err != nil {
			return exporter.RawRecord{}, err
		}
		return exporter.RawRecord{JSON: v, Head: h}, nil
	}
	hb, js, err := frame(v)
	if err != nil {
		return exporter.RawRecord{}, err
	}
	h, err := decodeHead(hb)
	if err != nil {
		return exporter.RawRecord{}, fmt.Errorf("%w: %w", exporter.ErrNotRecord, err)
	}
	if h.ID == "" {
		return exporter.RawRecord{}, fmt.Errorf("%w: no id", exporter.ErrNotRecord)
	}
	return exporter.RawRecord{JSON: js, Head: h}, nil
}

var errTruncatedHead = errors.New("truncated head")

// decodeHead reads a head in wire format.
func decodeHead(b []byte) (exporter.RecordHead, error) {
	var h exporter.RecordHead
	s := string(b)
	var t, obs struct {
		set       bool
		sec, nano int64
	}
	for p := 0; p < len(b); {
		num, typ, n := protowire.ConsumeTag(b[p:])
		if n < 0 {
			return h, fmt.Errorf("%w: field tag at %d", errTruncatedHead, p)
		}
		p += n
		var (
			u   uint64
			str string
		)
		switch {
		case num < fieldSchema || num > fieldAlertNumber:
			n = protowire.ConsumeFieldValue(num, typ, b[p:])
			if n < 0 {
				return h, fmt.Errorf("%w: unknown field %d", errTruncatedHead, num)
			}
			p += n
			continue
		case isString(num):
			if typ != protowire.BytesType {
				return h, fmt.Errorf("head field %d: wire type %d, want bytes", num, typ)
			}
			var l uint64
			l, n = protowire.ConsumeVarint(b[p:])
			if n < 0 || l > uint64(len(b)-p-n) {
				return h, fmt.Errorf("%w: field %d", errTruncatedHead, num)
			}
			str = s[p+n : p+n+int(l)]
			n += int(l)
		default:
			if typ != protowire.VarintType {
				return h, fmt.Errorf("head field %d: wire type %d, want varint", num, typ)
			}
			u, n = protowire.ConsumeVarint(b[p:])
			if n < 0 {
				return h, fmt.Errorf("%w: field %d", errTruncatedHead, num)
			}
		}
		p += n
		switch num {
		case fieldSchema:
			h.Schema = int(protowire.DecodeZigZag(u))
		case fieldID:
			h.ID = str
		case fieldTimeSec:
			t.set, t.sec = true, protowire.DecodeZigZag(u)
		case fieldTimeNano:
			t.set, t.nano = true, int64(u)
		case fieldObservedSec:
			obs.set, obs.sec = true, protowire.DecodeZigZag(u)
		case fieldObservedNano:
			obs.set, obs.nano = true, int64(u)
		case fieldCategory:
			h.Category = exporter.Category(str)
		case fieldSource:
			h.Source = exporter.Source(str)
		case fieldAction:
			h.Action = str
		case fieldOrg:
			h.Org = str
		case fieldRepo:
			h.Repo = str
		case fieldOrigin:
			h.Origin = exporter.Origin(str)
		case fieldEnterprise:
			h.Enterprise = str
		case fieldAlertSource:
			h.AlertSource = exporter.Source(str)
		case fieldSeverity:
			h.Severity = str
		case fieldAlertNumber:
			h.AlertNumber = int(protowire.DecodeZigZag(u))
		}
	}
	var err error
	if h.Time, err = headTime("time", t.set, t.sec, t.nano); err != nil {
		return h, err
	}
	if h.ObservedAt, err = headTime("observed_at", obs.set, obs.sec, obs.nano); err != nil {
		return h, err
	}
	return h, nil
}

// headTime is a head's time from its fields: the zero time when neither
// was written, in UTC otherwise.
func headTime(name string, set bool, sec, nano int64) (time.Time, error) {
	if !set {
		return time.Time{}, nil
	}
	if nano < 0 || nano >= 1e9 {
		return time.Time{}, fmt.Errorf("head %s: %d nanoseconds", name, nano)
	}
	return time.Unix(sec, nano).UTC(), nil
}

func isString(num protowire.Number) bool {
	switch num {
	case fieldSchema, fieldTimeSec, fieldTimeNano, fieldObservedSec, fieldObservedNano, fieldAlertNumber:
		return false
	}
	return true
}
