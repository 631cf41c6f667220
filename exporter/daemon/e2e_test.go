package daemon

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghsim"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/recordschema"
)

const leaked = "ghp_TESTSECRETVALUE0123456789abcdefABCD"

// env is one simulated GitHub plus a config pointing at it, with a file
// sink whose JSON lines the test reads back.
type env struct {
	t       *testing.T
	sim     *ghsim.Sim
	srv     *httptest.Server
	dir     string
	cfg     *config.Config
	outPath string
}

func newEnv(t *testing.T, product string) *env {
	t.Helper()
	sim := ghsim.New(ghsim.Options{Product: product, Token: "test-token"})
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte("test-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	base := srv.URL + "/"
	if product == "ghes" {
		base = srv.URL + "/api/v3/"
	}
	out := filepath.Join(dir, "records.jsonl")
	y := fmt.Sprintf(`
github:
  base_url: %s
  product: %s
  token_file: %s
  orgs: [acme]
  repos: [other/solo]
state:
  path: %s
delivery:
  min_backoff: 10ms
  max_backoff: 50ms
sinks:
  - name: out
    type: file
    path: %s
`, base, product, tokenFile, filepath.Join(dir, "state.db"), out)
	cfg, err := config.Decode(strings.NewReader(y))
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, sim: sim, srv: srv, dir: dir, cfg: cfg, outPath: out}
}

func (e *env) app(opts Options) *App {
	e.t.Helper()
	opts.Now = e.sim.Now
	if opts.Sinks == nil {
		opts.Sinks = sinksOf(e.t, e.cfg, nil)
	}
	a, err := New(e.cfg, opts)
	if err != nil {
		e.t.Fatal(err)
	}
	return a
}

// run builds an App with opts and runs it until the test ends, when it is
// stopped, waited for and closed; it returns the App and the context it
// runs in.
func (e *env) run(opts Options) (*App, context.Context) {
	e.t.Helper()
	a := e.app(opts)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	e.t.Cleanup(func() { cancel(); <-done; a.Close() })
	return a, ctx
}

// once runs one `once` cycle in a fresh App (a new process, same state file).
func (e *env) once(opts Options) error {
	a := e.app(opts)
	defer a.Close()
	return a.Once(context.Background(), 2*time.Second, false)
}

// reconcile runs a reconcile and drains what it queued in a fresh App (a
// new process, same state file), failing the test on an error.
func (e *env) reconcile() {
	e.t.Helper()
	a := e.app(Options{})
	defer a.Close()
	must(e.t, a.Reconcile(context.Background()))
	must(e.t, a.Drain(context.Background()))
}

// records reads every record the file sink holds, validating each against
// the published JSON Schema.
func (e *env) records() []exporter.Record {
	e.t.Helper()
	f, err := os.Open(e.outPath)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		e.t.Fatal(err)
	}
	defer f.Close()
	var out []exporter.Record
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		if err := recordschema.ValidateJSON(sc.Bytes()); err != nil {
			e.t.Errorf("emitted record fails the schema: %v\n%s", err, sc.Bytes())
		}
		var r exporter.Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			e.t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// summary renders records as sorted "source repo#n action actor origin" lines.
func summary(recs []exporter.Record) []string {
	var out []string
	for _, r := range recs {
		s := fmt.Sprintf("%s %s#%d %s", r.Source, r.Repo, r.Alert.Number, r.Action)
		if r.Actor != "" {
			s += " by " + r.Actor
		}
		out = append(out, s+" ("+string(r.Origin)+")")
	}
	sort.Strings(out)
	return out
}

func equalLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	sort.Strings(want)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("%s:\n got:\n  %s\nwant:\n  %s", what, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

// seed creates the starting alerts: some open, one already dismissed, one
// secret with a push-protection bypass, in an org and in a lone repo.
func (e *env) seed() {
	s := e.sim
	s.AddRepo("acme/widgets")
	s.AddRepo("acme/gadgets")
	s.AddRepo("other/solo")
	s.CreateAlert(ghsim.Dependabot, "acme/widgets", ghsim.AlertSpec{Severity: "high", Package: "lodash", Ecosystem: "npm"})
	s.CreateAlert(ghsim.Dependabot, "acme/widgets", ghsim.AlertSpec{Severity: "critical", Package: "log4j-core", Ecosystem: "maven"})
	s.CreateAlert(ghsim.CodeScanning, "acme/gadgets", ghsim.AlertSpec{Severity: "medium", RuleID: "js/xss", Tool: "CodeQL"})
	s.CreateAlert(ghsim.SecretScanning, "acme/gadgets", ghsim.AlertSpec{SecretType: "github_personal_access_token", Secret: leaked})
	s.CreateAlert(ghsim.SecretScanning, "acme/widgets", ghsim.AlertSpec{SecretType: "aws_access_key_id", Secret: leaked + "2"})
	s.CreateAlert(ghsim.CodeScanning, "other/solo", ghsim.AlertSpec{Severity: "high", RuleID: "go/sql-injection", Tool: "CodeQL"})
	s.Advance(time.Minute)
	must(e.t, s.Dismiss(ghsim.Dependabot, "acme/widgets", 2, "alice", "tolerable_risk", "accepted by risk board"))
	s.Advance(time.Minute)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestEndToEnd_BackfillChangesQuietPoll(t *testing.T) {
	for _, product := range []string{"dotcom", "ghec", "ghes"} {
		t.Run(product, func(t *testing.T) {
			e := newEnv(t, product)
			e.seed()
			defer e.checkOpenAPI(product)
			must(t, e.once(Options{}))
			equalLines(t, "backfill", summary(e.records()), []string{
				"dependabot acme/widgets#1 created (backfill)",
				"dependabot acme/widgets#2 created (backfill)",
				"dependabot acme/widgets#2 dismissed by alice (backfill)",
				"code_scanning acme/gadgets#1 created (backfill)",
				"secret_scanning acme/gadgets#1 created (backfill)",
				"secret_scanning acme/widgets#1 created (backfill)",
				"code_scanning other/solo#1 created (backfill)",
			})

			e.sim.Advance(10 * time.Minute)
			must(t, e.sim.Dismiss(ghsim.Dependabot, "acme/widgets", 1, "octocat", "no_bandwidth", "next sprint"))
			must(t, e.sim.Fix(ghsim.CodeScanning, "acme/gadgets", 1))
			must(t, e.sim.Reopen(ghsim.Dependabot, "acme/widgets", 2, "bob"))
			must(t, e.sim.Resolve("acme/gadgets", 1, "sec-lead", "revoked", "rotated"))
			must(t, e.sim.Bypass("acme/widgets", 1, "dev1"))
			e.sim.Advance(time.Minute)
			before := len(e.records())
			must(t, e.once(Options{}))
			all := e.records()
			equalLines(t, "second poll", summary(all[before:]), []string{
				"dependabot acme/widgets#1 dismissed by octocat (poll)",
				"code_scanning acme/gadgets#1 fixed (poll)",
				"dependabot acme/widgets#2 reopened (poll)",
				"secret_scanning acme/gadgets#1 resolved by sec-lead (poll)",
				"secret_scanning acme/widgets#1 push_protection_bypassed by dev1 (poll)",
			})
			for _, r := range all[before:] {
				if r.Action == "dismissed" && (r.Alert.Reason != "no_bandwidth" || r.Alert.Comment != "next sprint" || r.Alert.PreviousState != "open") {
					t.Errorf("dismissal lacks reason/comment/previous state: %+v", r.Alert)
				}
				if r.Action == "resolved" && r.Alert.Reason != "revoked" {
					t.Errorf("resolution reason missing: %+v", r.Alert)
				}
			}

			e.checkOpenAPI(product)
			e.sim.ResetRequests()
			e.sim.Advance(5 * time.Minute)
			must(t, e.once(Options{}))
			if got := len(e.records()); got != len(all) {
				t.Fatalf("third poll with no change emitted %d records", got-len(all))
			}
			for _, r := range e.sim.Requests() {
				if strings.Contains(r.Path, "/alerts") && r.Status != 304 {
					t.Errorf("quiet poll: %s %s answered %d, want 304 (ETag)", r.Method, r.Path, r.Status)
				}
			}
			e.assertNoSecret()
		})
	}
}

// assertNoSecret: the leaked value is in no record, no state byte, no log.
func (e *env) assertNoSecret() {
	e.t.Helper()
	for _, p := range []string{e.outPath, filepath.Join(e.dir, "state.db")} {
		b, err := os.ReadFile(p)
		if err != nil {
			e.t.Fatal(err)
		}
		if bytes.Contains(b, []byte(leaked)) {
			e.t.Fatalf("the secret value leaked into %s", p)
		}
	}
}

func TestEndToEnd_RestartEmitsNoDuplicates(t *testing.T) {
	e := newEnv(t, "dotcom")
	e.seed()
	must(t, e.once(Options{}))
	n := len(e.records())
	// new process, same state; GitHub unchanged but ETags dropped: a full
	// diff must still find nothing new
	a := e.app(Options{})
	must(t, a.DB().Update(func(tx *stateTx) error { return clearETags(tx) }))
	must(t, a.Once(context.Background(), time.Second, false))
	a.Close()
	if got := len(e.records()); got != n {
		t.Fatalf("restart emitted %d duplicate records", got-n)
	}
}

// failingSink fails every Send while down is set; it counts the failed
// attempts and the records it passed on, for tests to wait on.
type failingSink struct {
	exporter.Sink
	mu        sync.Mutex
	down      bool
	fails     *counter
	delivered *counter
}

func newFailingSink() *failingSink {
	return &failingSink{down: true, fails: newCounter(), delivered: newCounter()}
}

func (f *failingSink) Send(ctx context.Context, b []exporter.Record) error {
	f.mu.Lock()
	down := f.down
	f.mu.Unlock()
	if down {
		f.fails.add(1)
		return exporter.Retryable(errors.New("sink unavailable"), 0)
	}
	if err := f.Sink.Send(ctx, b); err != nil {
		return err
	}
	f.delivered.add(len(b))
	return nil
}

func (f *failingSink) set(down bool) { f.mu.Lock(); f.down = down; f.mu.Unlock() }

func (f *failingSink) wrap(s exporter.Sink) exporter.Sink { f.Sink = s; return f }

// counter counts events; wait blocks until the count reaches a number.
type counter struct {
	mu      sync.Mutex
	n       int
	changed chan struct{} // signalled after every add; one waiter
}

func newCounter() *counter { return &counter{changed: make(chan struct{}, 1)} }

func (c *counter) add(d int) {
	c.mu.Lock()
	c.n += d
	c.mu.Unlock()
	select {
	case c.changed <- struct{}{}:
	default:
	}
}

func (c *counter) get() int { c.mu.Lock(); defer c.mu.Unlock(); return c.n }

// wait returns true once the count reaches n, or false when stop is closed
// first (the component that should count stopped).
func (c *counter) wait(n int, stop <-chan struct{}) bool {
	for c.get() < n {
		select {
		case <-c.changed:
		case <-stop:
			return c.get() >= n
		}
	}
	return true
}

func TestEndToEnd_StopAfterCommitBeforeDelivery(t *testing.T) {
	e := newEnv(t, "dotcom")
	e.seed()
	fs := newFailingSink()
	err := e.once(Options{Sinks: sinksOf(t, e.cfg, fs.wrap)})
	if err == nil || !strings.Contains(err.Error(), "still queued") {
		t.Fatalf("once with a dead sink must fail and say records are queued: %v", err)
	}
	if len(e.records()) != 0 {
		t.Fatal("nothing should have been delivered")
	}
	// the process "stopped"; a new one delivers everything from the outbox
	// although GitHub has nothing new to say
	must(t, e.once(Options{}))
	if got := len(e.records()); got != 7 {
		t.Fatalf("after restart %d records arrived, want the 7 queued", got)
	}
}

func TestEndToEnd_SinkOutageLosesNothing(t *testing.T) {
	e := newEnv(t, "dotcom")
	e.seed()
	fs := newFailingSink()
	a := e.app(Options{Sinks: sinksOf(t, e.cfg, fs.wrap)})
	defer a.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	stopped := make(chan struct{})
	go func() { done <- a.Run(ctx); close(stopped) }()
	if !fs.fails.wait(3, stopped) {
		t.Fatalf("Run stopped after %d failed sends; the delivery loop must keep retrying", fs.fails.get())
	}
	fs.set(false)
	if !fs.delivered.wait(7, stopped) {
		t.Fatalf("Run stopped after %d records were delivered, want 7", fs.delivered.get())
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := summary(e.records()); len(got) != 7 {
		t.Fatalf("after the outage %d records arrived, want 7: %v", len(got), got)
	}
}

// A second process must fail, naming the file, rather than wait for the
// lock: an open that blocked would hang this test.
func TestNew_SecondProcessFailsFast(t *testing.T) {
	e := newEnv(t, "dotcom")
	a := e.app(Options{})
	defer a.Close()
	_, err := New(e.cfg, Options{Sinks: sinksOf(t, e.cfg, nil)})
	if err == nil || !strings.Contains(err.Error(), "in use") || !strings.Contains(err.Error(), "state.db") {
		t.Fatalf("second process: %v", err)
	}
}
