package ghapi

import (
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

// sameAsTyped fails unless the one-pass decode of raw, alone and as a page
// element (twice, the second from the repository cache), accepts exactly
// what the typed decode accepts and reads the same alert from it.
func sameAsTyped(t *testing.T, src exporter.Source, raw []byte) {
	t.Helper()
	want, wantErr := typedDecode(src, raw)
	repos := newRepoCache()
	for i := range 3 {
		var got exporter.Observation
		var ext extraMembers
		var err error
		if i == 0 {
			got, ext, _, err = decodeObject(src, func(v any) error { return json.Unmarshal(raw, v) }, nil)
		} else {
			if !json.Valid(raw) {
				return // a page that is not JSON fails whole: FuzzListAlerts
			}
			items, perr := decodePage(append(append([]byte("["), raw...), ']'), src, Scope{Kind: ScopeOrg, Name: "acme"}, false, repos)
			if perr != nil || len(items) != 1 {
				t.Fatalf("page of one valid element: %d items, %v", len(items), perr)
			}
			got, ext, _, err = decodeObject(src, func(v any) error { return json.Unmarshal(items[0].raw, v) }, repos)
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
