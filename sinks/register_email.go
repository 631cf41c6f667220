package sinks

import (
	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/email"
)

func init() {
	register("email", email.DefaultConfig, (*email.Config).Validate,
		func(c email.Config, d exporter.SinkDeps) (exporter.Sink, error) { return email.New(c, d) })
}
