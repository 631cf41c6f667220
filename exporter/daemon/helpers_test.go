package daemon

import (
	"encoding/json"
	"strings"

	"github.com/ghsec-exporter/ghsec-exporter/state"
	"go.yaml.in/yaml/v3"
)

type stateTx = state.Tx

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
