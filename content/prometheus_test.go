package content

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/testtools"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/receivers"
)

// The alerting rules in prometheus/ are valid for Debian's Prometheus, and
// each fires on the series its unit tests give and not before
// (ghsec-exporter.rules.test.yml, run by promtool's own rule test runner).
func TestPrometheusRules_CheckAndUnitTests(t *testing.T) {
	promtool := testtools.NeedExec(t, receivers.PromtoolBin)
	for _, args := range [][]string{
		{"check", "rules", "ghsec-exporter.rules.yml"},
		{"test", "rules", "ghsec-exporter.rules.test.yml"},
	} {
		cmd := exec.Command(promtool, args...)
		cmd.Dir = "prometheus"
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "SUCCESS") {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}
