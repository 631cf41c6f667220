package wiring

import (
	"strings"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/sinks/splunkcloud"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/splunkhec"
)

// decodeValidated decodes and validates sink entries (decodeEntries is in
// sinks_email_test.go).
func decodeValidated(t *testing.T, doc string) ([]*Validated, error) {
	t.Helper()
	return Decode(decodeEntries(t, doc))
}

func TestDecode_SplunkSinks(t *testing.T) {
	t.Setenv("GHSEC_TEST_TOKEN", "t0k3n")
	vs, err := decodeValidated(t, `
- name: hec
  type: splunk_hec
  url: https://splunk:8088
  token_env: GHSEC_TEST_TOKEN
  alert: {index: sec}
  audit: {index: aud, sourcetype: my:audit}
  record_fields: [repo]
  ack: {enabled: true, poll_interval: 250ms, timeout: 30s}
- name: scs
  type: splunk_cloud_services
  tenant: acme
  token_env: GHSEC_TEST_TOKEN
  host: http://127.0.0.1:9999
`)
	if err != nil {
		t.Fatal(err)
	}
	hec := vs[0].Config.(splunkhec.Config)
	if hec.Alert.Sourcetype != splunkhec.DefaultAlertSourcetype || hec.Alert.Index != "sec" || hec.Audit.Sourcetype != "my:audit" ||
		!hec.Compress || hec.Ack.PollInterval.D() != 250*time.Millisecond || hec.MaxBatchEvents != 500 {
		t.Errorf("splunk_hec config %+v", hec)
	}
	if scs := vs[1].Config.(splunkcloud.Config); scs.Tenant != "acme" || scs.MaxBatchEvents != 500 {
		t.Errorf("splunk_cloud_services config %+v", scs)
	}
}

func TestDecode_SplunkHECErrorsNamePaths(t *testing.T) {
	t.Setenv("GHSEC_TEST_TOKEN", "t0k3n")
	_, err := decodeValidated(t, `
- name: hec
  type: splunk_hec
  url: splunk:8088
  token_env: GHSEC_TEST_TOKEN
  ack: {channel: nope}
`)
	for _, want := range []string{"sinks[0].url", "sinks[0].ack.channel"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not name %s", err, want)
		}
	}
	_, err = decodeValidated(t, `
- name: hec
  type: splunk_hec
  url: https://splunk:8088
  token_env: GHSEC_TEST_TOKEN
  compres: false
`)
	if err == nil || !strings.Contains(err.Error(), "compres") {
		t.Errorf("unknown key accepted: %v", err)
	}
}
