package wiring

import (
	"strings"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/sinks/azuremonitor"
)

func TestDecode_AzureMonitorLogs(t *testing.T) {
	vs, err := decodeValidated(t, `
- name: sentinel
  type: azure_monitor_logs
  endpoint: https://ghsec-abcd.eastus-1.ingest.monitor.azure.com
  rule_id: dcr-00112233445566778899aabbccddeeff
  auth: {method: managed_identity}
  schema: ocsf
`)
	if err != nil {
		t.Fatal(err)
	}
	c := vs[0].Config.(azuremonitor.Config)
	if c.Stream != azuremonitor.DefaultStream || c.MaxBatchBytes != azuremonitor.DefaultBatchBytes || !c.Compress ||
		c.Auth.AuthorityHost != azuremonitor.DefaultAuthorityHost || c.Schema != "ocsf" {
		t.Errorf("azure_monitor_logs config %+v", c)
	}

	_, err = decodeValidated(t, `
- name: sentinel
  type: azure_monitor_logs
  endpoint: http://dce.example
  rule_id: my-dcr
  auth: {method: client_secret, tenant_id: t, client_id: c, authority_hostname: x}
`)
	for _, want := range []string{"sinks[0].auth.authority_hostname"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("unknown key: error %v does not name %s", err, want)
		}
	}
	_, err = decodeValidated(t, `
- name: sentinel
  type: azure_monitor_logs
  endpoint: http://dce.example
  rule_id: my-dcr
  auth: {method: client_secret, tenant_id: t, client_id: c}
`)
	for _, want := range []string{"sinks[0].endpoint", "sinks[0].rule_id", "sinks[0].auth.client_id", "sinks[0].auth.client_secret_file"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not name %s", err, want)
		}
	}
}
