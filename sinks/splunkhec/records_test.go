package splunkhec

import (
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/sinkbench"
)

// testRecords returns n realistic records (sinkbench.Record 0..n-1):
// mostly alert transitions of the three kinds, every fifth an audit-log
// entry, each a second apart.
func testRecords(n int) []exporter.Record { return sinkbench.Records(0, n) }

// tokenFile writes token to a file and returns the path.
func tokenFile(t testing.TB, token string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "hec-token")
	if err := os.WriteFile(p, []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// testDeps returns SinkDeps logging to the test log.
func testDeps(t testing.TB) exporter.SinkDeps {
	return exporter.SinkDeps{Name: "hec", Logger: slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug})), Version: "test", Now: time.Now}
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}
