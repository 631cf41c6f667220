package azuremonitor

import (
	"context"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/format"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/format/formattest"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/sinktest"
)

// Every schema and audit body arrives as format.Render makes it, byte
// for byte (the array's elements are the rendered bodies), through both
// Send and SendRaw.
func TestSend_Formats(t *testing.T) {
	recs := formattest.Records(time.Date(2026, 1, 5, 9, 2, 0, 0, time.UTC))
	for _, o := range sinktest.Formats() {
		t.Run(o.Schema+"/"+o.AuditBody, func(t *testing.T) {
			f := newFakeAzure(t)
			c := f.config(t)
			c.Options = o
			s := newSink(t, c)
			if err := s.Send(context.Background(), recs); err != nil {
				t.Fatal(err)
			}
			if err := s.SendRaw(context.Background(), formattest.Raw(t, recs)); err != nil {
				t.Fatal(err)
			}
			f.mu.Lock()
			defer f.mu.Unlock()
			if len(f.bodies) != 2*len(recs) {
				t.Fatalf("%d bodies, want %d", len(f.bodies), 2*len(recs))
			}
			raws := formattest.Raw(t, recs)
			for i := range recs {
				want, err := format.Render(&recs[i], nil, o)
				if err != nil {
					t.Fatal(err)
				}
				// stored bytes render as the format package renders them
				// (an entry's bytes as stored, HTML escapes and all)
				wantRaw, m, err := format.RenderStored(&raws[i], o)
				if err != nil {
					t.Fatal(err)
				}
				if m != nil {
					wantRaw = format.AppendMeta(wantRaw, m)
				}
				for j, pair := range [][2][]byte{{f.bodies[i], want}, {f.bodies[len(recs)+i], wantRaw}} {
					if string(pair[0]) != string(pair[1]) {
						t.Fatalf("record %d (%s), %s:\n got %s\nwant %s", i, recs[i].Category, []string{"Send", "SendRaw"}[j], pair[0], pair[1])
					}
				}
			}
		})
	}
}
