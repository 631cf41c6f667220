package daemon

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/config"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghsim"
)

// seedGeneric gives org acme the three leaks of the issue: a personal
// access token (a provider pattern GitHub lists by default), a password
// and an RSA private key (generic patterns GitHub lists only when named).
func (e *env) seedGeneric() {
	s := e.sim
	s.AddRepo("acme/widgets")
	s.AddRepo("other/solo")
	s.CreateAlert(ghsim.SecretScanning, "acme/widgets", ghsim.AlertSpec{SecretType: "github_personal_access_token", Secret: leaked})
	s.CreateAlert(ghsim.SecretScanning, "acme/widgets", ghsim.AlertSpec{SecretType: "password", Secret: leaked + "pw"})
	s.CreateAlert(ghsim.SecretScanning, "acme/widgets", ghsim.AlertSpec{SecretType: "rsa_private_key", Secret: leaked + "key"})
	s.Advance(time.Minute)
}

// setGeneric sets github.secret_scanning.generic_types: replace when
// replace is true, add otherwise.
func (e *env) setGeneric(replace bool, types ...string) {
	if replace {
		e.cfg.GitHub.SecretScanning.GenericTypes = config.GenericTypes{Replace: &types}
	} else {
		e.cfg.GitHub.SecretScanning.GenericTypes = config.GenericTypes{Add: types}
	}
}

