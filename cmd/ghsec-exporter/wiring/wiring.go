package wiring

import (
	"fmt"
	"maps"
	"slices"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/email"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/file"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/splunkcloud"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/splunkhec"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/syslog"
	"go.yaml.in/yaml/v3"
)

// table is every sink type, keyed by the `type` of a config entry. A new
// sink type is one line here.
var table = map[string]decoder{
	"email":                 kind(email.DefaultConfig, (*email.Config).Validate, email.New),
	"file":                  kind(file.DefaultConfig, (*file.Config).Validate, file.New),
	"splunk_cloud_services": kind(splunkcloud.DefaultConfig, (*splunkcloud.Config).Validate, splunkcloud.New),
	"splunk_hec":            kind(splunkhec.DefaultConfig, (*splunkhec.Config).Validate, splunkhec.New),
	"syslog":                kind(syslog.DefaultConfig, (*syslog.Config).Validate, syslog.New),
}

// decoder decodes and validates an entry's body into the type's config and
// returns it with the constructor bound to it.
type decoder func(body *yaml.Node) (cfg any, build func(exporter.SinkDeps) (exporter.Sink, error), err error)

// kind makes a type's decoder from its defaults, its Validate (errors name
// fields relative to the entry) and its New.
func kind[C any, S exporter.Sink](def func() C, validate func(*C) error, build func(C, exporter.SinkDeps) (S, error)) decoder {
	return func(body *yaml.Node) (any, func(exporter.SinkDeps) (exporter.Sink, error), error) {
		cfg := def()
		if err := config.StrictDecode(body, &cfg); err != nil {
			return nil, nil, err
		}
		if err := validate(&cfg); err != nil {
			return nil, nil, err
		}
		return cfg, func(d exporter.SinkDeps) (exporter.Sink, error) {
			s, err := build(cfg, d)
			if err != nil {
				return nil, err // not s: a nil *T in an interface is not nil
			}
			return s, nil
		}, nil
	}
}

// Validated is a sink entry whose type-specific config decoded and validated;
// Build turns it into a running sink.
type Validated struct {
	Name string
	Type string
	// Config is the type's own config struct as decoded over its defaults.
	Config any
	build  func(deps exporter.SinkDeps) (exporter.Sink, error)
}

// Build constructs the sink with deps, which the caller fills completely.
// Errors (an unreadable secret or certificate, a state file failure) name
// the sink.
func (v *Validated) Build(deps exporter.SinkDeps) (exporter.Sink, error) {
	s, err := v.build(deps)
	if err != nil {
		return nil, fmt.Errorf("build sink %q (%s): %w", v.Name, v.Type, err)
	}
	return s, nil
}

// Decode validates every sink entry of the config and returns them ready to
// build. Errors name the field path, e.g. "sinks[1].address".
func Decode(entries []config.SinkEntry) ([]*Validated, error) {
	var out []*Validated
	for i, e := range entries {
		path := fmt.Sprintf("sinks[%d]", i)
		dec, ok := table[e.Type]
		if !ok {
			return nil, config.Field(path+".type", e.Type, "unknown sink type; known: %v", slices.Sorted(maps.Keys(table)))
		}
		cfg, build, err := dec(e.Body)
		if err != nil {
			return nil, config.Prefix(path, err)
		}
		out = append(out, &Validated{Name: e.Name, Type: e.Type, Config: cfg, build: build})
	}
	return out, nil
}
