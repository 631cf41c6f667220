package content

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/recordjson"
)

// A record read from a file by a forwarder gets its own `time` as the
// event's time: TIME_PREFIX finds the record's time and TIME_FORMAT reads
// it, whether it has no fraction of a second or up to nine digits.
func TestProps_TimeIsTheRecordsTime(t *testing.T) {
	a := loadAddon(t)
	strptime := strings.NewReplacer("%Y", "2006", "%m", "01", "%d", "02", "%H", "15", "%M", "04", "%S", "05")
	for _, s := range a.props.Stanzas {
		prefix, err := regexp.Compile(s.Vals["TIME_PREFIX"])
		if err != nil {
			t.Fatalf("[%s] TIME_PREFIX: %v", s.Name, err)
		}
		layout := strptime.Replace(s.Vals["TIME_FORMAT"])
		if strings.Contains(layout, "%") {
			t.Fatalf("[%s] TIME_FORMAT %q has directives the test does not know", s.Name, s.Vals["TIME_FORMAT"])
		}
		lookahead, _ := strconv.Atoi(s.Vals["MAX_TIMESTAMP_LOOKAHEAD"])
		if lookahead < len(layout) {
			t.Errorf("[%s] MAX_TIMESTAMP_LOOKAHEAD %d is shorter than the time", s.Name, lookahead)
		}
		for _, at := range []time.Time{
			time.Date(2026, 1, 5, 9, 0, 7, 0, time.UTC),
			time.Date(2026, 1, 5, 9, 0, 7, 123e6, time.UTC),
			time.Date(2026, 1, 5, 9, 0, 7, 123456789, time.UTC),
		} {
			r := exporter.Record{Schema: 1, ID: strings.Repeat("a", 32), Time: at, ObservedAt: at.Add(time.Hour),
				Category: exporter.CategoryAudit, Source: exporter.SourceAuditLog, Action: "repo.create", Origin: exporter.OriginPoll,
				Audit: &exporter.AuditInfo{Action: "repo.create", DocumentID: "d", Entry: []byte(`{"time":"1999-01-01T00:00:00Z"}`)}}
			raw, err := recordjson.MarshalRecord(&r)
			if err != nil {
				t.Fatal(err)
			}
			loc := prefix.FindIndex(raw)
			if loc == nil {
				t.Fatalf("[%s] TIME_PREFIX finds nothing in %s", s.Name, raw)
			}
			rest := string(raw[loc[1]:])
			got, err := time.ParseInLocation(layout, rest[:len(layout)], time.UTC)
			if err != nil || !got.Equal(at.Truncate(time.Second)) {
				t.Errorf("[%s] time %v (%v) from %s, want %v", s.Name, got, err, raw, at.Truncate(time.Second))
			}
		}
	}
}

// scripts/packaging/splunk-app.sh (the step of scripts/package.sh that
// builds the add-on) makes an archive Splunk installs: the app directory at
// the top holding exactly the add-on's files, byte for byte, owned by root,
// files 0644 and directories 0755, and app.conf's versions set.
func TestSplunkApp_Archive(t *testing.T) {
	dist := t.TempDir()
	const version = "9.8.7"
	cmd := exec.Command("bash", "../scripts/packaging/splunk-app.sh")
	cmd.Env = append(os.Environ(), "DIST="+dist, "VERSION="+version)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("splunk-app.sh: %v\n%s", err, out)
	}
	f, err := os.Open(filepath.Join(dist, "TA-ghsec-exporter-"+version+".tgz"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]byte{}
	if err := filepath.WalkDir(appDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel := "TA-ghsec-exporter/" + strings.TrimPrefix(strings.TrimPrefix(p, appDir), "/")
		if d.IsDir() {
			want[strings.TrimSuffix(rel, "/")+"/"] = nil
			return nil
		}
		b, err := os.ReadFile(p)
		want[rel] = b
		return err
	}); err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	seen := 0
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		name := h.Name
		if h.Typeflag == tar.TypeDir {
			name = strings.TrimSuffix(name, "/") + "/"
		}
		exp, ok := want[name]
		if !ok {
			t.Errorf("unexpected %s in the archive", h.Name)
			continue
		}
		seen++
		wantMode := int64(0o644)
		if h.Typeflag == tar.TypeDir {
			wantMode = 0o755
		} else if h.Typeflag != tar.TypeReg {
			t.Errorf("%s: type %c", h.Name, h.Typeflag)
		}
		if h.Mode&0o7777 != wantMode || h.Uid != 0 || h.Gid != 0 {
			t.Errorf("%s: mode %o uid %d gid %d, want %o root", h.Name, h.Mode, h.Uid, h.Gid, wantMode)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		got, _ := io.ReadAll(tr)
		if strings.HasSuffix(name, "default/app.conf") {
			exp = bytes.ReplaceAll(exp, []byte("version = 0.0.0\n"), []byte("version = "+version+"\n"))
			if bytes.Count(got, []byte("version = "+version+"\n")) != 2 {
				t.Errorf("app.conf in the archive:\n%s", got)
			}
		}
		if !bytes.Equal(got, exp) {
			t.Errorf("%s in the archive differs from %s", h.Name, filepath.Join(appDir, strings.TrimPrefix(name, "TA-ghsec-exporter/")))
		}
	}
	if seen != len(want) {
		t.Errorf("the archive holds %d of the add-on's %d files and directories", seen, len(want))
	}
}
