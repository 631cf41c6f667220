package ghsim

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestList_WalkEveryAlertOnce(t *testing.T) {
	s := New(Options{Product: ProductGHEC})
	Populate(s, "acme", 4, 157, 7)
	s.AddEnterprise("acme-corp", "acme")
	// Equal timestamps are common on GitHub (second resolution); force many
	// ties so only the id tie-break keeps the order total.
	for _, a := range s.repos["acme/repo-0001"].byNum[0] {
		a.created = DefaultStart.Add(-time.Hour)
	}
	srv := start(t, s)
	all := repoNames(s, "acme")
	state := func(states ...string) func(a *alert) bool {
		return func(a *alert) bool {
			for _, st := range states {
				if a.state == st {
					return true
				}
			}
			return false
		}
	}
	tests := []struct {
		name  string
		kind  Kind
		path  string
		repos []string
		pred  func(a *alert) bool
	}{
		{"dependabot org", Dependabot, "/orgs/acme/dependabot/alerts?per_page=17", all, nil},
		{"dependabot org asc updated", Dependabot, "/orgs/acme/dependabot/alerts?per_page=13&sort=updated&direction=asc", all, nil},
		{"dependabot enterprise open,fixed", Dependabot, "/enterprises/acme-corp/dependabot/alerts?per_page=20&state=open,fixed", all, state("open", "fixed")},
		{"dependabot repo", Dependabot, "/repos/acme/repo-0001/dependabot/alerts?per_page=7", all[:1], nil},
		{"code scanning org cursor closed", CodeScanning, "/orgs/acme/code-scanning/alerts?per_page=11&state=closed&after=", all, state("dismissed", "fixed")},
		{"code scanning org page mode", CodeScanning, "/orgs/acme/code-scanning/alerts?per_page=19&sort=updated", all, nil},
		{"code scanning enterprise", CodeScanning, "/enterprises/acme-corp/code-scanning/alerts?per_page=100&after=", all, nil},
		{"code scanning repo page", CodeScanning, "/repos/acme/repo-0002/code-scanning/alerts?per_page=5&state=open", all[1:2], state("open")},
		{"secret scanning org cursor resolved", SecretScanning, "/orgs/acme/secret-scanning/alerts?per_page=9&state=resolved&before=", all, state("resolved")},
		{"secret scanning enterprise", SecretScanning, "/enterprises/acme-corp/secret-scanning/alerts?per_page=23&direction=asc", all, nil},
		{"secret scanning repo page", SecretScanning, "/repos/acme/repo-0003/secret-scanning/alerts?per_page=4", all[2:3], nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := expected(s, tt.kind, tt.repos, tt.pred)
			if len(want) < 10 {
				t.Fatalf("test needs more alerts, has %d", len(want))
			}
			pages, resps := walk(t, srv, tt.path, "next", nil)
			fwd := checkOnce(t, tt.repos[0], pages, want)
			checkOrder(t, tt.path, pages)

			// Walk back from the last page along rel="prev".
			last := resps[len(resps)-1]
			lastURL := ""
			if len(resps) > 1 {
				lastURL = links(resps[len(resps)-2].header)["next"]
			} else {
				lastURL = tt.path
			}
			if len(resps) > 1 && links(last.header)["prev"] == "" {
				t.Fatalf("last page has no rel=prev: %q", last.header.Get("Link"))
			}
			back, _ := walk(t, srv, lastURL, "prev", nil)
			var rev [][]item
			for i := len(back) - 1; i >= 0; i-- {
				rev = append(rev, back[i])
			}
			bwd := checkOnce(t, tt.repos[0], rev, want)
			if strings.Join(fwd, " ") != strings.Join(bwd, " ") {
				t.Errorf("backward walk order differs from forward walk")
			}
		})
	}
}

// checkOnce asserts the pages hold every wanted alert exactly once and
// returns the ids in order.
func checkOnce(t *testing.T, repo string, pages [][]item, want map[string]bool) []string {
	t.Helper()
	seen := map[string]int{}
	var order []string
	for _, p := range pages {
		for _, it := range p {
			id := it.id(repo)
			seen[id]++
			order = append(order, id)
		}
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("%s seen %d times", id, n)
		}
		if !want[id] {
			t.Errorf("%s listed but should not be", id)
		}
	}
	if len(seen) != len(want) {
		t.Errorf("saw %d alerts, want %d", len(seen), len(want))
	}
	return order
}

// checkOrder verifies the walk follows sort and direction (ties are
// allowed: the id tie-break is not visible in the JSON).
func checkOrder(t *testing.T, path string, pages [][]item) {
	t.Helper()
	field := func(it item) string { return it.CreatedAt }
	if strings.Contains(path, "sort=updated") {
		field = func(it item) string { return it.UpdatedAt }
	}
	asc := strings.Contains(path, "direction=asc")
	prev := ""
	for _, p := range pages {
		for _, it := range p {
			v := field(it)
			if prev != "" && ((asc && v < prev) || (!asc && v > prev)) {
				t.Fatalf("order broken at %s: %s after %s", it.id(""), v, prev)
			}
			prev = v
		}
	}
}

