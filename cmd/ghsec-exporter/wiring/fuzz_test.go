package wiring

import (
	"errors"
	"strings"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
)

// FuzzDecode_Sinks feeds arbitrary documents through the whole loader
// check-config runs: the config, then every sink entry's own decode and
// Validate, then the resolve step. It must never panic, and every refusal
// names a field (a sink's under sinks[i]) or is a YAML syntax error.
func FuzzDecode_Sinks(f *testing.F) {
	f.Setenv("GHSEC_FUZZ_TOKEN", "t0k3n")
	head := "github: {token_env: GHSEC_FUZZ_TOKEN, orgs: [acme]}\nstate: {path: s.db}\nsinks:\n"
	for _, s := range []string{
		"  - {name: out, type: file, path: \"-\", mode: \"0640\"}\n",
		"  - {name: out, type: file, path: \"-\", mode: \"0999\"}\n",
		"  - name: hec\n    type: splunk_hec\n    url: https://splunk:8088\n    token_env: GHSEC_FUZZ_TOKEN\n    fields: {a: b}\n    record_fields: [repo]\n    ack: {enabled: true, channel: 0aeeac95-ac74-4aa9-b30d-6c4c0ac581ba}\n",
		"  - name: hec\n    type: splunk_hec\n    url: https://u:p@splunk:8088\n    token_env: ghp_x\n",
		"  - name: scs\n    type: splunk_cloud_services\n    tenant: acme\n    token_env: GHSEC_FUZZ_TOKEN\n    host: http://127.0.0.1:9\n",
		"  - name: siem\n    type: syslog\n    network: relp\n    tls: true\n    address: siem:2514\n    body: cef\n    severity: {high: alert}\n",
		"  - name: siem\n    type: syslog\n    network: udp\n    address: \"[::1]:514\"\n    framing: lf\n    max_message_size: 99999999\n",
		"  - name: mail\n    type: email\n    host: smtp.example.com\n    from: a@example.com\n    to: [b@example.com]\n    digest_schedule: \"@every -5m\"\n    immediate_actions: [push_protection_bypassed]\n",
		"  - {name: x, type: nope}\n",
		"  - {name: x, type: syslog, address: [1]}\n",
	} {
		f.Add([]byte(head + s))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		cfg, err := config.Decode(strings.NewReader(string(doc)))
		if err == nil {
			var vs []*Validated
			if vs, err = Decode(cfg.Sinks); err == nil {
				_, secErr := cfg.Resolve()
				_, sinkErr := Resolve(vs)
				if err = errors.Join(secErr, sinkErr); err == nil {
					return
				}
			}
		}
		for _, e := range config.Flatten(err) {
			var fe *config.FieldError
			switch {
			case errors.As(e, &fe):
				if fe.Path == "" {
					t.Fatalf("field error without a path: %v", e)
				}
			case errors.Is(e, config.ErrSyntax):
			default:
				t.Fatalf("refusal names no field: %v", e)
			}
		}
	})
}
