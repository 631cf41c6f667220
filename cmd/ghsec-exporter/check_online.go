package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/cmd/ghsec-exporter/wiring"
	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/daemon"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghapi"
	"github.com/ghsec-exporter/ghsec-exporter/state"
)

// checkRow is one line of the `check` table; a row with a Fix is a problem.
type checkRow struct {
	Target, Check, Result, Fix string
}

// checkWarning is something `check` had to assume: said, but no failure.
type checkWarning struct {
	Target, Check, Warn string
	// key is the warning's cause as a Fix would name it: when a problem has
	// that fix, the warning is one more target of it, not a line of its own.
	key string
}

// cmdCheck is the online check: it asks GitHub for one item of every list
// and audit log the config names and proves every sink can deliver, prints
// one table, then one line per problem saying what to do. It fails when
// anything configured cannot work.
func cmdCheck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	_, path, err := configFlag("check", args, stderr, nil)
	if err != nil {
		return err
	}
	l, err := loadChecked(*path)
	if err != nil {
		return err
	}
	cfg := l.Config
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	quiet := slog.New(slog.DiscardHandler)
	var rows []checkRow
	gh, err := daemon.NewGitHubClient(cfg, l.secrets, quiet, version)
	if err != nil {
		return err
	}
	header, ghRows, warns := checkGitHub(ctx, cfg, gh)
	rows = append(rows, ghRows...)
	sinkRows, err := checkSinks(ctx, l.sinks, quiet)
	if err != nil {
		return err
	}
	rows = append(rows, sinkRows...)
	rows = append(rows, checkWebhook(ctx, cfg, l.secrets, gh)...)
	fmt.Fprintln(stdout, header)
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TARGET\tCHECK\tRESULT")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", r.Target, r.Check, r.Result)
	}
	_ = tw.Flush()
	problems, warnings := groupProblems(rows, warns)
	if len(warnings) > 0 {
		fmt.Fprintf(stdout, "\n%d warning(s):\n", len(warnings))
		for _, w := range warnings {
			fmt.Fprintf(stdout, "- %s %s: %s\n", w.Target, w.Check, w.Warn)
		}
	}
	if len(problems) == 0 {
		fmt.Fprintln(stdout, "everything configured works")
		return nil
	}
	fmt.Fprintf(stdout, "\n%d problem(s):\n", len(problems))
	for _, p := range problems {
		fmt.Fprintf(stdout, "- %s\n", p)
	}
	return fmt.Errorf("%d problem(s) found; see above", len(problems))
}

// checkGitHub settles the product as the daemon would and probes every
// (scope, kind) and audit log.
func checkGitHub(ctx context.Context, cfg *config.Config, gh *ghapi.Client) (string, []checkRow, []checkWarning) {
	g := cfg.GitHub
	header := "GitHub " + g.BaseURL + ": "
	var rows []checkRow
	var warns []checkWarning
	product := g.Product
	d, err := gh.Detect(ctx)
	switch {
	case err != nil && product != "":
		// the config says which product: detection would only have
		// confirmed it (or filled ghes_version)
		header += "product " + product + " (github.product; GET /meta unanswered: " + metaCause(err, product).Result + ")"
	case err != nil:
		product = d.Acting("")
		header += "product not detected: acting as " + product + ", every list and audit log tried"
		row, warn := metaRow(err, product)
		rows, warns = append(rows, row), append(warns, warn)
	case product != "":
		header += "product " + product + " (github.product; GitHub's answer: " + d.Evidence + ")"
	case d.Product == "":
		product = d.Acting("")
		header += "product undecided (" + d.Evidence + "): every list and audit log tried"
	case d.Product == ghapi.ProductDotcom:
		product = d.Acting("")
		header += "github.com (detected: " + d.Evidence + "): enterprise scopes are GHEC; each org's audit-log answer says whether it is on GHEC"
	default:
		product = d.Acting("")
		header += "product " + product + " (detected: " + d.Evidence + ")"
	}
	version := g.GHESVersion
	if version == "" {
		version = d.GHESVersion
	}
	gh.SetProduct(product, version)
	switch {
	case product == ghapi.ProductGHES && version != "":
		header += ", GHES " + version
	case product == ghapi.ProductGHES:
		header += ", GHES release unknown (the newest assumed; github.ghes_version sets it)"
	}
	if v := gh.APIVersion(); v != ghapi.DefaultAPIVersion {
		header += ", REST API " + v
	}
	if ok, first := ghapi.ServedBy(gh.APIVersion(), product, version); !ok {
		rows = append(rows, checkRow{"github", "api_version", fmt.Sprintf("GHES %s does not serve REST API version %s (from GHES %s on)", version, gh.APIVersion(), first),
			"set github.api_version to " + ghapi.DefaultAPIVersion + " (or leave it out), or upgrade GHES to " + first})
	}
	var last ghapi.Probe
	probe := func(s ghapi.Scope, kind string, p ghapi.Probe) {
		rows = append(rows, probeRow(s, kind, p, product))
		if p.Limit > 0 {
			last = p
		}
	}
	generic := g.SecretScanning.GenericTypes.List()
	for _, s := range daemon.Scopes(g) {
		for _, src := range exporter.AlertSources {
			if !ghapi.Supported(product, s.Kind, src) {
				rows = append(rows, checkRow{s.String(), string(src), "not offered on " + product,
					"remove " + s.String() + " or fix github.product: " + product + " has no " + string(src) + " list at " + string(s.Kind) + " level"})
				continue
			}
			probe(s, string(src), gh.ProbeAlerts(ctx, s, src))
			if src == exporter.SourceSecretScanning && len(generic) > 0 {
				// the second listing: GitHub returns generic patterns only when named
				probe(s, string(src)+" (generic)", gh.ProbeSecretTypes(ctx, s, generic))
			}
		}
		if s.Kind == ghapi.ScopeRepo {
			continue
		}
		if product == ghapi.ProductDotcom {
			rows = append(rows, checkRow{s.String(), "audit_log", "not polled (github.product: dotcom)", ""})
			continue
		}
		probe(s, "audit_log", gh.ProbeAudit(ctx, s))
	}
	if last.Limit > 0 {
		rows = append(rows, checkRow{"github", "rate limit", fmt.Sprintf("%d of %d left (%s)", last.Remaining, last.Limit, last.Resource), ""})
	}
	return header, rows, warns
}

