package sinks

import (
	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/splunkhec"
)

func init() {
	register("splunk_hec", splunkhec.DefaultConfig, (*splunkhec.Config).Validate,
		func(c splunkhec.Config, d exporter.SinkDeps) (exporter.Sink, error) { return splunkhec.New(c, d) })
}
