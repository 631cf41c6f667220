package syslog

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/leodido/go-syslog/v4/rfc5424"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// testFormatter returns a formatter for cfg's defaults changed by mut, with a
// fixed host name, procid and version so that output is reproducible.
func testFormatter(t testing.TB, mut func(*Config)) *formatter {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Address = "127.0.0.1:514"
	if mut != nil {
		mut(&cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("config: %v", err)
	}
	f, err := newFormatter(cfg, "exporter-host", "4242", "1.2.3")
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func render(t testing.TB, f *formatter, rec exporter.Record) string {
	t.Helper()
	b, err := f.appendMessage(nil, &rec)
	if err != nil {
		t.Fatalf("render %s: %v", rec.ID, err)
	}
	return string(b)
}

var variants = []struct {
	name string
	mut  func(*Config)
}{
	{"rfc5424_json", nil},
	{"rfc5424_cef", func(c *Config) { c.Body = BodyCEF }},
	{"rfc3164_json", func(c *Config) { c.Format = FormatRFC3164 }},
	{"rfc3164_cef", func(c *Config) { c.Format = FormatRFC3164; c.Body = BodyCEF }},
	{"rfc5424_json_overrides", func(c *Config) {
		c.Facility = "auth"
		c.AppName = "ghsec"
		c.SDID = "github@99999"
		c.Severity.High = "alert"
		c.Severity.Audit = "7"
	}},
}

// TestFormatter_Golden compares every sample record in every format with
// testdata/<variant>.golden; go test -run Golden -update rewrites them.
func TestFormatter_Golden(t *testing.T) {
	recs := sampleRecords()
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			f := testFormatter(t, v.mut)
			var got bytes.Buffer
			for _, name := range sampleNames {
				msg := render(t, f, recs[name])
				if strings.ContainsAny(msg, "\n\r") {
					t.Errorf("%s: message contains a line break, which breaks LF framing: %q", name, msg)
				}
				got.WriteString("== " + name + "\n" + msg + "\n")
			}
			path := filepath.Join("testdata", v.name+".golden")
			if *update {
				if err := os.WriteFile(path, got.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -run Golden -update)", err)
			}
			if !bytes.Equal(got.Bytes(), want) {
				t.Errorf("output differs from %s (run with -update after checking):\n--- got\n%s\n--- want\n%s", path, got.Bytes(), want)
			}
		})
	}
}

// TestFormatter_RFC5424_Parse parses what the formatter produces with
// go-syslog's RFC 5424 parser and checks every field.
func TestFormatter_RFC5424_Parse(t *testing.T) {
	f := testFormatter(t, nil)
	wantSev := map[string]uint8{
		"dependabot_dismissed": 3, "code_scanning_fixed": 2,
		"secret_scanning_push_protection_bypassed": 4, "audit_secret_scanning_alert_resolve": 5,
	}
	for _, name := range sampleNames {
		rec := sampleRecords()[name]
		t.Run(name, func(t *testing.T) {
			m := parse5424(t, render(t, f, rec))
			if *m.Priority != 16*8+wantSev[name] {
				t.Errorf("PRI = %d, want local0 (16) * 8 + %d", *m.Priority, wantSev[name])
			}
			if *m.Appname != "ghsec-exporter" || *m.Hostname != "exporter-host" || *m.ProcID != "4242" {
				t.Errorf("header app=%q host=%q procid=%q", *m.Appname, *m.Hostname, *m.ProcID)
			}
			if *m.MsgID != headerToken(rec.Action, 32) {
				t.Errorf("MSGID = %q, want %q", *m.MsgID, rec.Action)
			}
			if !m.Timestamp.Equal(rec.Time.Truncate(1000)) {
				t.Errorf("TIMESTAMP = %v, want %v", m.Timestamp, rec.Time)
			}
			sd := (*m.StructuredData)["ghsec@32473"]
			want := map[string]string{"id": rec.ID, "category": string(rec.Category), "source": string(rec.Source),
				"action": rec.Action, "org": rec.Org, "repo": rec.Repo}
			if rec.Actor != "" {
				want["actor"] = rec.Actor
			}
			if rec.Enterprise != "" {
				want["enterprise"] = rec.Enterprise
			}
			if rec.Alert != nil {
				want["alertNumber"] = strconv.Itoa(rec.Alert.Number)
				if rec.Alert.Severity != "" {
					want["severity"] = rec.Alert.Severity
				}
			}
			if !reflect.DeepEqual(sd, want) {
				t.Errorf("SD = %v\nwant %v", sd, want)
			}
			var back exporter.Record
			if err := json.Unmarshal([]byte(*m.Message), &back); err != nil {
				t.Fatalf("MSG is not the record's JSON: %v", err)
			}
			if !reflect.DeepEqual(normalize(t, back), normalize(t, rec)) {
				t.Errorf("MSG record differs:\n%s\n%s", normalize(t, back), normalize(t, rec))
			}
		})
	}
}

