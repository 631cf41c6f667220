package wiring

import (
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/azuremonitor"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/elasticsearch"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/email"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/file"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/kafka"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/otlp"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/splunkcloud"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/splunkhec"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/syslog"
	"go.yaml.in/yaml/v3"
)

// table is every sink type, keyed by the `type` of a config entry. A new
// sink type is one line here.
var table = map[string]decoder{
	"azure_monitor_logs":    kind(azuremonitor.DefaultConfig, (*azuremonitor.Config).Validate, (*azuremonitor.Config).Resolve, azuremonitor.New),
	"elasticsearch":         kind(elasticsearch.DefaultConfig, (*elasticsearch.Config).Validate, (*elasticsearch.Config).Resolve, elasticsearch.New),
	"email":                 kind(email.DefaultConfig, (*email.Config).Validate, (*email.Config).Resolve, email.New),
	"file":                  kind(file.DefaultConfig, (*file.Config).Validate, (*file.Config).Resolve, file.New),
	"kafka":                 kind(kafka.DefaultConfig, (*kafka.Config).Validate, (*kafka.Config).Resolve, kafka.New),
	"otlp":                  kind(otlp.DefaultConfig, (*otlp.Config).Validate, (*otlp.Config).Resolve, otlp.New),
	"splunk_cloud_services": kind(splunkcloud.DefaultConfig, (*splunkcloud.Config).Validate, (*splunkcloud.Config).Resolve, splunkcloud.New),
	"splunk_hec":            kind(splunkhec.DefaultConfig, (*splunkhec.Config).Validate, (*splunkhec.Config).Resolve, splunkhec.New),
	"syslog":                kind(syslog.DefaultConfig, (*syslog.Config).Validate, (*syslog.Config).Resolve, syslog.New),
}

// buildFunc constructs a sink from what its resolve step read.
type buildFunc func(exporter.SinkDeps) (exporter.Sink, error)

// decoder decodes and validates an entry's body into the type's config and
// returns it with its resolve step bound to it.
type decoder func(body *yaml.Node) (cfg any, resolve func() (buildFunc, error), err error)

// kind makes a type's decoder from its defaults, its Validate (no I/O;
// errors name fields relative to the entry), its Resolve (reads the
// entry's secrets and files once) and its New (builds from what Resolve
// read).
func kind[C, R any, S exporter.Sink](def func() C, validate func(*C) error, resolve func(*C) (R, error), build func(R, exporter.SinkDeps) (S, error)) decoder {
	return func(body *yaml.Node) (any, func() (buildFunc, error), error) {
		cfg := def()
		if err := config.StrictDecode(body, &cfg, "name", "type"); err != nil {
			return nil, nil, err
		}
		if err := validate(&cfg); err != nil {
			return nil, nil, err
		}
		return cfg, func() (buildFunc, error) {
			r, err := resolve(&cfg)
			if err != nil {
				return nil, err
			}
			return func(d exporter.SinkDeps) (exporter.Sink, error) {
				s, err := build(r, d)
				if err != nil {
					return nil, err // not s: a nil *T in an interface is not nil
				}
				return s, nil
			}, nil
		}, nil
	}
}

// Validated is a sink entry whose type-specific config decoded and
// validated, without I/O; Resolve reads its secrets and files.
type Validated struct {
	Name string
	Type string
	// Config is the type's own config struct as decoded over its defaults.
	Config  any
	path    string // "sinks[i]", for the resolve step's errors
	resolve func() (buildFunc, error)
}

// Resolved is a sink entry whose secrets and files (tokens, passwords, CA
// bundles, client certificates) were read, once; Build constructs the sink
// from them and reads none again, however often it is called (a reload
// that falls back to the old config builds it again).
type Resolved struct {
	Name  string
	Type  string
	build buildFunc
}

// Build constructs the sink with deps, which the caller fills completely.
// Errors (a state file failure) name the sink.
func (r *Resolved) Build(deps exporter.SinkDeps) (exporter.Sink, error) {
	s, err := r.build(deps)
	if err != nil {
		return nil, fmt.Errorf("build sink %q (%s): %w", r.Name, r.Type, err)
	}
	return s, nil
}

// Decode validates every sink entry of the config, reading nothing, and
// returns them ready to resolve. Errors name the field path, e.g.
// "sinks[1].address".
func Decode(entries []config.SinkEntry) ([]*Validated, error) {
	var out []*Validated
	for i, e := range entries {
		path := fmt.Sprintf("sinks[%d]", i)
		dec, ok := table[e.Type]
		if !ok {
			return nil, config.Field(path+".type", e.Type, "unknown sink type; known: %v", slices.Sorted(maps.Keys(table)))
		}
		cfg, resolve, err := dec(e.Body)
		if err != nil {
			return nil, config.Prefix(path, err)
		}
		out = append(out, &Validated{Name: e.Name, Type: e.Type, Config: cfg, path: path, resolve: resolve})
	}
	return out, nil
}

// Resolve runs every validated entry's resolve step, which reads its
// secrets and files once, and returns them ready to build. Every problem
// is returned, joined, each a *config.FieldError naming the field path
// (e.g. "sinks[1].tls.ca_file") and the file or variable, never a secret.
func Resolve(vs []*Validated) ([]*Resolved, error) {
	out := make([]*Resolved, 0, len(vs))
	var errs []error
	for _, v := range vs {
		build, err := v.resolve()
		if err != nil {
			errs = append(errs, config.Prefix(v.path, err))
			continue
		}
		out = append(out, &Resolved{Name: v.Name, Type: v.Type, build: build})
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}
