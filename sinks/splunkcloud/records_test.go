package splunkcloud

import (
	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/sinkbench"
)

// testRecords returns n realistic records (sinkbench.Record 0..n-1):
// mostly alert transitions of the three kinds, every fifth an audit-log
// entry, each a second apart.
func testRecords(n int) []exporter.Record { return sinkbench.Records(0, n) }
