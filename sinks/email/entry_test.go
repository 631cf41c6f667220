package email

import (
	"context"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

func TestEntry_RoundTrip(t *testing.T) {
	for _, r := range fixture() {
		want := entryOf(r)
		var got entry
		if err := got.decode(want.append(nil)); err != nil {
			t.Fatalf("%s: decode: %v", r.ID, err)
		}
		if !got.Time.Equal(want.Time) || !got.Created.Equal(want.Created) {
			t.Errorf("%s: times %v %v, want %v %v", r.ID, got.Time, got.Created, want.Time, want.Created)
		}
		got.Time, got.Created, want.Time, want.Created = time.Time{}, time.Time{}, time.Time{}, time.Time{}
		if got != want {
			t.Errorf("round trip:\n got %+v\nwant %+v", got, want)
		}
	}
}

func TestEntry_TruncatesLongTextOnRuneBoundary(t *testing.T) {
	r := fixture()[0]
	long := ""
	for range 150 {
		long += "é"
	}
	r.Alert.Title = long
	e := entryOf(r)
	if len(e.Title) > maxTitle+len("…") || e.Title[len(e.Title)-len("…"):] != "…" {
		t.Errorf("title not truncated: %d bytes", len(e.Title))
	}
	for _, c := range e.Title {
		if c == '\uFFFD' {
			t.Fatal("truncation split a rune")
		}
	}
}

func TestEntry_DecodeBadInput(t *testing.T) {
	full := func() []byte { e := entryOf(fixture()[0]); return e.append(nil) }()
	for i := range len(full) {
		var e entry
		if err := e.decode(full[:i]); err == nil {
			t.Errorf("decode of a %d-byte prefix succeeded", i)
		}
	}
	var e entry
	if err := e.decode(append([]byte{99}, full[1:]...)); err == nil {
		t.Error("decode of an unknown version succeeded")
	}
}

func TestDigest_CorruptEntryIsSkippedNotFatal(t *testing.T) {
	db := openState(t, "")
	s := newSink(t, offlineConfig(), db, nil)
	if err := s.Send(context.Background(), fixture()[:2]); err != nil {
		t.Fatal(err)
	}
	if err := db.SinkUpdate(s.name, func(kv exporter.KV) error { return kv.Put(digestKey(1, 999), []byte{1, 2, 3}) }); err != nil {
		t.Fatal(err)
	}
	sp, err := s.store.cut(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	d, err := s.buildDigest(sp)
	if err != nil {
		t.Fatal(err)
	}
	if d.New != 2 {
		t.Errorf("New = %d, want 2", d.New)
	}
}

// The median's extra walks read times to fix from encoded entries; they must
// see exactly what the aggregation saw, corrupt entries included.
func TestEntry_EncodedTimeToFix(t *testing.T) {
	recs := append(fixture(), synthetic(300)...)
	for _, r := range recs {
		e := entryOf(r)
		b := e.append(nil)
		for cut := 0; cut <= len(b); cut++ {
			var got entry
			wantD, wantOK := time.Duration(0), false
			if got.decode(b[:cut]) == nil {
				wantD, wantOK = timeToFix(&got)
			}
			if d, ok := encodedTimeToFix(b[:cut]); d != wantD || ok != wantOK {
				t.Fatalf("%s cut at %d/%d: %v %v, decode says %v %v", r.ID, cut, len(b), d, ok, wantD, wantOK)
			}
		}
	}
}
