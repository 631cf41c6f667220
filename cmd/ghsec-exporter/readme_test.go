package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"
)

// readmeSection is the text of the README section under heading (a whole
// "## …" line), up to the next heading of its level or above.
func readmeSection(t *testing.T, readme, heading string) string {
	t.Helper()
	i := strings.Index(readme, "\n"+heading+"\n")
	if i < 0 {
		t.Fatalf("README has no section %q", heading)
	}
	s := readme[i+len(heading)+2:]
	if j := strings.Index(s, "\n## "); j >= 0 {
		s = s[:j]
	}
	return s
}

// shellLines are the lines of the ```sh blocks of s, comments cut, blank
// and continuation-only lines left out.
func shellLines(s string) []string {
	var out []string
	for _, b := range regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(s, -1) {
		for _, l := range strings.Split(b[1], "\n") {
			if i := strings.Index(l, "#"); i >= 0 {
				l = l[:i]
			}
			if l = strings.TrimSpace(l); l != "" {
				out = append(out, l)
			}
		}
	}
	return out
}

// The README's first screen says what the project is, gives the two
// commands (exactly two) and where to go next.
func TestREADME_FirstScreen(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	lines := strings.Split(readme, "\n")
	first := strings.Join(lines[:min(40, len(lines))], "\n")
	for _, want := range []string{"# ghsec-exporter\n", "is a small Go daemon", "\n## Two commands\n", "\nNext: "} {
		if !strings.Contains(first, want) {
			t.Errorf("the first 40 lines lack %q:\n%s", want, first)
		}
	}
	two := readmeSection(t, readme, "## Two commands")
	if got, want := shellLines(two), []string{"go run ./cmd/ghsec-exporter demo", "./scripts/test.sh"}; strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("the two commands are %q, want %q", got, want)
	}
	if !strings.Contains(first, "```sh\ngo run ./cmd/ghsec-exporter demo") {
		t.Errorf("the two commands are not on the first screen:\n%s", first)
	}
}

// "From any directory" means a binary: one build step in the repository,
// then the commands init's own hint prints, never `go run ./cmd/…`.
func TestREADME_RealGitHubRunsTheBinary(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	real := readmeSection(t, string(b), "## Against real GitHub, from any directory")
	if strings.Contains(real, "go run ./cmd") {
		t.Errorf("`go run ./cmd/…` works only in the repository:\n%s", real)
	}
	cmds := shellLines(real)
	if len(cmds) == 0 || cmds[0] != "go install ./cmd/ghsec-exporter" {
		t.Fatalf("the section does not start with one build step: %q", cmds)
	}
	for _, c := range cmds[1:] {
		if strings.Contains(c, "./cmd/") {
			t.Errorf("a second build step: %q", c)
		}
	}

	// init's hint, as a user sees it after `ghsec-exporter init`
	dir := t.TempDir()
	out := filepath.Join(dir, "ghsec-exporter.yaml")
	code, hint, stderr := runCLI("init", "-org", "acme", "-out", out)
	if code != 0 {
		t.Fatalf("init exited %d: %s", code, stderr)
	}
	hint = strings.ReplaceAll(hint, out, "ghsec-exporter.yaml")
	for _, l := range strings.Split(hint, "\n") {
		if l = strings.TrimSpace(l); strings.HasPrefix(l, "ghsec-exporter ") && !slices.Contains(cmds, l) {
			t.Errorf("init's hint says %q, the README's commands are %q", l, cmds)
		}
	}
	if !slices.Contains(cmds, "ghsec-exporter init -org acme") {
		t.Errorf("no `ghsec-exporter init -org acme` among %q", cmds)
	}
}

// Every relative link of the README and docs/ (and the Sigma rules'
// README) names a file of the repository, and every #anchor a heading of
// the file it points into: sections moved between them keep their links.
func TestREADME_LinksResolve(t *testing.T) {
	files := []string{"../../README.md", "../../content/sigma/README.md"}
	docs, _ := filepath.Glob("../../docs/*.md")
	files = append(files, docs...)
	link := regexp.MustCompile(`\]\(([^)\s]+)\)`)
	checked := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		// code blocks hold no links, but may hold ](…) in examples
		text := regexp.MustCompile("(?s)```.*?```").ReplaceAllString(string(b), "")
		for _, m := range link.FindAllStringSubmatch(text, -1) {
			target, anchor, _ := strings.Cut(m[1], "#")
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			path := f
			if target != "" {
				path = filepath.Join(filepath.Dir(f), target)
			}
			checked++
			if _, err := os.Stat(path); err != nil {
				t.Errorf("%s links to %s, which does not exist", f, m[1])
				continue
			}
			if anchor != "" && !hasAnchor(t, path, anchor) {
				t.Errorf("%s links to %s: %s has no heading #%s", f, m[1], path, anchor)
			}
		}
	}
	if checked < 10 {
		t.Errorf("only %d relative links checked", checked)
	}
}

// hasAnchor reports whether the Markdown file has a heading whose GitHub
// anchor is anchor: lower case, punctuation dropped, spaces as hyphens.
func hasAnchor(t *testing.T, path, anchor string) bool {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		h := strings.TrimLeft(l, "#")
		if h == l || !strings.HasPrefix(h, " ") {
			continue
		}
		var slug strings.Builder
		for _, r := range strings.ToLower(strings.TrimSpace(h)) {
			switch {
			case r == ' ':
				slug.WriteRune('-')
			case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
				slug.WriteRune(r)
			}
		}
		if slug.String() == anchor {
			return true
		}
	}
	return false
}
