package testtools

import (
	"fmt"
	"os"
	"path/filepath"
)

// Reference is the directory of the shared public reference material
// (GitHub's audit-log samples, the ECS and OCSF definitions, detection
// rules): ../shared/reference beside the module root, the directory
// holding go.mod above the one the test runs in. The setup script does not
// install it; the tests that read it fail, never skip, without it.
func Reference() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return filepath.Join(d, "..", "shared", "reference"), nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no go.mod above %s", wd)
		}
	}
}
