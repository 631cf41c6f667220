package webhook

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/state"
)

// FuzzHandler throws arbitrary headers, signatures and bodies at the
// handler. It must never panic or answer 5xx, and nothing whose signature
// is not the body's HMAC under the secret may ever reach the committer.
func FuzzHandler(f *testing.F) {
	f.Add("dependabot_alert", "guid", []byte(dependabotBody), "", true)
	f.Add("dependabot_alert", "guid", []byte(dependabotBody), "sha256=00", false)
	f.Add("secret_scanning_alert", "g", []byte(`{"action":"resolved","alert":{"number":1},"repository":{"full_name":"acme/x"}}`), "", true)
	f.Add("code_scanning_alert", "g", []byte(`{"alert":{"number":-1,"created_at":"x"},"repository":{"full_name":"acme/x"}}`), "", true)
	f.Add("secret_scanning_alert_location", "g", []byte(`{"alert":null}`), "", true)
	f.Add("ping", "", []byte(`{}`), "sha1=abc", false)
	f.Add("", "", []byte{}, "", true)
	r := newRig(f, state.Options{NoSync: true})
	f.Fuzz(func(t *testing.T, event, guid string, body []byte, sig string, sign bool) {
		if sign {
			sig = Sign([]byte(testSecret), body)
		}
		req := httptest.NewRequest(http.MethodPost, "/github/webhook", bytes.NewReader(body))
		req.Header["X-Github-Event"] = []string{event}
		req.Header["X-Github-Delivery"] = []string{guid}
		req.Header[http.CanonicalHeaderKey(SignatureHeader)] = []string{sig}
		before := r.commit.calls.Load()
		w := httptest.NewRecorder()
		r.h.ServeHTTP(w, req)
		authentic := Verify([]byte(testSecret), sig, body) == nil
		if !authentic {
			if w.Code != http.StatusUnauthorized {
				t.Fatalf("unauthenticated request answered %d", w.Code)
			}
			if r.commit.calls.Load() != before {
				t.Fatal("unauthenticated request reached the state")
			}
		}
		if w.Code >= 500 {
			t.Fatalf("authenticated delivery answered %d: GitHub would mark it failed", w.Code)
		}
	})
}
