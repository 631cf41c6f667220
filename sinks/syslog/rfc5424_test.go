package syslog

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/format"
	"github.com/leodido/go-syslog/v4/rfc5424"
)

// builderRFC5424 is the formatter's former RFC 5424 path, kept as the
// reference: go-syslog's builder and String(), which escapes SD-PARAM
// values and sorts parameter names.
func builderRFC5424(f *formatter, dst []byte, rec *exporter.Record, body []byte) ([]byte, error) {
	m := &rfc5424.SyslogMessage{}
	m.SetPriority(f.pri(rec))
	m.SetVersion(1)
	t := eventTime(rec)
	m.Timestamp = &t
	m.Hostname = &f.hostname
	m.Appname = &f.appName
	m.ProcID = &f.procID
	msgID := headerToken(rec.Action, maxMsgID)
	m.MsgID = &msgID
	sd := map[string]map[string]string{f.sdID: builderSDParams(rec)}
	m.StructuredData = &sd
	msg := string(body)
	m.Message = &msg
	out, err := m.String()
	if err != nil {
		return dst, fmt.Errorf("build rfc5424 message for record %s: %w", rec.ID, err)
	}
	if len(out) <= f.max {
		return append(dst, out...), nil
	}
	if f.reject {
		return dst, fmt.Errorf("record %s: %w (%d > %d bytes)", rec.ID, errOversize, len(out), f.max)
	}
	room := f.max - (len(out) - len(msg)) - len(TruncationMarker)
	if room < 0 {
		m.StructuredData = nil
		if out, err = m.String(); err != nil {
			return dst, fmt.Errorf("build rfc5424 message for record %s: %w", rec.ID, err)
		}
		room = f.max - (len(out) - len(msg)) - len(TruncationMarker)
	}
	msg = cutUTF8(msg, room) + TruncationMarker
	m.Message = &msg
	if out, err = m.String(); err != nil {
		return dst, fmt.Errorf("build rfc5424 message for record %s: %w", rec.ID, err)
	}
	return append(dst, out...), nil
}

// builderSDParams are the ghsec SD element's parameters, sanitized and not
// yet escaped; empty ones are left out.
func builderSDParams(rec *exporter.Record) map[string]string {
	p := make(map[string]string, 10)
	set := func(k, v string) {
		if v != "" {
			p[k] = sdValue(v)
		}
	}
	set("id", rec.ID)
	set("category", string(rec.Category))
	set("source", string(rec.Source))
	set("action", rec.Action)
	set("org", rec.Org)
	set("enterprise", rec.Enterprise)
	set("repo", rec.Repo)
	set("actor", rec.Actor)
	if a := rec.Alert; a != nil {
		set("alertNumber", strconv.Itoa(a.Number))
		set("severity", a.Severity)
	}
	return p
}

func TestSDParamNames_Sorted(t *testing.T) {
	if !slices.IsSorted(sdParamNames) {
		t.Fatalf("appendSD must write parameters in byte order of their names (as go-syslog did): %v", sdParamNames)
	}
	rec := sampleRecords()["audit_secret_scanning_alert_resolve"]
	rec.Alert = &exporter.AlertInfo{Number: 1, Severity: "high"}
	f := testFormatter(t, nil)
	f.meta = &format.Meta{ID: rec.ID, Origin: rec.Origin, ObservedAt: rec.ObservedAt}
	sd := string(f.appendSD(nil, &rec))
	last := -1
	for _, name := range sdParamNames {
		i := strings.Index(sd, " "+name+`="`)
		if i < last {
			t.Errorf("%s out of order in %s", name, sd)
		}
		last = i
	}
}

// TestRFC5424_MatchesBuilder renders generated records, hostile ones
// included, under generated configs, and checks that the formatter's output
// is byte for byte what go-syslog's builder made of them, and that the
// strict parser reads back the same fields.
func TestRFC5424_MatchesBuilder(t *testing.T) {
	n := 5000
	if testing.Short() {
		n = 500
	}
	rng := rand.New(rand.NewPCG(13, 5424))
	seen := map[outcome]int{}
	for i := range n {
		cfg := genConfig(rng)
		rec := genRecord(rng)
		seen[checkRFC5424(t, cfg, genHostname(rng), &rec)]++
		if t.Failed() {
			t.Fatalf("case %d: config %+v, record %+v", i, cfg, rec)
		}
	}
	for o := range outcomes {
		if seen[o] == 0 {
			t.Errorf("no generated case was %s (seen %v): the generator misses a path", o, seen)
		}
	}
}

// outcome is which path of appendRFC5424 a message took.
type outcome int

const (
	whole outcome = iota
	rejected
	truncated
	sdDropped
	outcomes
)

func (o outcome) String() string {
	return [...]string{"whole", "rejected", "truncated", "sd-dropped"}[o]
}