// secretTypesAsked lists the secret_type parameters of the secret scanning
// lists the simulator answered ("" for the default listing).
func secretTypesAsked(sim *ghsim.Sim) []string {
	var out []string
	for _, r := range sim.Requests() {
		if strings.HasSuffix(r.Path, "/secret-scanning/alerts") {
			out = append(out, r.Query.Get("secret_type"))
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func TestGenericSecrets_EveryLeakReachesTheSink(t *testing.T) {
	for _, product := range []string{"dotcom", "ghec", "ghes"} {
		t.Run(product, func(t *testing.T) {
			e := newEnv(t, product)
			e.seedGeneric()
			must(t, e.once(Options{}))
			equalLines(t, "backfill", summary(e.records()), []string{
				"secret_scanning acme/widgets#1 created (backfill)",
				"secret_scanning acme/widgets#2 created (backfill)",
				"secret_scanning acme/widgets#3 created (backfill)",
			})
			if got, want := secretTypesAsked(e.sim), []string{"", strings.Join(slices.Sorted(slices.Values(config.DefaultGenericSecretTypes)), ",")}; !slices.Equal(got, want) {
				t.Fatalf("secret_type asked: %q, want %q", got, want)
			}
			// a generic alert's transitions come from the same diff
			e.sim.Advance(time.Minute)
			must(t, e.sim.Resolve("acme/widgets", 3, "sec-lead", "revoked", "key rotated"))
			e.sim.Advance(time.Minute)
			n := len(e.records())
			must(t, e.once(Options{}))
			equalLines(t, "poll", summary(e.records()[n:]), []string{"secret_scanning acme/widgets#3 resolved by sec-lead (poll)"})
			e.checkOpenAPI(product)
			e.assertNoSecret()
		})
	}
}

// Without the second listing (generic_types replaced by nothing) the
// exporter behaves as before it had one: 1 of the 3 leaks is exported.
func TestGenericSecrets_TurnedOffListsProviderPatternsOnly(t *testing.T) {
	e := newEnv(t, "ghec")
	e.seedGeneric()
	e.setGeneric(true)
	must(t, e.once(Options{}))
	equalLines(t, "backfill", summary(e.records()), []string{"secret_scanning acme/widgets#1 created (backfill)"})
	if got := secretTypesAsked(e.sim); !slices.Equal(got, []string{""}) {
		t.Fatalf("secret_type asked: %q, want the default listing only", got)
	}
}

func TestGenericSecrets_ReplaceAndExtend(t *testing.T) {
	e := newEnv(t, "ghec")
	e.seedGeneric()
	e.setGeneric(true, "password")
	must(t, e.once(Options{}))
	equalLines(t, "replaced by password", summary(e.records()), []string{
		"secret_scanning acme/widgets#1 created (backfill)",
		"secret_scanning acme/widgets#2 created (backfill)",
	})
	if got := secretTypesAsked(e.sim); !slices.Equal(got, []string{"", "password"}) {
		t.Fatalf("secret_type asked: %q", got)
	}

	// the list is extended: the generic listing's cursor names other types,
	// so it lists them in full, and the key older than the watermark is read
	e.sim.ResetRequests()
	e.sim.Advance(5 * time.Minute)
	e.setGeneric(false, "acme_internal_token")
	n := len(e.records())
	must(t, e.once(Options{}))
	equalLines(t, "extended", summary(e.records()[n:]), []string{"secret_scanning acme/widgets#3 created (backfill)"})
	want := slices.Sorted(slices.Values(append(slices.Clone(config.DefaultGenericSecretTypes), "acme_internal_token")))
	if got := secretTypesAsked(e.sim); !slices.Equal(got, []string{"", strings.Join(want, ",")}) {
		t.Fatalf("secret_type asked: %q", got)
	}
	e.checkOpenAPI("ghec")
}

// A reconcile lists both and withdraws only what neither shows: the
// generic alerts, absent from the default listing, stay (and are not even
// read one by one).
func TestGenericSecrets_ReconcileNeverWithdrawsWhatOnlyTheSecondListingShows(t *testing.T) {
	for _, product := range []string{"ghec", "ghes"} {
		t.Run(product, func(t *testing.T) {
			e := newEnv(t, product)
			e.seedGeneric()
			e.sim.AddEnterprise("bigcorp", "acme")
			e.cfg.GitHub.Enterprises = []string{"bigcorp"}
			must(t, e.once(Options{}))
			n := len(e.records())
			must(t, e.sim.Delete(ghsim.SecretScanning, "acme/widgets", 1))
			e.sim.Advance(time.Hour)
			e.sim.ResetRequests()
			e.reconcile()
			equalLines(t, "reconcile", summary(e.records()[n:]), []string{
				"secret_scanning acme/widgets#1 withdrawn (reconcile)",
			})
			for _, r := range e.sim.Requests() {
				if strings.Contains(r.Path, "/secret-scanning/alerts/2") || strings.Contains(r.Path, "/secret-scanning/alerts/3") {
					t.Errorf("a listed generic alert was read again: %s", r.Path)
				}
			}
			// and a second reconcile finds nothing more
			e.reconcile()
			if got := len(e.records()); got != n+1 {
				t.Fatalf("second reconcile emitted %d more records", got-n-1)
			}
			e.checkOpenAPI(product)
		})
	}
}

// The figure the issue asks: requests and rate-limit units of a
// steady-state alert poll of one org, without and with the second secret
// scanning listing. Both are all 304s: 0 units either way.
func TestGenericSecrets_SteadyStateCostsNoUnits(t *testing.T) {
	for _, c := range []struct {
		name     string
		generic  bool
		requests int
	}{{"before (default listing only)", false, 3}, {"after (both secret listings)", true, 4}} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, "ghec")
			e.seedGeneric()
			e.cfg.GitHub.Repos = nil
			if !c.generic {
				e.setGeneric(true)
			}
			must(t, e.once(Options{}))
			e.sim.Advance(5 * time.Minute)
			e.sim.ResetRequests()
			must(t, e.once(Options{}))
			req, units, nm := cost(e.sim)
			t.Logf("steady-state poll of org acme, %s: %d requests (%d answered 304), %d rate-limit units", c.name, req, nm, units)
			if req != c.requests || nm != req || units != 0 {
				t.Fatalf("steady state: %d requests, %d 304s, %d units; want %d, all 304, 0 units", req, nm, units, c.requests)
			}
		})
	}
}
