package webhook

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/recordschema"
)

func TestSign_GitHubTestVector(t *testing.T) {
	// https://docs.github.com/webhooks/using-webhooks/validating-webhook-deliveries#testing-the-webhook-payload-validation
	const want = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
	if got := Sign([]byte(testSecret), []byte("Hello, World!")); got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
	if err := Verify([]byte(testSecret), want, []byte("Hello, World!")); err != nil {
		t.Fatal(err)
	}
	if err := Verify(nil, want, []byte("Hello, World!")); err != ErrNoSecret {
		t.Fatalf("empty secret must never verify: %v", err)
	}
}

func TestNew_EmptySecretIsAnError(t *testing.T) {
	if _, err := New(Options{Commit: &counting{}, InScope: func(string, string) bool { return true }}); err != ErrNoSecret {
		t.Fatalf("got %v", err)
	}
}

func TestHandler_UnauthenticatedIs401AndStoresNothing(t *testing.T) {
	r := newRig(t)
	body := []byte(dependabotBody)
	for _, tc := range []struct{ name, sig string }{
		{"missing", "-"},
		{"wrong", Sign([]byte("not the secret"), body)},
		{"sha1 only", "sha1=" + strings.Repeat("ab", 20)},
		{"truncated", Sign([]byte(testSecret), body)[:40]},
		{"not hex", "sha256=" + strings.Repeat("zz", 32)},
		{"other body", Sign([]byte(testSecret), []byte(dependabotBody+" "))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := r.post("dependabot_alert", "g-"+tc.name, body, tc.sig)
			if w.Code != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401", w.Code)
			}
		})
	}
	if r.commit.calls.Load() != 0 || r.snapshots() != 0 || len(r.records()) != 0 {
		t.Fatalf("unauthenticated deliveries reached the state: %d commits", r.commit.calls.Load())
	}
	if st := r.h.Stats(); st.Unauthorized != 6 || st.Received != 6 {
		t.Fatalf("stats %+v", st)
	}
	if strings.Contains(r.logs.String(), testSecret) || strings.Contains(r.logs.String(), "lodash") {
		t.Fatal("secret or body logged")
	}
}

func TestHandler_CommitsOnceThenDuplicate(t *testing.T) {
	r := newRig(t)
	w := r.post("dependabot_alert", "guid-1", []byte(dependabotBody), "")
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	recs := r.records()
	if len(recs) != 2 || recs[0].Action != "created" || recs[1].Action != "dismissed" || recs[1].Actor != "alice" || recs[1].Origin != "webhook" {
		t.Fatalf("records %+v", recs)
	}
	for i := range recs {
		if err := recordschema.Validate(&recs[i]); err != nil {
			t.Fatal(err)
		}
	}
	if w := r.post("dependabot_alert", "guid-1", []byte(dependabotBody), ""); w.Code != http.StatusOK {
		t.Fatalf("redelivery: %d", w.Code)
	}
	if len(r.records()) != 2 || r.h.Stats().Duplicates != 1 {
		t.Fatalf("redelivered GUID emitted again: %d records, %+v", len(r.records()), r.h.Stats())
	}
	// the same change under a new GUID (a poll would see the same): nothing
	if w := r.post("dependabot_alert", "guid-2", []byte(dependabotBody), ""); w.Code != http.StatusOK || len(r.records()) != 2 {
		t.Fatalf("same change emitted twice: %d", len(r.records()))
	}
}

func TestHandler_PingOutOfScopeIgnoredAndMethods(t *testing.T) {
	r := newRig(t)
	if w := r.post("ping", "p", []byte(`{"zen":"Keep it logically awesome."}`), ""); w.Code != http.StatusOK {
		t.Fatalf("ping: %d", w.Code)
	}
	other := strings.Replace(dependabotBody, `"full_name":"acme/widgets"`, `"full_name":"stranger/repo"`, 1)
	for i := 0; i < 3; i++ {
		if w := r.post("dependabot_alert", "o", []byte(other), ""); w.Code != http.StatusAccepted {
			t.Fatalf("out of scope: %d", w.Code)
		}
	}
	if n := strings.Count(r.logs.String(), "owner=stranger"); n != 1 {
		t.Fatalf("want one warning per unknown owner, got %d", n)
	}
	if w := r.post("push", "x", []byte(`{}`), ""); w.Code != http.StatusAccepted {
		t.Fatalf("other event: %d", w.Code)
	}
	if w := r.post("dependabot_alert", "x", []byte(`{not json`), ""); w.Code != http.StatusAccepted {
		t.Fatalf("undecodable: %d", w.Code)
	}
	if w := r.post("", "x", []byte(`{}`), ""); w.Code != http.StatusBadRequest {
		t.Fatalf("no event header: %d", w.Code)
	}
	req := httptest.NewRequest(http.MethodGet, "/github/webhook", nil)
	w := httptest.NewRecorder()
	r.h.ServeHTTP(w, req)
	if w.Code != http.StatusMethodNotAllowed {
		t.Fatalf("GET: %d", w.Code)
	}
	st := r.h.Stats()
	if st.OutOfScope != 3 || st.Ignored != 3 || r.commit.calls.Load() != 0 {
		t.Fatalf("stats %+v, commits %d", st, r.commit.calls.Load())
	}
}

func TestHandler_BodyOverGitHubsCapIs413(t *testing.T) {
	r := newRig(t)
	big := bytes.Repeat([]byte(" "), MaxBody+1)
	if w := r.post("dependabot_alert", "big", big, ""); w.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("declared length: %d", w.Code)
	}
	// unknown length (chunked): cut off while reading
	req := httptest.NewRequest(http.MethodPost, "/github/webhook", struct{ *bytes.Reader }{bytes.NewReader(big)})
	req.ContentLength = -1
	req.Header.Set("X-GitHub-Event", "dependabot_alert")
	w := httptest.NewRecorder()
	r.h.ServeHTTP(w, req)
	if w.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("chunked: %d", w.Code)
	}
	if st := r.h.Stats(); st.TooLarge != 2 || r.commit.calls.Load() != 0 {
		t.Fatalf("stats %+v", st)
	}
}

// Refused signatures are counted one by one but warned about at most once
// a minute, with how many went unlogged: whoever can reach the listener
// must not be able to fill the log.
func TestHandler_RefusedSignaturesWarnOncePerMinute(t *testing.T) {
	r := newRig(t)
	for range 50 {
		if w := r.post("ping", "g", []byte(`{}`), "sha256=00"); w.Code != http.StatusUnauthorized {
			t.Fatalf("status %d, want 401", w.Code)
		}
	}
	if n := strings.Count(r.logs.String(), "bad signature"); n != 1 {
		t.Fatalf("%d warnings for 50 refusals within a minute, want 1:\n%s", n, r.logs.String())
	}
	r.advance(time.Minute)
	r.post("ping", "g", []byte(`{}`), "-")
	logs := r.logs.String()
	if n := strings.Count(logs, "bad signature"); n != 2 || !strings.Contains(logs, "unlogged_since_last=49") {
		t.Fatalf("after a minute: %d warnings, want 2 with 49 unlogged:\n%s", n, logs)
	}
	if st := r.h.Stats(); st.Unauthorized != 51 {
		t.Errorf("Unauthorized = %d, want 51", st.Unauthorized)
	}
}
