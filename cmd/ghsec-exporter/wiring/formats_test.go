package wiring

import (
	"strings"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/format"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/file"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/splunkcloud"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/splunkhec"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/syslog"
)

// Every sink that ships one event per record takes schema and audit_body
// (defaults: record), refuses a bad value naming sinks[i].<key>; email's
// digests are not one event per record and know neither key.
func TestDecode_SchemaAndAuditBody(t *testing.T) {
	t.Setenv("GHSEC_TEST_TOKEN", "t0k3n")
	const entries = `
- {name: f, type: file, path: "-", %s}
- {name: h, type: splunk_hec, url: "https://splunk:8088", token_env: GHSEC_TEST_TOKEN, %s}
- {name: c, type: splunk_cloud_services, tenant: acme, token_env: GHSEC_TEST_TOKEN, %s}
- {name: s, type: syslog, address: "127.0.0.1:514", %s}
`
	fill := func(kv string) string { return strings.ReplaceAll(entries, "%s", kv) }
	vs, err := decodeValidated(t, fill(`schema: ocsf, audit_body: entry`))
	if err != nil {
		t.Fatal(err)
	}
	want := format.Options{Schema: "ocsf", AuditBody: "entry"}
	got := []format.Options{vs[0].Config.(file.Config).Options, vs[1].Config.(splunkhec.Config).Options,
		vs[2].Config.(splunkcloud.Config).Options, vs[3].Config.(syslog.Config).Options}
	for i, o := range got {
		if o != want {
			t.Errorf("sinks[%d]: %+v, want %+v", i, o, want)
		}
	}
	vs, err = decodeValidated(t, fill(`mode: "0640"`)[:strings.Index(fill(`mode: "0640"`), "\n- {name: h")])
	if err != nil || vs[0].Config.(file.Config).Options != format.DefaultOptions() {
		t.Errorf("defaults: %+v, %v", vs, err)
	}
	// Decode stops at the first bad entry: one entry at a time
	for _, e := range strings.Split(strings.TrimSpace(fill(`schema: cim, audit_body: raw`)), "\n") {
		_, err := decodeValidated(t, e)
		for _, w := range []string{"sinks[0].schema: must be record, ocsf or ecs", "sinks[0].audit_body: must be record or entry"} {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %v does not say %s", e, err, w)
			}
		}
	}
	_, err = decodeValidated(t, `
- {name: m, type: email, host: smtp.example.com, from: "x <x@example.com>", to: [y@example.com], schema: ocsf}`)
	if err == nil || !strings.Contains(err.Error(), "sinks[0].schema") {
		t.Errorf("email with schema: %v", err)
	}
}
