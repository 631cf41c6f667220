package ghapi

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/google/go-github/v62/github"
)

// typedDecode is the decode before the one-pass decoder, kept here as the
// reference: go-github's type, then a second decode of the members it lacks.
func typedDecode(src exporter.Source, raw []byte) (exporter.Observation, error) {
	var o exporter.Observation
	var err error
	switch src {
	case exporter.SourceDependabot:
		var a github.DependabotAlert
		if err = json.Unmarshal(raw, &a); err == nil {
			o = fromDependabot(&a)
			o.Key.Repo = repoName(a.Repository)
			var sev struct {
				Advisory *struct {
					CVSSSeverities json.RawMessage `json:"cvss_severities"`
				} `json:"security_advisory"`
			}
			if a.SecurityAdvisory != nil {
				var s json.RawMessage
				if json.Unmarshal(raw, &sev) == nil && sev.Advisory != nil {
					s = sev.Advisory.CVSSSeverities
				}
				o.CVSSv3, o.CVSSv4 = advisoryCVSS(a.SecurityAdvisory.CVSS, s)
			}
		}
	case exporter.SourceCodeScanning:
		var a github.Alert
		if err = json.Unmarshal(raw, &a); err == nil {
			o = fromCodeScanning(&a)
			o.Key.Repo = repoName(a.Repository)
		}
	default:
		var a github.SecretScanningAlert
		if err = json.Unmarshal(raw, &a); err == nil {
			o = fromSecretScanning(&a)
			o.Key.Repo = repoName(a.Repository)
		}
	}
	if err != nil {
		return o, err
	}
	var det struct {
		detailMembers
		Advisory *struct {
			EPSS json.RawMessage `json:"epss"`
		} `json:"security_advisory"`
	}
	if json.Unmarshal(raw, &det) == nil {
		if det.Advisory != nil && src == exporter.SourceDependabot {
			det.epss = det.Advisory.EPSS
		}
		det.apply(&o)
	}
	var ext struct {
		Validity       string `json:"validity"`
		PubliclyLeaked *bool  `json:"publicly_leaked"`
		Assignees      []struct {
			Login string `json:"login"`
		} `json:"assignees"`
		AssignedTo *struct {
			Login string `json:"login"`
		} `json:"assigned_to"`
	}
	if json.Unmarshal(raw, &ext) != nil {
		return o, nil
	}
	o.Validity = ext.Validity
	if ext.PubliclyLeaked != nil {
		o.PubliclyLeaked = *ext.PubliclyLeaked
	}
	var who []string
	for _, a := range ext.Assignees {
		if a.Login != "" {
			who = append(who, a.Login)
		}
	}
	if ext.AssignedTo != nil && ext.AssignedTo.Login != "" {
		who = append(who, ext.AssignedTo.Login)
	}
	slices.Sort(who)
	o.Assignees = slices.Compact(who)
	return o, nil
}

// sameAsTyped fails unless the one-pass decode of raw with go-json, alone
// and as a page element (twice, the second from the repository cache),
// accepts exactly what the typed decode with encoding/json accepts and
// reads the same alert from it.
func sameAsTyped(t *testing.T, src exporter.Source, raw []byte) {
	t.Helper()
	want, wantErr := typedDecode(src, raw)
	repos := newRepoCache()
	for i := range 3 {
		var got exporter.Observation
		var ext extraMembers
		var err error
		if i == 0 {
			got, ext, _, err = decodeObject(src, func(v any) error { return unmarshalAlert(raw, v) }, nil)
		} else {
			if !json.Valid(raw) {
				return // a page that is not JSON fails whole: FuzzListAlerts
			}
			page := append(append([]byte("["), raw...), ']')
			items, perr := decodePage(page, src, Scope{Kind: ScopeOrg, Name: "acme"}, false, repos)
			if perr != nil || len(items) != 1 {
				t.Fatalf("page of one valid element: %d items, %v", len(items), perr)
			}
			if !bytes.Equal(items[0].raw, bytes.TrimSpace(raw)) {
				t.Fatalf("pass %d: page element %q of %q", i, items[0].raw, raw)
			}
			got, ext, _, err = decodeObject(src, func(v any) error { return unmarshalAlert(items[0].raw, v) }, repos)
		}
		if (err == nil) != (wantErr == nil) {
			t.Fatalf("pass %d: one-pass decode error %v, typed decode error %v, for %s", i, err, wantErr, raw)
		}
		if err != nil {
			continue
		}
		ext.apply(&got)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("pass %d: one-pass decode\n %+v\ntyped decode\n %+v", i, got, want)
		}
	}
}

// sameAsStdPage fails unless decodePage (go-json) reads body as the same
// loop reading it with encoding/json does: both fail the page, or both give
// the same elements, each refused or read to the same observation. It
// reads body twice per decoder, the second time from the repository cache.
func sameAsStdPage(t *testing.T, src exporter.Source, scope Scope, body []byte) {
	t.Helper()
	repos := newRepoCache()
	stdRepos := &repoCache{m: map[string]repoResult{}, unmarshal: json.Unmarshal}
	for pass := range 2 {
		got, err := decodePage(body, src, scope, true, repos)
		want, wantErr := decodePageWith(json.NewDecoder(bytes.NewReader(body)), body, src, scope, true, stdRepos)
		if (err == nil) != (wantErr == nil) || len(got) != len(want) {
			t.Fatalf("pass %d: go-json read %d items (%v), encoding/json %d (%v), of %q", pass, len(got), err, len(want), wantErr, body)
		}
		for i := range got {
			g, w := got[i], want[i]
			if !bytes.Equal(g.raw, w.raw) || (g.err == nil) != (w.err == nil) {
				t.Fatalf("pass %d item %d: go-json %q (%v), encoding/json %q (%v)", pass, i, g.raw, g.err, w.raw, w.err)
			}
			if g.err == nil && !reflect.DeepEqual(g.o, w.o) {
				t.Fatalf("pass %d item %d: go-json read\n %+v\nencoding/json\n %+v", pass, i, g.o, w.o)
			}
		}
	}
}