func parse5424(t testing.TB, s string) *rfc5424.SyslogMessage {
	t.Helper()
	msg, err := rfc5424.NewParser().Parse([]byte(s))
	if err != nil {
		t.Fatalf("go-syslog cannot parse %q: %v", s, err)
	}
	return msg.(*rfc5424.SyslogMessage)
}

func normalize(t testing.TB, r exporter.Record) string {
	t.Helper()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestFormatter_RFC3164(t *testing.T) {
	f := testFormatter(t, func(c *Config) { c.Format = FormatRFC3164 })
	rec := sampleRecords()["dependabot_dismissed"]
	got := render(t, f, rec)
	body, _ := json.Marshal(rec)
	want := "<131>May  1 14:21:07 exporter-host ghsec-exporter: "
	if !strings.HasPrefix(got, want) {
		t.Fatalf("got %q, want prefix %q", got, want)
	}
	if strings.TrimPrefix(got, want) != strings.ReplaceAll(string(body), `\u0026`, "&") {
		t.Errorf("body = %s", strings.TrimPrefix(got, want))
	}
}

func TestFormatter_Oversize(t *testing.T) {
	rec := sampleRecords()["dependabot_dismissed"]
	rec.Alert.Comment = strings.Repeat("é", 3000) // 6000 bytes, 2-byte runes: a cut may fall inside one
	for _, format := range []string{FormatRFC5424, FormatRFC3164} {
		t.Run(format+"/truncate", func(t *testing.T) {
			f := testFormatter(t, func(c *Config) { c.Format = format; c.Network = NetworkUDP; c.MaxMessageSize = 4001 })
			got := render(t, f, rec)
			if len(got) > 4001 || len(got) < 4001-4 {
				t.Errorf("len = %d, want just under 4001", len(got))
			}
			if !strings.HasSuffix(got, TruncationMarker) {
				t.Errorf("no truncation marker at the end: …%q", got[len(got)-40:])
			}
			if !validUTF8(got) {
				t.Errorf("truncated message is not valid UTF-8")
			}
			if format == FormatRFC5424 {
				m := parse5424(t, got)
				if (*m.StructuredData)["ghsec@32473"]["id"] != rec.ID {
					t.Errorf("SD lost in truncation: %v", *m.StructuredData)
				}
			}
		})
		t.Run(format+"/reject", func(t *testing.T) {
			f := testFormatter(t, func(c *Config) { c.Format = format; c.MaxMessageSize = 4000; c.Oversize = OversizeReject })
			out, err := f.appendMessage([]byte("keep"), &rec)
			if err == nil || !strings.Contains(err.Error(), errOversize.Error()) {
				t.Fatalf("err = %v, want %v", err, errOversize)
			}
			if string(out) != "keep" {
				t.Errorf("dst changed on error: %q", out)
			}
		})
	}
}

func validUTF8(s string) bool { return strings.ToValidUTF8(s, "\x00") == s }

func TestFormatter_BadRaw(t *testing.T) {
	f := testFormatter(t, nil)
	rec := sampleRecords()["code_scanning_fixed"]
	rec.Raw = json.RawMessage(`{not json`)
	if _, err := f.appendMessage(nil, &rec); err == nil {
		t.Fatal("a record with invalid raw JSON rendered without error")
	}
}

func TestSeverityMap_Of(t *testing.T) {
	c, err := DefaultSeverityMap().resolve()
	if err != nil {
		t.Fatal(err)
	}
	alert := func(sev string) *exporter.Record {
		return &exporter.Record{Category: exporter.CategoryAlert, Alert: &exporter.AlertInfo{Severity: sev}}
	}
	for _, tc := range []struct {
		rec  *exporter.Record
		want uint8
		cef  int
	}{
		{alert("critical"), 2, 10}, {alert("high"), 3, 8}, {alert("medium"), 4, 5},
		{alert("low"), 5, 3}, {alert("none"), 6, 1}, {alert(""), 4, 5}, {alert("bogus"), 4, 5},
		{&exporter.Record{Category: exporter.CategoryAudit}, 5, 3},
		{&exporter.Record{Category: exporter.CategoryAlert}, 4, 5},
	} {
		if got := c.of(tc.rec); got != tc.want {
			t.Errorf("%+v: severity %d, want %d", tc.rec.Alert, got, tc.want)
		}
		if got := cefSeverity(tc.rec); got != tc.cef {
			t.Errorf("%+v: CEF severity %d, want %d", tc.rec.Alert, got, tc.cef)
		}
	}
}
