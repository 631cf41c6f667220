package sinks

import (
	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/syslog"
)

func init() {
	register("syslog", syslog.DefaultConfig, (*syslog.Config).Validate,
		func(c syslog.Config, d exporter.SinkDeps) (exporter.Sink, error) { return syslog.New(c, d) })
}
