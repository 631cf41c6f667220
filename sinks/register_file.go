package sinks

import (
	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/file"
)

func init() {
	register("file", file.DefaultConfig, (*file.Config).Validate,
		func(c file.Config, d exporter.SinkDeps) (exporter.Sink, error) { return file.New(c, d) })
}
