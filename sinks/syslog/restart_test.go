package syslog

import (
	"fmt"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// TestReceivers_Restart restarts the receiver between batches while the
// sink keeps its connection. The old connection is dead after a restart; a
// sink that wrote into it would see the write succeed and lose the batch.
// Every record must arrive (duplicates are allowed, losses are not).
func TestReceivers_Restart(t *testing.T) {
	for _, rname := range receiverNames {
		for _, network := range []string{NetworkTCP, NetworkTLS} {
			t.Run(rname+"/"+network, func(t *testing.T) {
				r := startReceiver(t, rname)
				s := newTestSink(t, r.sinkConfig(network))
				var all []string
				const rounds, size = 4, 25
				attempts := 0
				for round := 0; round < rounds; round++ {
					batch := restartBatch(fmt.Sprintf("%s-r%d", network, round), size)
					attempts += sendUntilDelivered(t, s, batch)
					all = append(all, ids(batch)...)
					// Settle, then restart under the open connection.
					r.waitIDs(t, all)
					if round < rounds-1 {
						r.proc.Restart()
						// Let the restarted receiver's FIN/RST arrive as it would
						// in the field, long before the next batch.
					}
				}
				_, count := r.waitIDs(t, all)
				dups := 0
				for _, id := range all {
					dups += count[id] - 1
				}
				t.Logf("%d records over %d restarts: %d Send attempts for %d batches, %d duplicates",
					len(all), rounds-1, attempts, rounds, dups)
			})
		}
	}
}

func restartBatch(tag string, n int) []exporter.Record {
	base := sampleRecords()
	out := make([]exporter.Record, n)
	for i := range out {
		out[i] = base[sampleNames[i%len(sampleNames)]]
		out[i].ID = fmt.Sprintf("%s-%03d", tag, i)
	}
	return out
}
