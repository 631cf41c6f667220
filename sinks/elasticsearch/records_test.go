package elasticsearch

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/format/formattest"
)

var observed = time.Date(2026, 1, 5, 9, 2, 0, 0, time.UTC)

// auditAndAlerts returns formattest's records: alerts of every source and
// GitHub audit entries.
func auditAndAlerts(t testing.TB) []exporter.Record {
	t.Helper()
	return formattest.Records(observed)
}

// writeFile writes a secret to a file and returns its path.
func writeFile(t testing.TB, secret string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(p, []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
