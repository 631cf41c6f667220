package elasticsearch

import (
	"context"
	"strings"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

func checkSummary(rs []exporter.CheckResult) string {
	var b strings.Builder
	for _, r := range rs {
		ok := "FAIL"
		if r.OK {
			ok = "ok"
		}
		b.WriteString(r.Check + "=" + ok + " (" + r.Detail + ") ")
	}
	return b.String()
}

func TestCheck(t *testing.T) {
	for _, tt := range []struct {
		name string
		mod  func(f *fakeES, c *Config)
		want []string // check=ok|FAIL in order
		in   string   // a detail or fix that must appear
	}{
		{"healthy", func(*fakeES, *Config) {}, []string{"reachable=ok", "tls verified=ok", "credential accepted=ok", "writable=ok"}, `API key "ghsec-exporter"`},
		{"no privilege", func(f *fakeES, _ *Config) { f.canWrite = false }, []string{"reachable=ok", "tls verified=ok", "credential accepted=ok", "writable=FAIL"}, "lacks create_doc on " + DefaultIndex},
		{"wrong key", func(f *fakeES, c *Config) { c.APIKeyFile = writeFile(t, "d3Jvbmc=") }, []string{"reachable=ok", "tls verified=ok", "credential accepted=FAIL"}, "answered 401"},
		{"untrusted certificate", func(f *fakeES, c *Config) { c.CAFile = "" }, []string{"reachable=ok", "tls verified=FAIL"}, "certificate"},
		{"opensearch in elasticsearch mode", func(f *fakeES, c *Config) {
			f.openSearch = true
			c.APIKeyFile, c.Username, c.PasswordFile = "", f.user, writeFile(t, f.password)
		}, []string{"reachable=FAIL", "tls verified=ok"}, "OpenSearch 2.19.0"},
		{"opensearch", func(f *fakeES, c *Config) {
			f.openSearch = true
			c.Compatibility, c.APIKeyFile, c.Username, c.PasswordFile = OpenSearch, "", f.user, writeFile(t, f.password)
		}, []string{"reachable=ok", "tls verified=ok", "credential accepted=ok"}, `user "ghsec"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := startFakeES(t)
			c := f.config(t)
			tt.mod(f, &c)
			rs := newSink(t, c).Check(context.Background())
			got := checkSummary(rs)
			var names []string
			for _, r := range rs {
				s := r.Check + "="
				if r.OK {
					s += "ok"
				} else {
					s += "FAIL"
				}
				names = append(names, s)
			}
			if strings.Join(names, ",") != strings.Join(tt.want, ",") || !strings.Contains(got+fixes(rs), tt.in) {
				t.Errorf("got %s\nwant %v mentioning %q", got, tt.want, tt.in)
			}
			for _, r := range rs {
				if strings.Contains(r.Detail+r.Fix, f.apiKey) || strings.Contains(r.Detail+r.Fix, f.password+"\"") {
					t.Errorf("a check shows the credential: %+v", r)
				}
			}
		})
	}
}

func fixes(rs []exporter.CheckResult) string {
	var b strings.Builder
	for _, r := range rs {
		b.WriteString(r.Fix + " ")
	}
	return b.String()
}
