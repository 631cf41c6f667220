package systemd

import (
	"debug/buildinfo"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// wantFiles is a package's whole content: path → mode, all owned by root.
// docs/ ships as the tree it is in the repository (the README links into
// it), every file of it; LICENSE beside the README (the .rpm's %license),
// and in the .deb Debian's copyright file too.
func wantFiles(t *testing.T, packager string) map[string]os.FileMode {
	t.Helper()
	const doc = "/usr/share/doc/ghsec-exporter/"
	want := map[string]os.FileMode{
		"/usr/bin/ghsec-exporter":                    0o755,
		"/lib/systemd/system/ghsec-exporter.service": 0o644,
		"/etc/ghsec-exporter":                        os.ModeDir | 0o755,
		"/etc/ghsec-exporter/config.yaml":            0o644,
		doc + "README.md":                            0o644,
		doc + "config.example.yaml":                  0o644,
		doc + "LICENSE":                              0o644,
		doc + "THIRD_PARTY_LICENSES":                 0o644,
	}
	if packager == "deb" {
		want[doc+"copyright"] = 0o644
	}
	err := filepath.WalkDir("../docs", func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		want[doc+"docs/"+filepath.ToSlash(strings.TrimPrefix(p, "../docs/"))] = 0o644
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return want
}

// The .deb installed with dpkg into a throwaway root (never this machine's):
// every file with its mode and owner, the conffile registered, and the
// installed binary runs and prints the stamped version.
func TestDeb_InstallsIntoThrowawayRoot(t *testing.T) {
	need(t, "dpkg")
	needPackages(t)
	if got := strings.TrimSpace(run(t, "dpkg-deb", "-f", debPath, "Depends")); got != "procps" {
		t.Errorf("Depends %q, want procps (/bin/kill for ExecReload=)", got)
	}
	for field, want := range map[string]string{"Maintainer": pkgMaintainer, "Homepage": homepage} {
		if got := strings.TrimSpace(run(t, "dpkg-deb", "-f", debPath, field)); got != want {
			t.Errorf("%s %q, want %q", field, got, want)
		}
	}
	// owners from the archive listing: extraction keeps them only as root
	listing := run(t, "dpkg-deb", "-c", debPath)
	for _, l := range strings.Split(strings.TrimSpace(listing), "\n") {
		if f := strings.Fields(l); len(f) < 6 || f[1] != "root/root" {
			t.Errorf("not owned by root/root: %s", l)
		}
	}

	root := t.TempDir()
	for _, d := range []string{"var/lib/dpkg/info", "var/lib/dpkg/updates"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "var/lib/dpkg/status"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	// chrootless: the root has no shell for the maintainer script, which
	// sees DPKG_ROOT and leaves this machine's systemd alone; procps is
	// not in the empty root's package database
	run(t, "dpkg", "--root="+root, "--force-script-chrootless", "--force-depends", "--log=/dev/null", "-i", debPath)

	st := run(t, "dpkg-query", "--root="+root, "-W", "-f=${Version} ${Status}|${Conffiles}", "ghsec-exporter")
	if !strings.HasPrefix(st, pkgVersion+" install ok installed|") {
		t.Errorf("dpkg-query: %q", st)
	}
	if !regexp.MustCompile(`^\s*/etc/ghsec-exporter/config\.yaml [0-9a-f]{32}\s*$`).MatchString(strings.SplitN(st, "|", 2)[1]) {
		t.Errorf("conffiles %q, want exactly /etc/ghsec-exporter/config.yaml", st)
	}
	checkTree(t, root, wantFiles(t, "deb"))
	checkCopyright(t, filepath.Join(root, "usr/share/doc/ghsec-exporter/copyright"))
	checkThirdParty(t, filepath.Join(root, "usr/bin/ghsec-exporter"), filepath.Join(root, "usr/share/doc/ghsec-exporter/THIRD_PARTY_LICENSES"))
	checkDocLinks(t, filepath.Join(root, "usr/share/doc/ghsec-exporter"))

	example, _ := os.ReadFile("../config.example.yaml")
	if got, _ := os.ReadFile(filepath.Join(root, "etc/ghsec-exporter/config.yaml")); string(got) != string(example) {
		t.Error("/etc/ghsec-exporter/config.yaml is not config.example.yaml")
	}
	unit, _ := os.ReadFile("ghsec-exporter.service")
	if got, _ := os.ReadFile(filepath.Join(root, "lib/systemd/system/ghsec-exporter.service")); string(got) != string(unit) {
		t.Error("the packaged unit is not systemd/ghsec-exporter.service")
	}
	out := run(t, filepath.Join(root, "usr/bin/ghsec-exporter"), "version")
	if !regexp.MustCompile(`^ghsec-exporter ` + regexp.QuoteMeta(pkgVersion) + ` \(commit [0-9a-f]{12}(-dirty)?, built \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ, go`).MatchString(out) {
		t.Errorf("installed `ghsec-exporter version`: %q", out)
	}
}

// checkTree compares the files under root with wantFiles: the package
// paths and nothing else but the parent directories and dpkg's database.
func checkTree(t *testing.T, root string, wantFiles map[string]os.FileMode) {
	t.Helper()
	var extra []string
	_ = filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel := strings.TrimPrefix(p, root)
		if rel == "" || strings.HasPrefix(rel, "/var/lib/dpkg") || rel == "/var/lib" || rel == "/var" {
			return nil
		}
		want, ok := wantFiles[rel]
		switch {
		case !ok && fi.IsDir():
		case !ok:
			extra = append(extra, rel)
		case fi.Mode()&(os.ModeType|os.ModePerm) != want:
			t.Errorf("%s: mode %v, want %v", rel, fi.Mode(), want)
		}
		return nil
	})
	sort.Strings(extra)
	if len(extra) > 0 {
		t.Errorf("unexpected files: %q", extra)
	}
	for p := range wantFiles {
		if _, err := os.Lstat(filepath.Join(root, p)); err != nil {
			t.Errorf("missing %s", p)
		}
	}
}

// checkCopyright reads the .deb's copyright file: Debian's machine-readable
// format, every file Apache-2.0, and the licence paragraph LICENSE's text.
func checkCopyright(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	head, text, ok := strings.Cut(string(b), "\n\nLicense: Apache-2.0\n")
	if !ok {
		t.Fatalf("copyright has no stand-alone Apache-2.0 licence paragraph:\n%s", b)
	}
	for _, want := range []string{
		"Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n",
		"\nUpstream-Name: ghsec-exporter\n",
		"\nSource: " + homepage + "\n",
		"\n\nFiles: *\nCopyright: ",
		"\nLicense: Apache-2.0",
	} {
		if !strings.Contains(head, want) {
			t.Errorf("copyright lacks %q:\n%s", want, head)
		}
	}
	// continuation lines: one space in front, " ." for an empty line
	var lines []string
	for _, l := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		l = strings.TrimPrefix(l, " ")
		if l == "." {
			l = ""
		}
		lines = append(lines, l)
	}
	license, err := os.ReadFile("../LICENSE")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(lines, "\n"), strings.Trim(string(license), "\n"); got != want {
		t.Errorf("the copyright file's licence text is not LICENSE (%d bytes against %d)", len(got), len(want))
	}
}

