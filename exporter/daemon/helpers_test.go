package daemon

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/cmd/ghsec-exporter/wiring"
	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/internal/openapicheck"
	"github.com/ghsec-exporter/ghsec-exporter/state"
	"go.yaml.in/yaml/v3"
)

type stateTx = state.Tx

// sinksOf builds the config's sinks the way the command does, each wrapped
// by wrap when it is not nil.
func sinksOf(t testing.TB, cfg *config.Config, wrap func(exporter.Sink) exporter.Sink) []SinkSpec {
	t.Helper()
	vs, err := wiring.Decode(cfg.Sinks)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := wiring.Resolve(vs)
	if err != nil {
		t.Fatal(err)
	}
	var out []SinkSpec
	for _, v := range rs {
		out = append(out, SinkSpec{Name: v.Name, Build: func(d exporter.SinkDeps) (exporter.Sink, error) {
			s, err := v.Build(d)
			if err != nil || wrap == nil {
				return s, err
			}
			return wrap(s), nil
		}})
	}
	return out
}

// clearETags drops the stored ETags so the next poll must diff every page.
func clearETags(tx *state.Tx) error {
	type kv struct {
		k string
		v []byte
	}
	var upd []kv
	err := tx.ForEachCursor(func(name string, v []byte) error {
		if !strings.HasPrefix(name, "alerts/") {
			return nil
		}
		var m map[string]any
		if err := json.Unmarshal(v, &m); err != nil {
			return err
		}
		delete(m, "etag")
		b, _ := json.Marshal(m)
		upd = append(upd, kv{name, b})
		return nil
	})
	if err != nil {
		return err
	}
	for _, u := range upd {
		if err := tx.PutCursor(u.k, u.v); err != nil {
			return err
		}
	}
	return nil
}

// fileBody is the YAML body of a file sink entry writing to path.
func fileBody(path string) *yaml.Node {
	return &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Content: []*yaml.Node{
		{Kind: yaml.ScalarNode, Tag: "!!str", Value: "path"}, {Kind: yaml.ScalarNode, Tag: "!!str", Value: path},
	}}
}

var specProduct = map[string]string{"dotcom": "api.github.com", "ghec": "ghec", "ghes": "ghes-3.19"}

// checkOpenAPI validates every request the exporter sent to the simulator
// against GitHub's own OpenAPI description of the product (from the npm
// package @octokit/openapi, installed by scripts/deps/npm-github.sh).
func (e *env) checkOpenAPI(product string) {
	e.t.Helper()
	var reqs []openapicheck.Req
	for _, r := range e.sim.Requests() {
		reqs = append(reqs, openapicheck.Req{Method: r.Method, URL: &url.URL{Path: r.Path, RawQuery: r.Query.Encode()}})
	}
	if len(reqs) == 0 {
		e.t.Fatal("no requests to check")
	}
	if err := openapicheck.Load(e.t, specProduct[product]).CheckAll(reqs); err != nil {
		e.t.Errorf("requests not valid against GitHub's %s description:\n%v", product, err)
	}
}
