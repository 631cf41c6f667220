package systemd

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// The packages the tests inspect, built once, by the first test that asks.
var (
	buildOnce        sync.Once
	dist             string
	debPath, rpmPath string
	buildErr         error
)

// pkgVersion is stamped into the test build, to check `version` prints it.
const pkgVersion = "9.8.7"

// pkgMaintainer is the MAINTAINER the test build names (package.sh's default
// is the builder's git identity, which differs from machine to machine).
const pkgMaintainer = "Package Test <package-test@example.org>"

// homepage is the project's repository, the packages' Homepage/URL.
const homepage = "https://github.com/ghsec-exporter/ghsec-exporter"

func TestMain(m *testing.M) {
	code := m.Run()
	if dist != "" {
		os.RemoveAll(dist)
	}
	os.Exit(code)
}

func buildPackages(dist string) (deb, rpm string, err error) {
	cmd := exec.Command("bash", "../scripts/package.sh")
	cmd.Env = append(os.Environ(), "DIST="+dist, "VERSION="+pkgVersion, "MAINTAINER="+pkgMaintainer)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", "", fmt.Errorf("scripts/package.sh: %v\n%s", err, out)
	}
	debs, _ := filepath.Glob(filepath.Join(dist, "ghsec-exporter_"+pkgVersion+"_*.deb"))
	rpms, _ := filepath.Glob(filepath.Join(dist, "ghsec-exporter-"+pkgVersion+"-1.*.rpm"))
	if len(debs) != 1 || len(rpms) != 1 {
		return "", "", fmt.Errorf("scripts/package.sh made %q and %q, want one .deb and one .rpm", debs, rpms)
	}
	return debs[0], rpms[0], nil
}

// needPackages builds the packages on first use and stops the test when
// that failed.
func needPackages(t *testing.T) {
	t.Helper()
	buildOnce.Do(func() {
		if dist, buildErr = os.MkdirTemp("", "ghsec-dist-"); buildErr == nil {
			debPath, rpmPath, buildErr = buildPackages(dist)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
}

// need finds a tool a test runs; a missing one skips the test on a developer
// machine and fails it under CI=true (scripts/setup-test-deps.sh installs it).
func need(t *testing.T, tool string) string {
	t.Helper()
	p, err := exec.LookPath(tool)
	if err != nil {
		missing(t, "%s not found (scripts/deps/apt-packages.txt installs it)", tool)
	}
	return p
}

func missing(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf(format, args...)
	}
	t.Skipf(format, args...)
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %q: %v\n%s", name, args, err, out)
	}
	return string(out)
}
