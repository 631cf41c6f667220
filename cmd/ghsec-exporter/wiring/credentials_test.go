package wiring

import (
	"strings"
	"testing"
)

// Every URL- or address-valued key of every sink type refuses a user name
// or password, naming the key and never echoing the credential; so does a
// token pasted where its variable name or file path belongs.
func TestDecode_CredentialsRefusedUnechoed(t *testing.T) {
	t.Setenv("GHSEC_TEST_TOKEN", "t0k3n")
	const hec = "name: s\n  type: splunk_hec\n  token_env: GHSEC_TEST_TOKEN\n  url: "
	const scs = "name: s\n  type: splunk_cloud_services\n  tenant: acme\n  token_env: GHSEC_TEST_TOKEN\n  host: "
	const sys = "name: s\n  type: syslog\n  address: "
	const mail = "name: s\n  type: email\n  from: a@example.com\n  to: [b@example.com]\n  host: "
	for _, tt := range []struct{ entry, field string }{
		{hec + "https://admin:hunter2@splunk:8088", "sinks[0].url: must not contain a user name or password"},
		{hec + "admin:hunter2@splunk:8088", "sinks[0].url: must be an http(s) URL"},
		{scs + "https://admin:hunter2@api.example", "sinks[0].host: must not contain a user name or password"},
		{scs + "admin:hunter2@api.example", "sinks[0].host: must not contain a user name or password"},
		{sys + "admin:hunter2@siem:514", "sinks[0].address: must be host:port"},
		{sys + "hunter2@siem:514", "sinks[0].address: must be host:port"},
		{mail + "admin:hunter2@smtp.example.com", "sinks[0].host: must be a host name or IP address"},
		{"name: s\n  type: splunk_hec\n  url: https://splunk:8088\n  token_env: hunter2-0000-4aa9-b30d-6c4c0ac581ba", "sinks[0].token_env: not an environment variable name"},
		{"name: s\n  type: splunk_hec\n  url: https://splunk:8088\n  token_file: 0aeeac95-ac74-4aa9-b30d-6c4c0ac581ba", "sinks[0].token_file: looks like a token value"},
	} {
		_, err := decodeValidated(t, "- "+tt.entry+"\n")
		if err == nil || !strings.Contains(err.Error(), tt.field) || strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), "6c4c0ac581ba") {
			t.Errorf("%s\ngot  %v\nwant %s", tt.entry, err, tt.field)
		}
	}
}
