package file

import (
	"context"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

var _ exporter.Checker = (*Sink)(nil)

// Check reports where records go; New already opened the file for append,
// so a sink that was built can write.
func (s *Sink) Check(context.Context) []exporter.CheckResult {
	if s.path == "-" {
		return []exporter.CheckResult{{Check: "writable", OK: true, Detail: "writes JSON lines to stdout"}}
	}
	return []exporter.CheckResult{{Check: "writable", OK: true, Detail: "opened " + s.path + " for append"}}
}
