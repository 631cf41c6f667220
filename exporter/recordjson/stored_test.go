package recordjson_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"hash/crc32"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/recordjson"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/recordjson/recordjsontest"
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// storedTestRecords are the records of every corpus of the package: the
// head tests', one with every field set, the golden corpus, and times the
// head must tell apart (the zero time, the epoch, before the epoch).
func storedTestRecords() []exporter.Record {
	recs := headTestRecords()
	recs = append(recs, recordjsontest.Record())
	golden, _ := corpus()
	recs = append(recs, golden...)
	for _, at := range []time.Time{{}, time.Unix(0, 0), time.Unix(0, 1), time.Unix(-1, 999999999),
		time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC), time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.FixedZone("", -3600))} {
		recs = append(recs, exporter.Record{Schema: -3, ID: "t", Time: at, ObservedAt: at, Alert: &exporter.AlertInfo{Number: -7}})
	}
	return recs
}

// sameHead fails unless got and want are the same head, times compared
// as instants.
func sameHead(t *testing.T, what string, got, want exporter.RecordHead) {
	t.Helper()
	if !got.Time.Equal(want.Time) || !got.ObservedAt.Equal(want.ObservedAt) || got.Time.IsZero() != want.Time.IsZero() {
		t.Fatalf("%s: times %v %v, want %v %v", what, got.Time, got.ObservedAt, want.Time, want.ObservedAt)
	}
	for _, at := range []time.Time{got.Time, got.ObservedAt} {
		if !at.IsZero() && at.Location() != time.UTC {
			t.Fatalf("%s: time %v not in UTC", what, at)
		}
	}
	got.Time, got.ObservedAt, want.Time, want.ObservedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if got != want {
		t.Fatalf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

func validHead(h exporter.RecordHead) bool {
	for _, s := range []string{h.ID, string(h.Category), string(h.Source), h.Action, h.Org, h.Repo, string(h.Origin), h.Enterprise, string(h.AlertSource), h.Severity} {
		if !utf8.ValidString(s) {
			return false
		}
	}
	return true
}

// wholeMinutes reports whether t's zone offset is whole minutes, as
// RFC 3339 writes it.
func wholeMinutes(t time.Time) bool {
	_, off := t.Zone()
	return off%60 == 0
}

// The framed entry is what the format says, read here independently of
// the package: 0x01, the CRC-32C of the rest, the head's length, the head,
// and MarshalRecord's bytes; DecodeStored reads back the record's head (as
// DecodeHead reads it from the JSON) and that JSON. A record MarshalRecord
// refuses, MarshalStored refuses too; one without an id is stored and
// refused on reading, as before.
func TestStored_RoundTrip(t *testing.T) {
	n := 0
	for i, r := range storedTestRecords() {
		js, jerr := recordjson.MarshalRecord(&r)
		v, err := recordjson.MarshalStored(&r)
		if jerr != nil {
			if err == nil {
				t.Fatalf("record %d: MarshalStored accepted what MarshalRecord refuses (%v)", i, jerr)
			}
			continue
		}
		if err != nil {
			t.Fatalf("record %d: MarshalStored: %v", i, err)
		}
		if v[0] != 0x01 || binary.BigEndian.Uint32(v[1:5]) != crc32.Checksum(v[5:], castagnoli) {
			t.Fatalf("record %d: frame % x", i, v[:5])
		}
		hl, k := protowire.ConsumeVarint(v[5:])
		if k < 0 || !bytes.Equal(v[5+k+int(hl):], js) {
			t.Fatalf("record %d: JSON part of %q is not MarshalRecord's %s", i, v, js)
		}
		if got, err := recordjson.StoredJSON(v); err != nil || !bytes.Equal(got, js) {
			t.Fatalf("record %d: StoredJSON = %s, %v", i, got, err)
		}
		want, herr := recordjson.DecodeHead(js)
		got, err := recordjson.DecodeStored(v)
		if herr != nil {
			if r.ID != "" {
				t.Fatalf("record %d: DecodeHead(%s) = %v", i, js, herr)
			}
			if !errors.Is(err, exporter.ErrNotRecord) || !strings.Contains(err.Error(), "no id") {
				t.Fatalf("record %d without an id: DecodeStored = %v", i, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("record %d: DecodeStored: %v", i, err)
		}
		if !bytes.Equal(got.JSON, js) || &got.JSON[0] != &v[len(v)-len(js)] {
			t.Fatalf("record %d: JSON %s is not the entry's own JSON part", i, got.JSON)
		}
		sameHead(t, "DecodeStored vs DecodeHead", got.Head, want)
		if validHead(r.Head()) && wholeMinutes(r.Time) && wholeMinutes(r.ObservedAt) {
			sameHead(t, "DecodeStored vs Head", got.Head, r.Head())
		}
		n++
	}
	if n < 100 {
		t.Fatalf("only %d records round-tripped", n)
	}
}

// Every single-byte change and every truncation of a framed entry is
// refused, by StoredJSON too while the entry still reads as framed.
func TestStored_RefusesDamage(t *testing.T) {
	recs := headTestRecords()
	for _, r := range []exporter.Record{recs[0], recs[2]} {
		v, err := recordjson.MarshalStored(&r)
		if err != nil {
			t.Fatal(err)
		}
		refused := func(what string, d []byte) {
			t.Helper()
			if got, err := recordjson.DecodeStored(d); !errors.Is(err, exporter.ErrNotRecord) {
				t.Fatalf("%s: DecodeStored = %+v, %v; want ErrNotRecord", what, got.Head, err)
			}
			if len(d) > 0 && d[0] == 0x01 {
				if _, err := recordjson.StoredJSON(d); !errors.Is(err, exporter.ErrNotRecord) {
					t.Fatalf("%s: StoredJSON = %v; want ErrNotRecord", what, err)
				}
			}
		}
		d := bytes.Clone(v)
		for i := range v {
			for x := 1; x < 256; x++ {
				d[i] = v[i] ^ byte(x)
				refused("byte "+string(rune('0'+i%10))+" changed", d)
			}
			d[i] = v[i]
		}
		for n := range len(v) {
			refused("truncated", v[:n])
		}
	}
}

// frameOf frames head and js as MarshalStored does.
func frameOf(head, js []byte) []byte {
	v := []byte{1, 0, 0, 0, 0}
	v = protowire.AppendBytes(v, head)
	v = append(v, js...)
	binary.BigEndian.PutUint32(v[1:5], crc32.Checksum(v[5:], castagnoli))
	return v
}

// A head with fields a later version added still reads; a head that does
// not decode, with a CRC that checks, is refused and says why.
func TestStored_Head(t *testing.T) {
	js := []byte(`{"id":"x"}`)
	id := protowire.AppendString(protowire.AppendTag(nil, 2, protowire.BytesType), "x")
	later := protowire.AppendVarint(protowire.AppendTag(bytes.Clone(id), 90, protowire.VarintType), 5)
	later = protowire.AppendString(protowire.AppendTag(later, 91, protowire.BytesType), "new")
	later = protowire.AppendFixed64(protowire.AppendTag(later, 92, protowire.Fixed64Type), 5)
	later = protowire.AppendString(protowire.AppendTag(later, 9, protowire.BytesType), "created")
	got, err := recordjson.DecodeStored(frameOf(later, js))
	if err != nil || got.Head != (exporter.RecordHead{ID: "x", Action: "created"}) || string(got.JSON) != string(js) {
		t.Fatalf("head with later fields: %+v, %v", got, err)
	}
	for name, c := range map[string]struct {
		head []byte
		js   string
		err  string
	}{
		"no id":           {protowire.AppendVarint(protowire.AppendTag(nil, 1, protowire.VarintType), 2), `{}`, "no id"},
		"empty head":      {nil, `{}`, "no id"},
		"no JSON":         {id, ``, "no record JSON"},
		"string as int":   {protowire.AppendVarint(protowire.AppendTag(bytes.Clone(id), 9, protowire.VarintType), 1), `{}`, "wire type"},
		"int as string":   {protowire.AppendString(protowire.AppendTag(bytes.Clone(id), 1, protowire.BytesType), "1"), `{}`, "wire type"},
		"string too long": {append(protowire.AppendTag(bytes.Clone(id), 9, protowire.BytesType), 9, 'a'), `{}`, "truncated head"},
		"cut tag":         {append(bytes.Clone(id), 0x80), `{}`, "truncated head"},
		"cut unknown":     {append(protowire.AppendTag(bytes.Clone(id), 90, protowire.BytesType), 4, 'a'), `{}`, "truncated head"},
		"nanoseconds":     {protowire.AppendVarint(protowire.AppendTag(bytes.Clone(id), 4, protowire.VarintType), 1e9), `{}`, "nanoseconds"},
	} {
		v := frameOf(c.head, []byte(c.js))
		if _, err := recordjson.DecodeStored(v); !errors.Is(err, exporter.ErrNotRecord) || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%s: DecodeStored = %v, want ErrNotRecord saying %q", name, err, c.err)
		}
	}
	v := frameOf(id, js)
	v[len(v)-1] ^= 1
	if _, err := recordjson.DecodeStored(v); err == nil || !strings.Contains(err.Error(), "crc mismatch") {
		t.Errorf("flipped byte: %v, want crc mismatch", err)
	}
	if _, err := recordjson.DecodeStored(v[:3]); err == nil || !strings.Contains(err.Error(), "truncated frame") {
		t.Errorf("3 bytes: %v, want truncated frame", err)
	}
	if _, err := recordjson.DecodeStored([]byte{1, 0, 0, 0, 0}); err == nil || !strings.Contains(err.Error(), "truncated head length") {
		t.Errorf("header only: %v, want truncated head length", err)
	}
}

// An entry of plain JSON (an earlier version's, or one `state requeue`
// put back) reads exactly as DecodeHead reads it, JSON and all.
func TestStored_PlainJSON(t *testing.T) {
	var entries [][]byte
	for _, r := range storedTestRecords() {
		if js, err := json.Marshal(&r); err == nil {
			entries = append(entries, js)
		}
	}
	for _, s := range []string{"", "{", `{"id":""}`, `{"id":"x","time":"yesterday"}`, `{"id":"x"} x`, "\x00\x01", "\x02{}", ` {"id":"x"}`} {
		entries = append(entries, []byte(s))
	}
	for _, v := range entries {
		want, werr := recordjson.DecodeHead(v)
		got, err := recordjson.DecodeStored(v)
		if (werr == nil) != (err == nil) || (err != nil && err.Error() != werr.Error()) {
			t.Fatalf("DecodeStored(%q) = %v, DecodeHead %v", v, err, werr)
		}
		if err != nil {
			continue
		}
		if !reflect.DeepEqual(got.Head, want) || &got.JSON[0] != &v[0] || len(got.JSON) != len(v) {
			t.Fatalf("DecodeStored(%q) = %+v, DecodeHead %+v", v, got, want)
		}
		if js, err := recordjson.StoredJSON(v); err != nil || &js[0] != &v[0] || len(js) != len(v) {
			t.Fatalf("StoredJSON(%q) = %q, %v; want the entry itself", v, js, err)
		}
	}
}

// DecodeStored never panics; whatever framed entry it accepts has a CRC
// that checks, an id, and the JSON part StoredJSON returns; a plain entry
// reads as DecodeHead reads it; every refusal is ErrNotRecord.
func FuzzDecodeStored(f *testing.F) {
	for _, r := range headTestRecords() {
		v, _ := recordjson.MarshalStored(&r)
		f.Add(v)
		js, _ := recordjson.MarshalRecord(&r)
		f.Add(js)
	}
	id := protowire.AppendString(protowire.AppendTag(nil, 2, protowire.BytesType), "x")
	f.Add(frameOf(protowire.AppendVarint(protowire.AppendTag(id, 90, protowire.VarintType), 5), []byte("{}")))
	f.Add([]byte{1, 0, 0, 0, 0})
	f.Add([]byte("\x01"))
	f.Fuzz(func(t *testing.T, v []byte) {
		got, err := recordjson.DecodeStored(v)
		if err != nil {
			if !errors.Is(err, exporter.ErrNotRecord) {
				t.Fatalf("DecodeStored = %v, not ErrNotRecord", err)
			}
			return
		}
		if len(v) == 0 || v[0] != 0x01 {
			if want, err := recordjson.DecodeHead(v); err != nil || !reflect.DeepEqual(got.Head, want) || !bytes.Equal(got.JSON, v) {
				t.Fatalf("plain %q: DecodeStored %+v, DecodeHead %+v, %v", v, got, want, err)
			}
			return
		}
		if len(v) < 5 || binary.BigEndian.Uint32(v[1:5]) != crc32.Checksum(v[5:], castagnoli) {
			t.Fatalf("DecodeStored accepted %q, whose CRC does not check", v)
		}
		if got.Head.ID == "" || len(got.JSON) == 0 {
			t.Fatalf("DecodeStored accepted %q: %+v", v, got)
		}
		if js, err := recordjson.StoredJSON(v); err != nil || !bytes.Equal(js, got.JSON) {
			t.Fatalf("StoredJSON(%q) = %q, %v; DecodeStored's JSON %q", v, js, err, got.JSON)
		}
	})
}