// metaRow is the row of a GET /meta that failed with no github.product
// set: a warning saying what was assumed, since every list is still tried
// and their rows say whether that works (GHES behind a proxy that blocks
// /meta exists). When the lists fail for the same cause (no answer, a
// wrong token), the row is one more target of that problem.
func metaRow(err error, acting string) (checkRow, checkWarning) {
	d := metaCause(err, acting)
	row := checkRow{Target: "github", Check: "product", Result: "not detected (GET /meta: " + d.Result + ")"}
	warn := checkWarning{Target: "github", Check: "product",
		Warn: "GET /meta went unanswered, so the product is assumed to be " + acting +
			" (every list and audit log tried, as the rows above show); set github.product (and for GHES github.ghes_version) to say which"}
	switch d.Fix {
	case ghapi.FixCredential, ghapi.FixNoAnswer, ghapi.FixNotGitHub:
		warn.key = d.Fix
	}
	return row, warn
}

// metaCause says what answered GET /meta, in the words of the list rows
// (Result), and what to change (Fix; "" when GitHub gave no answer).
func metaCause(err error, product string) ghapi.Diagnosis {
	if p, ok := ghapi.AnswerOf(err); ok {
		return ghapi.Diagnose(ghapi.Scope{}, "meta", p, product)
	}
	return ghapi.Diagnosis{Result: ghapi.Cause(err)}
}

// checkSinks builds every resolved sink as the daemon would, over a
// throwaway state file (the daemon may hold the real one), and runs its
// online check.
func checkSinks(ctx context.Context, sinks []*wiring.Resolved, log *slog.Logger) ([]checkRow, error) {
	dir, err := os.MkdirTemp("", "ghsec-check-")
	if err != nil {
		return nil, fmt.Errorf("check sinks: %w", err)
	}
	defer os.RemoveAll(dir)
	db, err := state.Open(filepath.Join(dir, "state.db"), state.Options{})
	if err != nil {
		return nil, fmt.Errorf("check sinks: %w", err)
	}
	defer db.Close()
	deps := func(name string) exporter.SinkDeps {
		return exporter.SinkDeps{Name: name, Logger: log, Version: version, Store: db, Now: time.Now}
	}
	var rows []checkRow
	for _, c := range wiring.Check(ctx, sinks, deps) {
		target := "sink " + c.Name + " (" + c.Type + ")"
		for _, r := range c.Results {
			res, fix := "ok: "+r.Detail, ""
			if !r.OK {
				res, fix = "FAILED: "+r.Detail, r.Fix
				if fix == "" {
					fix = "see the result above"
				}
			}
			rows = append(rows, checkRow{target, r.Check, res, fix})
		}
	}
	return rows, nil
}
