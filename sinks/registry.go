package sinks

import (
	"fmt"
	"sort"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
	"go.yaml.in/yaml/v3"
)

// Validated is a sink entry whose type-specific config decoded and validated;
// Build turns it into a running sink.
type Validated struct {
	Name string
	Type string
	// Config is the type's own config struct, for check-config to print.
	Config any
	build  func(deps exporter.SinkDeps) (exporter.Sink, error)
}

// Build constructs the sink.
func (v *Validated) Build(deps exporter.SinkDeps) (exporter.Sink, error) {
	deps.Name = v.Name
	s, err := v.build(deps)
	if err != nil {
		return nil, fmt.Errorf("build sink %q (%s): %w", v.Name, v.Type, err)
	}
	return s, nil
}

type factory func(node *yaml.Node) (any, func(exporter.SinkDeps) (exporter.Sink, error), error)

var registry = map[string]factory{}

// register adds a sink type. def returns the type's defaults, validate
// checks a decoded config and names fields relative to the entry, build
// constructs the sink.
func register[C any](typ string, def func() C, validate func(*C) error, build func(C, exporter.SinkDeps) (exporter.Sink, error)) {
	registry[typ] = func(node *yaml.Node) (any, func(exporter.SinkDeps) (exporter.Sink, error), error) {
		cfg := def()
		if err := config.StrictDecode(node, &cfg); err != nil {
			return nil, nil, err
		}
		if err := validate(&cfg); err != nil {
			return nil, nil, err
		}
		return cfg, func(d exporter.SinkDeps) (exporter.Sink, error) { return build(cfg, d) }, nil
	}
}

// Types lists the registered sink types.
func Types() []string {
	var out []string
	for t := range registry {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// Decode validates every sink entry of the config and returns them ready to
// build. Errors name the field path, e.g. "sinks[1].address".
func Decode(entries []config.SinkEntry) ([]*Validated, error) {
	var out []*Validated
	for i, e := range entries {
		path := fmt.Sprintf("sinks[%d]", i)
		f, ok := registry[e.Type]
		if !ok {
			return nil, config.Field(path+".type", e.Type, "unknown sink type; known: %v", Types())
		}
		cfg, build, err := f(e.Body)
		if err != nil {
			return nil, config.Prefix(path, err)
		}
		out = append(out, &Validated{Name: e.Name, Type: e.Type, Config: cfg, build: build})
	}
	return out, nil
}
