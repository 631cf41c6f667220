package sinks

import (
	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/splunkcloud"
)

func init() {
	register("splunk_cloud_services", splunkcloud.DefaultConfig, (*splunkcloud.Config).Validate,
		func(c splunkcloud.Config, d exporter.SinkDeps) (exporter.Sink, error) { return splunkcloud.New(c, d) })
}