// checkThirdParty reads the installed binary's build information: every
// module it links has a section in THIRD_PARTY_LICENSES, under its
// "Module: path@version" line, with a licence text in it.
func checkThirdParty(t *testing.T, bin, notices string) {
	t.Helper()
	info, err := buildinfo.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(notices)
	if err != nil {
		t.Fatal(err)
	}
	bodies := map[string]string{} // path@version → its text
	var module string
	for _, l := range strings.Split(string(b), "\n") {
		if m, ok := strings.CutPrefix(l, "Module: "); ok {
			module = m
			continue
		}
		if module != "" {
			bodies[module] += l + "\n"
		}
	}
	if len(info.Deps) == 0 {
		t.Fatal("the binary names no dependency modules")
	}
	licence := regexp.MustCompile(`(?i)licen[cs]e|permission is hereby granted|redistribution and use`)
	for _, d := range info.Deps {
		if d.Replace != nil {
			d = d.Replace
		}
		m := d.Path + "@" + d.Version
		body, ok := bodies[m]
		switch {
		case !ok:
			t.Errorf("THIRD_PARTY_LICENSES has no section for %s", m)
		case !licence.MatchString(body):
			t.Errorf("THIRD_PARTY_LICENSES: the section of %s holds no licence:\n%s", m, body)
		}
	}
	if len(bodies) != len(info.Deps) {
		t.Errorf("THIRD_PARTY_LICENSES has %d module sections, the binary links %d modules", len(bodies), len(info.Deps))
	}
}