// FuzzRFC5424_MatchesBuilder is TestRFC5424_MatchesBuilder with the fuzzer
// choosing the free-text fields, the alert number, the time and the limit.
func FuzzRFC5424_MatchesBuilder(f *testing.F) {
	n := nastyRecord()
	f.Add(n.Actor, n.Repo, n.Action, n.Org, n.Alert.Comment, "", 2, int64(0), uint16(0), false, false)
	f.Add(`a\"b\]`, strings.Repeat("]", 300), "-", "", "x", "exporter-host", -7, int64(1e18), uint16(100), true, false)
	f.Add("\xff\xfe", "\x00", "ü\x7f", "\r\n", strings.Repeat(`"`, 3000), strings.Repeat("h", 300), 0, int64(-1), uint16(1), false, true)
	f.Add("", "", "", "", "", "", 0, int64(0), uint16(0), true, true)
	f.Fuzz(func(t *testing.T, actor, repo, action, org, comment, host string, number int, nanos int64, size uint16, reject, cef bool) {
		cfg := DefaultConfig()
		cfg.MaxMessageSize = minMessageSize + int(size)
		if reject {
			cfg.Oversize = OversizeReject
		}
		if cef {
			cfg.Body = BodyCEF
		}
		rec := sampleRecords()["dependabot_dismissed"]
		rec.Alert.Number, rec.Alert.Comment = number, comment
		rec.Actor, rec.Repo, rec.Action, rec.Org, rec.ID = actor, repo, action, org, actor+repo
		// within the years a TIMESTAMP can carry
		rec.Time = time.Unix(0, 0).Add(time.Duration(nanos % int64(200*365*24*time.Hour)))
		checkRFC5424(t, cfg, host, &rec)
	})
}

// checkRFC5424 renders rec with the formatter and with builderRFC5424 and
// compares them, then parses the output strictly and compares its fields.
func checkRFC5424(t *testing.T, cfg Config, host string, rec *exporter.Record) outcome {
	t.Helper()
	cfg.Address = "127.0.0.1:514"
	if err := cfg.Validate(); err != nil {
		t.Fatalf("config: %v", err)
	}
	f, err := newFormatter(cfg, host, "4242", "1.2.3")
	if err != nil {
		t.Fatal(err)
	}
	body, err := f.renderBody(rec)
	if err != nil {
		t.Fatalf("render body: %v", err)
	}
	body = slices.Clone(body)
	got, gotErr := f.appendRFC5424([]byte("keep"), rec, body)
	want, wantErr := builderRFC5424(f, []byte("keep"), rec, body)
	if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
		t.Fatalf("error %v, builder's %v", gotErr, wantErr)
	}
	if string(got) != string(want) {
		t.Fatalf("output differs from the builder's:\n got %q\nwant %q", got, want)
	}
	if gotErr != nil {
		if string(got) != "keep" {
			t.Fatalf("dst changed on error: %q", got)
		}
		return rejected
	}
	msg := got[len("keep"):]
	p, err := rfc5424.NewParser().Parse(msg)
	if err != nil {
		t.Fatalf("strict RFC 5424 parser refuses %q: %v", msg, err)
	}
	m := p.(*rfc5424.SyslogMessage)
	nil2 := func(p *string) string {
		if p == nil {
			return "-" // the parser reads the NILVALUE as nil
		}
		return *p
	}
	if *m.Priority != f.pri(rec) || m.Version != 1 {
		t.Errorf("PRI %d VERSION %d, want %d 1", *m.Priority, m.Version, f.pri(rec))
	}
	if want := eventTime(rec).Truncate(time.Microsecond); m.Timestamp == nil || !m.Timestamp.Equal(want) {
		t.Errorf("TIMESTAMP %v, want %v", m.Timestamp, want)
	}
	if nil2(m.Hostname) != f.hostname || nil2(m.Appname) != f.appName || nil2(m.ProcID) != f.procID {
		t.Errorf("HOSTNAME %q APP-NAME %q PROCID %q, want %q %q %q",
			nil2(m.Hostname), nil2(m.Appname), nil2(m.ProcID), f.hostname, f.appName, f.procID)
	}
	if want := headerToken(rec.Action, maxMsgID); nil2(m.MsgID) != want {
		t.Errorf("MSGID %q, want %q", nil2(m.MsgID), want)
	}
	text := nil2(m.Message)
	cut := len(text) != len(body)
	switch {
	case !cut && text != string(body):
		t.Errorf("MSG %q, want %q", text, body)
	case cut && (!strings.HasSuffix(text, TruncationMarker) || !strings.HasPrefix(string(body), strings.TrimSuffix(text, TruncationMarker))):
		t.Errorf("truncated MSG %q is not a prefix of %q and the marker", text, body)
	}
	if len(msg) > f.max {
		t.Errorf("%d bytes, max_message_size %d", len(msg), f.max)
	}
	if m.StructuredData == nil {
		if !cut {
			t.Errorf("SD dropped from a message that was not cut")
		}
		return sdDropped
	}
	if sd := *m.StructuredData; !reflect.DeepEqual(sd, map[string]map[string]string{f.sdID: builderSDParams(rec)}) {
		t.Errorf("SD %v, want %v", sd, builderSDParams(rec))
	}
	if cut {
		return truncated
	}
	return whole
}
