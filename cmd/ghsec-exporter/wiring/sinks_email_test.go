package wiring

import (
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/delivery"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/email"
	"github.com/ghsec-exporter/ghsec-exporter/state"
)

func decodeEntries(t *testing.T, doc string) []config.SinkEntry {
	t.Helper()
	var entries []config.SinkEntry
	if err := yaml.Unmarshal([]byte(doc), &entries); err != nil {
		t.Fatal(err)
	}
	return entries
}

func TestDecode_Email(t *testing.T) {
	entries := decodeEntries(t, `
- name: security-team
  type: email
  host: smtp.example.com
  port: 587
  tls: starttls
  from: ghsec@example.com
  to: [security@example.com]
  digest_schedule: "0 8 * * 1-5"
  immediate_actions: [push_protection_bypassed]
  immediate_delay: 45s
`)
	v, err := Decode(entries)
	if err != nil {
		t.Fatal(err)
	}
	cfg := v[0].Config.(email.Config)
	if cfg.ImmediateDelay.D().Seconds() != 45 || cfg.Subject != email.DefaultSubject || cfg.Timezone != "UTC" {
		t.Errorf("decoded config = %+v", cfg)
	}
	db, err := state.Open(filepath.Join(t.TempDir(), "state.db"), state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rs, err := Resolve(v)
	if err != nil {
		t.Fatal(err)
	}
	s, err := rs[0].Build(exporter.SinkDeps{Name: v[0].Name, Logger: slog.New(slog.DiscardHandler), Version: "test", Store: db, Now: time.Now, Attempts: &delivery.Retrier{}})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.(exporter.Runner); !ok {
		t.Error("email sink does not implement exporter.Runner")
	}
}

func TestDecode_EmailErrorsNameFields(t *testing.T) {
	for _, tt := range []struct{ doc, want string }{
		{"- {name: m, type: email, host: smtp.example.com, from: a@example.com, to: [b@example.com], tls: none}", "sinks[0].tls"},
		{"- {name: m, type: email, host: smtp.example.com, from: a@example.com, to: [b@example.com], digest_schedule: 'every day'}", "sinks[0].digest_schedule"},
		{"- {name: m, type: email, host: smtp.example.com, from: a@example.com, to: [b@example.com], passwrd_file: /x}", "sinks[0].passwrd_file"},
		{"- {name: m, type: email, host: smtp.example.com, from: a@example.com, to: [b@example.com, bad]}", "sinks[0].to[1]"},
	} {
		_, err := Decode(decodeEntries(t, tt.doc))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Decode(%s) = %v, want an error naming %s", tt.doc, err, tt.want)
		}
	}
}