// checkDocLinks follows every relative link of the installed Markdown files:
// each must name a file of the installed documentation, as it does in the
// repository. Links into content/ are left out: the SIEM content ships as
// its own Splunk add-on and is not part of the packages.
func checkDocLinks(t *testing.T, docRoot string) {
	t.Helper()
	link := regexp.MustCompile(`\]\(([^)\s#]+)(#[^)]*)?\)`)
	n := 0
	_ = filepath.WalkDir(docRoot, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".md") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, m := range link.FindAllStringSubmatch(string(b), -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			abs := filepath.Join(filepath.Dir(p), target)
			rel, _ := filepath.Rel(docRoot, abs)
			if strings.HasPrefix(rel, "content/") {
				continue
			}
			n++
			if _, err := os.Stat(abs); err != nil {
				t.Errorf("%s links to %s, which the package does not hold", strings.TrimPrefix(p, docRoot+"/"), target)
			}
		}
		return nil
	})
	if n == 0 {
		t.Error("no relative link found in the installed documentation")
	}
}

// The .rpm holds the same files with the same modes and owners, the config
// as %config(noreplace).
func TestRPM_Contents(t *testing.T) {
	need(t, "rpm")
	needPackages(t)
	if got := run(t, "rpm", "-qp", "--qf", "%{NAME} %{VERSION} %{RELEASE}", rpmPath); got != "ghsec-exporter "+pkgVersion+" 1" {
		t.Errorf("rpm name/version: %q", got)
	}
	wantFiles := wantFiles(t, "rpm")
	// --dump: path size mtime digest mode owner group isconfig isdoc rdev symlink
	seen := map[string]bool{}
	for _, l := range strings.Split(strings.TrimSpace(run(t, "rpm", "-qp", "--dump", rpmPath)), "\n") {
		f := strings.Fields(l)
		if len(f) < 9 {
			t.Fatalf("rpm --dump line %q", l)
		}
		want, ok := wantFiles[f[0]]
		if !ok {
			t.Errorf("unexpected file %s", f[0])
			continue
		}
		seen[f[0]] = true
		wantMode := fmt.Sprintf("0100%o", want.Perm())
		if want.IsDir() {
			wantMode = fmt.Sprintf("040%o", want.Perm())
		}
		if f[4] != wantMode || f[5] != "root" || f[6] != "root" {
			t.Errorf("%s: mode %s owner %s:%s, want %s root:root", f[0], f[4], f[5], f[6], wantMode)
		}
		if isConfig := f[7] == "1"; isConfig != (f[0] == "/etc/ghsec-exporter/config.yaml") {
			t.Errorf("%s: isconfig %s", f[0], f[7])
		}
	}
	if len(seen) != len(wantFiles) {
		t.Errorf("rpm holds %d of the %d files", len(seen), len(wantFiles))
	}
	flags := run(t, "rpm", "-qp", "--qf", "[%{FILENAMES} %{FILEFLAGS:fflags}\n]", rpmPath)
	if !strings.Contains(flags, "/etc/ghsec-exporter/config.yaml cn") {
		t.Errorf("config.yaml is not %%config(noreplace):\n%s", flags)
	}
	if !strings.Contains(flags, "/usr/share/doc/ghsec-exporter/LICENSE l") {
		t.Errorf("LICENSE is not %%license:\n%s", flags)
	}
	if got := run(t, "rpm", "-qp", "--qf", "%{LICENSE}|%{URL}|%{PACKAGER}", rpmPath); got != "Apache-2.0|"+homepage+"|"+pkgMaintainer {
		t.Errorf("rpm license|url|packager %q, want %q", got, "Apache-2.0|"+homepage+"|"+pkgMaintainer)
	}
	if got := strings.TrimSpace(run(t, "rpm", "-qp", "--requires", rpmPath)); !strings.Contains(got, "util-linux") {
		t.Errorf("requires %q, want util-linux (/bin/kill for ExecReload=)", got)
	}
}

// scripts/package.sh also builds the Splunk add-on beside the packages (its
// contents are checked by the tests in content/, which run the same step
// alone).
func TestPackageScript_BuildsSplunkApp(t *testing.T) {
	need(t, "tar")
	needPackages(t)
	p := filepath.Join(dist, "TA-ghsec-exporter-"+pkgVersion+".tgz")
	if fi, err := os.Stat(p); err != nil || fi.Size() == 0 {
		t.Errorf("scripts/package.sh did not build %s: %v", p, err)
	}
}
