package formattest

import (
	"strings"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/format"
)

// CompareModes runs the modes of a sink's BenchmarkFormats (through
// sinkbench.Formats): send(mode, i) delivers one batch of n records
// through a sink built with Modes[mode].
// The modes take turns, b.N rounds, the first mode of each round rotating,
// so that on a shared machine every mode sees the same load; a mode whose
// setup failed (skip[mode] set) is left out. It reports each mode's
// events/s, its ratio to the first mode's (the normalized record) and
// size[mode] as its body_B.
func CompareModes(b *testing.B, n int, skip []bool, size []float64, send func(mode, round int) error) {
	spent := make([]time.Duration, len(Modes))
	b.ResetTimer()
	for round := range b.N {
		for k := range Modes {
			m := (round + k) % len(Modes)
			if skip[m] {
				continue
			}
			start := time.Now()
			if err := send(m, round); err != nil {
				b.Fatalf("%s: %v", Modes[m].Name, err)
			}
			spent[m] += time.Since(start)
		}
	}
	b.StopTimer()
	base := float64(b.N*n) / spent[0].Seconds()
	for m, d := range spent {
		if skip[m] {
			continue
		}
		rate := float64(b.N*n) / d.Seconds()
		name := strings.NewReplacer("=", "-", "_", "-").Replace(Modes[m].Name)
		b.ReportMetric(rate, name+"-events/s")
		b.ReportMetric(size[m], name+"-body_B")
		if m > 0 {
			b.ReportMetric(rate/base, name+"-ratio")
		}
	}
}

// Kinds are the record categories the benchmarks compare the modes on;
// audit_body: entry changes audit records only.
var Kinds = []exporter.Category{exporter.CategoryAudit, exporter.CategoryAlert}

// Skip says which Modes cannot render every record of batch (a mapper not
// built yet), logging why, and the mean body size of the others, with
// the metadata an entry carries under format.MetaKey when meta is set.
func Skip(b *testing.B, batch []exporter.RawRecord, meta bool) (skip []bool, size []float64) {
	skip, size = make([]bool, len(Modes)), make([]float64, len(Modes))
	for m, mode := range Modes {
		total := 0
		for i := range batch {
			body, md, err := format.RenderStored(&batch[i], mode.Opts)
			if err != nil {
				b.Logf("%s left out: %v", mode.Name, err)
				skip[m] = true
				break
			}
			if md != nil && meta {
				body = format.AppendMeta(body, md)
			}
			total += len(body)
		}
		size[m] = float64(total) / float64(len(batch))
	}
	return skip, size
}
