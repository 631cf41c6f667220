package packaging

import (
	"os/exec"
	"regexp"
	"testing"
)

// exposureRe reads systemd-analyze security's verdict line.
var exposureRe = regexp.MustCompile(`Overall exposure level for ghsec-exporter\.service: (\d+\.\d+)`)

// The unit's sandbox, as systemd-analyze rates it from the file alone:
// exposure at most 1.5 (--threshold is in tenths).
func TestUnit_SecurityExposureAtMost1_5(t *testing.T) {
	sa := need(t, "systemd-analyze")
	out, err := exec.Command(sa, "security", "--offline=yes", "--threshold=15", "../systemd/ghsec-exporter.service").CombinedOutput()
	m := exposureRe.FindSubmatch(out)
	if m == nil {
		t.Fatalf("systemd-analyze security: %v\n%s", err, out)
	}
	t.Logf("systemd-analyze security --offline=yes: exposure %s", m[1])
	if err != nil {
		t.Fatalf("exposure %s is over 1.5: %v\n%s", m[1], err, out)
	}
}
