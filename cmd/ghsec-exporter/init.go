package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/template"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
)

// listFlag collects a repeatable, comma-separable flag.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}

var starterConfig = template.Must(template.New("starter").Funcs(template.FuncMap{"join": func(v []string) string { return strings.Join(v, ", ") }}).Parse(`# Written by ghsec-exporter init. It runs from this directory, as is:
#
#   export GITHUB_TOKEN=...    # classic token: scopes security_events, read:org (read:audit_log for
#                              # the audit log); fine-grained/App: the alert kinds' read permissions
#   ghsec-exporter check -config {{.Path}}   # what works, and what the token lacks
#   ghsec-exporter once -config {{.Path}}    # one poll; records on stdout as JSON lines
#   ghsec-exporter run -config {{.Path}}     # keep polling (alerts every 5m, audit log every 1m)
#
# Every key, with its default: config.example.yaml in the source or /usr/share/doc/ghsec-exporter/.
github:
  # base_url: https://api.github.com/   # GHES: https://HOST/api/v3/
  # product is detected: GHES from its answers; on github.com an org's audit log is tried and
  # one warning says so if the org is not on Enterprise Cloud.
  token_env: GITHUB_TOKEN
{{- if .Orgs}}
  orgs: [{{join .Orgs}}]
{{- end}}
{{- if .Repos}}
  repos: [{{join .Repos}}]
{{- end}}
{{- if .Enterprises}}
  enterprises: [{{join .Enterprises}}]
{{- end}}
state:
  path: ./ghsec-exporter.state.db       # in this directory; remembers what was already exported
sinks:
  - name: stdout
    type: file
    path: "-"                           # stdout; a file name writes JSON lines there instead
`))

// cmdInit writes a starter config that works from the working directory:
// the token from $GITHUB_TOKEN, the state file beside it, records on stdout.
// It never overwrites a file unless -force is given.
func cmdInit(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("init", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var orgs, repos, ents listFlag
	fs.Var(&orgs, "org", "organization to poll (repeatable, or comma-separated)")
	fs.Var(&repos, "repo", "repository owner/name to poll (repeatable)")
	fs.Var(&ents, "enterprise", "enterprise slug to poll (repeatable)")
	out := fs.String("out", "ghsec-exporter.yaml", "file to write")
	force := fs.Bool("force", false, "overwrite an existing file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if len(orgs)+len(repos)+len(ents) == 0 {
		return errors.New("name what to poll: -org NAME, -repo OWNER/NAME or -enterprise SLUG")
	}
	var b bytes.Buffer
	err := starterConfig.Execute(&b, map[string]any{"Path": *out, "Orgs": orgs, "Repos": repos, "Enterprises": ents})
	if err != nil {
		return err
	}
	// the same validation as check-config, so a bad name fails here, naming its field
	if _, err := config.Decode(bytes.NewReader(b.Bytes())); err != nil {
		return err
	}
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if *force {
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	f, err := os.OpenFile(*out, flags, 0o644)
	if errors.Is(err, os.ErrExist) {
		return fmt.Errorf("%s exists; not overwritten (use -force, or -out another file)", *out)
	}
	if err != nil {
		return fmt.Errorf("write starter config: %w", err)
	}
	if _, err := f.Write(b.Bytes()); err != nil {
		f.Close()
		return fmt.Errorf("write starter config %s: %w", *out, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write starter config %s: %w", *out, err)
	}
	fmt.Fprintf(stdout, "wrote %s. Next:\n  export GITHUB_TOKEN=...\n  ghsec-exporter check -config %s\n  ghsec-exporter once -config %s\n", *out, *out, *out)
	return nil
}
