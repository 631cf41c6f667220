package openapicheck

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// The full descriptions are 11–14 MB with refs (56–78 MB dereferenced) and
// kin-openapi needs 1–3 s to load one, almost all of it for response schemas
// and examples a request check never reads. prune keeps what request
// validation needs — every path and operation with its parameters, and the
// components those reference, transitively — which loads several times faster
// (see BenchmarkLoad). TestPrune_KeepsEveryOperation proves nothing a request
// check reads was lost.

// httpMethods are the operation keys of an OpenAPI 3.0 path item.
var httpMethods = map[string]bool{
	"get": true, "put": true, "post": true, "delete": true,
	"options": true, "head": true, "patch": true, "trace": true,
}

// prunedResponses keeps a pruned operation a valid OpenAPI 3.0 operation,
// which requires a responses object.
var prunedResponses = json.RawMessage(`{"default":{"description":"pruned: openapicheck validates requests only"}}`)

// refRE finds JSON references; only "#/components/..." ones are followed.
var refRE = regexp.MustCompile(`"\$ref"\s*:\s*"([^"]*)"`)

// operation is the part of an OpenAPI operation a request check uses.
type operation struct {
	OperationID string          `json:"operationId,omitempty"`
	Deprecated  bool            `json:"deprecated,omitempty"`
	Parameters  json.RawMessage `json:"parameters,omitempty"`
	Security    json.RawMessage `json:"security,omitempty"`
	Responses   json.RawMessage `json:"responses"`
}

// document is the part of an OpenAPI document prune reads.
type document struct {
	OpenAPI    string                                `json:"openapi"`
	Info       json.RawMessage                       `json:"info"`
	Security   json.RawMessage                       `json:"security,omitempty"`
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components map[string]map[string]json.RawMessage `json:"components,omitempty"`
}

// prune returns spec reduced to what request validation reads. replace maps a
// path to a path item (from another description of the same API) that
// replaces spec's; its $refs must resolve in spec's components.
func prune(spec []byte, replace map[string]json.RawMessage) ([]byte, error) {
	var in document
	if err := json.Unmarshal(spec, &in); err != nil {
		return nil, fmt.Errorf("decode description: %w", err)
	}
	out := document{OpenAPI: in.OpenAPI, Info: in.Info, Security: in.Security,
		Paths: make(map[string]map[string]json.RawMessage, len(in.Paths))}
	for path, raw := range replace {
		if _, ok := in.Paths[path]; !ok {
			return nil, fmt.Errorf("replace path %s: not in the description", path)
		}
		var item map[string]json.RawMessage
		if err := json.Unmarshal(raw, &item); err != nil {
			return nil, fmt.Errorf("decode replacement for %s: %w", path, err)
		}
		in.Paths[path] = item
	}

	var kept bytes.Buffer // every kept fragment, scanned for $refs below
	for path, item := range in.Paths {
		outItem := make(map[string]json.RawMessage, len(item))
		for key, raw := range item {
			switch {
			case key == "parameters":
				outItem[key] = raw
			case httpMethods[key]:
				var op operation
				if err := json.Unmarshal(raw, &op); err != nil {
					return nil, fmt.Errorf("decode %s %s: %w", strings.ToUpper(key), path, err)
				}
				op.Responses = prunedResponses
				b, err := json.Marshal(op)
				if err != nil {
					return nil, fmt.Errorf("encode %s %s: %w", strings.ToUpper(key), path, err)
				}
				outItem[key] = b
			default:
				continue // summary, description, servers, x-*: not read by request checks
			}
			kept.Write(outItem[key])
		}
		out.Paths[path] = outItem
	}
	kept.Write(in.Security)

	comps, err := reachable(kept.Bytes(), in.Components)
	if err != nil {
		return nil, err
	}
	out.Components = comps
	b, err := json.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("encode pruned description: %w", err)
	}
	return b, nil
}

// reachable returns the components referenced from root, transitively.
func reachable(root []byte, all map[string]map[string]json.RawMessage) (map[string]map[string]json.RawMessage, error) {
	out := map[string]map[string]json.RawMessage{}
	queue := [][]byte{root}
	for len(queue) > 0 {
		frag := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		for _, m := range refRE.FindAllSubmatch(frag, -1) {
			ref := string(m[1])
			kind, name, ok := componentRef(ref)
			if !ok {
				continue // external refs are left for the loader to reject
			}
			if _, done := out[kind][name]; done {
				continue
			}
			raw, ok := all[kind][name]
			if !ok {
				return nil, fmt.Errorf("resolve %s: no such component", ref)
			}
			if out[kind] == nil {
				out[kind] = map[string]json.RawMessage{}
			}
			out[kind][name] = raw
			queue = append(queue, raw)
		}
	}
	return out, nil
}

// componentRef splits "#/components/<kind>/<name>[/...]" (JSON-pointer
// escaped) into the component's kind and name.
func componentRef(ref string) (kind, name string, ok bool) {
	rest, ok := strings.CutPrefix(ref, "#/components/")
	if !ok {
		return "", "", false
	}
	kind, name, ok = strings.Cut(rest, "/")
	if !ok {
		return "", "", false
	}
	name, _, _ = strings.Cut(name, "/") // a pointer into a component keeps all of it
	unescape := strings.NewReplacer("~1", "/", "~0", "~")
	return unescape.Replace(kind), unescape.Replace(name), true
}