func TestList_CursorStableUnderChanges(t *testing.T) {
	for _, sortBy := range []string{"created", "updated"} {
		t.Run(sortBy, func(t *testing.T) {
			s := New(Options{})
			Populate(s, "acme", 3, 300, 11)
			srv := start(t, s)
			repos := repoNames(s, "acme")
			before := expected(s, Dependabot, repos, nil)
			touched := map[string]bool{}
			step := 0
			between := func() {
				// Between page fetches: new alerts, dismissals, reopenings and
				// deletions elsewhere in the list.
				step++
				s.Advance(time.Minute)
				r := repos[step%len(repos)]
				n := s.CreateAlert(Dependabot, r, AlertSpec{})
				touched[r+"#"+itoa(n)] = true
				for _, num := range []int{step * 3, step*3 + 1} {
					id := r + "#" + itoa(num)
					if before[id] && s.Dismiss(Dependabot, r, num, "alice", "tolerable_risk", "") == nil {
						touched[id] = true
					}
				}
				if del := r + "#" + itoa(step*5+2); before[del] && s.Delete(Dependabot, r, step*5+2) == nil {
					touched[del] = true
				}
			}
			pages, _ := walk(t, srv, "/orgs/acme/dependabot/alerts?per_page=25&sort="+sortBy, "next", between)
			seen := map[string]int{}
			for _, p := range pages {
				for _, it := range p {
					seen[it.id("")]++
				}
			}
			for id, n := range seen {
				if n > 1 {
					t.Errorf("%s seen %d times", id, n)
				}
			}
			for id := range before {
				if !touched[id] && seen[id] != 1 {
					t.Errorf("untouched %s seen %d times", id, seen[id])
				}
			}
			if step < 10 {
				t.Fatalf("only %d changes between pages", step)
			}
		})
	}
}

func TestList_ConcurrentWalkers(t *testing.T) {
	s := New(Options{Now: func() time.Time { return time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC) }})
	Populate(s, "acme", 5, 400, 3)
	srv := start(t, s)
	want := expected(s, SecretScanning, repoNames(s, "acme"), nil)
	done := make(chan struct{})
	go func() { // a writer racing the readers; -race checks the locking
		defer close(done)
		for i := 1; i <= 50; i++ {
			s.CreateAlert(CodeScanning, "acme/repo-0001", AlertSpec{})
			_ = s.Fix(CodeScanning, "acme/repo-0002", i)
		}
	}()
	errs := make(chan string, 4)
	for w := 0; w < 4; w++ {
		go func() {
			pages, _ := walk(t, srv, "/orgs/acme/secret-scanning/alerts?per_page=50&after=", "next", nil)
			n := 0
			for _, p := range pages {
				n += len(p)
			}
			if n != len(want) {
				errs <- "walker saw " + itoa(n) + " alerts, want " + itoa(len(want))
				return
			}
			errs <- ""
		}()
	}
	for w := 0; w < 4; w++ {
		if e := <-errs; e != "" {
			t.Error(e)
		}
	}
	<-done
}

func TestList_Errors(t *testing.T) {
	s := New(Options{})
	s.AddRepo("acme/app")
	srv := start(t, s)
	tests := []struct {
		path   string
		status int
		msg    string
	}{
		{"/repos/acme/app/dependabot/alerts?per_page=101", http.StatusUnprocessableEntity, "Validation Failed"},
		{"/repos/acme/app/dependabot/alerts?page=2", http.StatusBadRequest, "Pagination using the `page` parameter is not supported."},
		{"/repos/acme/app/dependabot/alerts?state=closed", http.StatusUnprocessableEntity, "Validation Failed"},
		{"/repos/acme/app/code-scanning/alerts?sort=number", http.StatusUnprocessableEntity, "Validation Failed"},
		{"/repos/acme/app/dependabot/alerts?after=bm9wZQ", http.StatusBadRequest, "Invalid after cursor"},
		{"/repos/acme/app/dependabot/alerts/1", http.StatusNotFound, "Not Found"},
		{"/repos/acme/nope/dependabot/alerts", http.StatusNotFound, "Not Found"},
		{"/enterprises/acme/code-scanning/alerts", http.StatusNotFound, "Not Found"},
		{"/enterprises/acme/audit-log", http.StatusNotFound, "Not Found"},
		{"/repos/acme/app/issues", http.StatusNotFound, "Not Found"},
	}
	for _, tt := range tests {
		g := get(t, srv, tt.path)
		if g.status != tt.status || !strings.Contains(string(g.body), tt.msg) || !strings.Contains(string(g.body), "documentation_url") {
			t.Errorf("GET %s = %d %s, want %d %q", tt.path, g.status, g.body, tt.status, tt.msg)
		}
	}
}
