package syslog

import (
	"os"
	"strings"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
	"go.yaml.in/yaml/v3"
)

// TestDocsExamples decodes every YAML example in docs/syslog.md strictly
// and validates it; only the example's TLS files may be missing.
func TestDocsExamples(t *testing.T) {
	doc, err := os.ReadFile("../../docs/syslog.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := strings.Split(string(doc), "```yaml\n")[1:]
	if len(blocks) < 3 {
		t.Fatalf("found %d yaml examples, want 3", len(blocks))
	}
	for i, b := range blocks {
		b = b[:strings.Index(b, "```")]
		var file struct {
			Sinks []config.SinkEntry `yaml:"sinks"`
		}
		if err := yaml.Unmarshal([]byte(b), &file); err != nil {
			t.Fatalf("example %d: %v", i, err)
		}
		for _, e := range file.Sinks {
			if e.Type != "syslog" {
				t.Fatalf("example %d: type %q", i, e.Type)
			}
			cfg := DefaultConfig()
			if err := config.StrictDecode(e.Body, &cfg); err != nil {
				t.Fatalf("example %d (%s): %v", i, e.Name, err)
			}
			// Validate reads no file, so the examples' paths need not exist
			if err := cfg.Validate(); err != nil {
				t.Errorf("example %d: %v", i, err)
			}
		}
	}
}