func TestDecodeOnce_SameAsTypedDecode(t *testing.T) {
	for kind, bodies := range examples(t) {
		if kind == "audit" {
			continue
		}
		for _, b := range bodies {
			var items []json.RawMessage
			if json.Unmarshal(b, &items) != nil {
				items = []json.RawMessage{b}
			}
			for _, it := range items {
				sameAsTyped(t, exporter.Source(kind), it)
			}
		}
	}
	for _, raw := range []string{
		`{"number":1,"state":"open","repository":{"full_name":"a/b","stargazers_count":"many"}}`,
		`{"number":1,"state":"open","repository":5}`, `{"number":1,"state":"open","repository":null}`,
		`{"number":1,"state":"open","repository":{"name":"b","owner":{"login":"a"}}}`,
		`{"number":1,"state":"open","Repository":{"full_name":"a/b"},"repository":{"full_name":"c/d"}}`,
		`{"number":1,"state":"open","secret":5}`, `{"number":1,"state":"open","secret":null,"validity":7}`,
		`{"number":1,"validity":"active","publicly_leaked":true,"assignees":[{"login":"z"},{"login":"a"}],"assigned_to":{"login":"m"}}`,
		`{"number":1,"assignees":[{"login":1}],"validity":"active"}`, `null`, `[]`, `7`,
	} {
		for _, src := range exporter.AlertSources {
			sameAsTyped(t, src, []byte(raw))
		}
	}
}

func FuzzDecodeOnce(f *testing.F) {
	for kind, bodies := range examples(f) {
		for _, b := range bodies {
			if kind != "audit" && len(b) > 0 && b[0] == '{' {
				f.Add(sourceIndex(exporter.Source(kind)), b)
			}
		}
	}
	f.Add(uint8(2), []byte(`{"number":3,"secret":1,"repository":{"full_name":"a/b","private":"no"}}`))
	f.Fuzz(func(t *testing.T, src uint8, raw []byte) {
		sameAsTyped(t, fuzzSources[int(src)%len(fuzzSources)], raw)
	})
}

// hostilePages are pages whose syntax, numbers, names or bytes are where
// two JSON decoders could differ.
var hostilePages = []string{
	`[{"number":1,"state":"open","number":2,"repository":{"full_name":"a/b"}}]`,
	`[{"NUMBER":1,"State":"open","REPOSITORY":{"FULL_NAME":"a/b"}},{"\u006eumber":2,"state":"open","repository":{"full_name":"a/b"}}]`,
	`[{"number":1,"ſtate":"open","repository":{"full_name":"a/b","Key":1}}]`,
	"[{\"number\":1,\"state\":\"op\xffen\",\"html_url\":\"a\xfe\\ud800b\",\"repository\":{\"full_name\":\"a/\xc0b\"}}]",
	`[{"number":1,"state":"open","repository":{"full_name":"a/b"}}] x`,
	`[{"number":1,"state":"open"} {"number":2}]`, `[{"number":1},]`, `[,{"number":1}]`, `[{"number":1}`, `[{"number":1},`,
	`[{"number":99999999999999999999,"state":"open"},{"number":1e3},{"number":1.0},{"number":-0},{"number":"1"}]`,
	`[{"number":1,"state":"open","security_advisory":{"cvss":{"score":1e999}},"repository":{"full_name":"a/b","id":1.5}}]`,
	`[{"number":1,"state":"open","repository":{"full_name":"a/b","id":9223372036854775808}}]`,
	`[{"number":1,"state":"open","created_at":"2026-13-01T00:00:00Z"},{"number":2,"created_at":1700000000,"state":"open"}]`,
	`[{"number":1,"state":"open","secret":{},"validity":7,"assignees":"x","assigned_to":[]}]`,
	`[1,"a",null,true,[],{}]`, `{"number":1}`, `null`, `nullx`, `[]`, ` `, `[{"number":1,"state":"open","x":"\x01"}]`,
}

func TestDecodePage_SameAsEncodingJSON(t *testing.T) {
	for kind, bodies := range examples(t) {
		if kind == "audit" {
			continue
		}
		for _, b := range bodies {
			for _, sc := range fuzzScopes {
				sameAsStdPage(t, exporter.Source(kind), sc, b)
			}
		}
	}
	for _, p := range hostilePages {
		for _, src := range exporter.AlertSources {
			sameAsStdPage(t, src, fuzzScopes[1], []byte(p))
		}
	}
}

// FuzzDecodePage: go-json reads any page as encoding/json would.
func FuzzDecodePage(f *testing.F) {
	for kind, bodies := range examples(f) {
		for _, b := range bodies {
			if kind != "audit" && len(b) > 0 && b[0] == '[' {
				f.Add(sourceIndex(exporter.Source(kind)), uint8(1), b)
			}
		}
	}
	for _, p := range hostilePages {
		f.Add(uint8(0), uint8(1), []byte(p))
	}
	f.Fuzz(func(t *testing.T, src, sc uint8, body []byte) {
		sameAsStdPage(t, fuzzSources[int(src)%len(fuzzSources)], fuzzScopes[int(sc)%len(fuzzScopes)], body)
	})
}
