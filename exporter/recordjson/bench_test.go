package recordjson_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/recordjson"
)

// benchSnapshot is a typical stored snapshot (a dismissed alert).
func benchSnapshot() exporter.Snapshot {
	at := time.Date(2026, 1, 5, 9, 0, 0, 123456789, time.UTC)
	return exporter.Snapshot{State: "dismissed", Severity: "high", SeverityRaw: "high", UpdatedAt: at, ClosedAt: at,
		Title: "Prototype pollution in lodash", HTMLURL: "https://github.com/acme/api/security/dependabot/7", Tracks: exporter.SnapshotTracks}
}

// BenchmarkCodec is what the state file and the delivery loop pay per
// record and snapshot: the figures behind the choice of library (see the
// package doc), comparable with the hand-written codec's at 052f234 and
// with encoding/json.
func BenchmarkCodec(b *testing.B) {
	rec := headTestRecords()[0]
	rec.Raw = nil // an alert record as a backfill writes it (raw off by default)
	rawRec, _ := json.Marshal(&rec)
	snap := benchSnapshot()
	rawSnap, _ := json.Marshal(&snap)
	headRaw, _ := json.Marshal(headTestRecords()[0])
	b.Run("EncodeRecord", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := recordjson.MarshalRecord(&rec); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("EncodeSnapshot", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := recordjson.MarshalSnapshot(&snap); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("DecodeSnapshot", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var s exporter.Snapshot
			if err := recordjson.UnmarshalSnapshot(rawSnap, &s); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("DecodeHead", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(headRaw)))
		for b.Loop() {
			if _, err := recordjson.DecodeHead(headRaw); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("EncodeStored", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := recordjson.MarshalStored(&rec); err != nil {
				b.Fatal(err)
			}
		}
	})
	headRec := headTestRecords()[0]
	stored, _ := recordjson.MarshalStored(&headRec)
	b.Run("DecodeStored", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(stored)))
		for b.Loop() {
			if _, err := recordjson.DecodeStored(stored); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("DecodeRecord", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var r exporter.Record
			if err := recordjson.UnmarshalRecord(rawRec, &r); err != nil {
				b.Fatal(err)
			}
		}
	})
}
