package elasticsearch

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// fakeES is an Elasticsearch _bulk endpoint over https (httptest's
// certificate, trusted through ca_file) that enforces what the real one
// does and what the sink promises: NDJSON framing (an action line and a
// source line per document, a newline after the last, content type
// application/x-ndjson), create as the only action into a data stream,
// an _id on every action, @timestamp in every document of a data stream,
// and a document per (index, _id) at most (a second create answers 409).
// Faults are injected per request (whole) and per document (item).
type fakeES struct {
	srv    *httptest.Server
	caFile string
	// apiKey is the only credential accepted (basic: user/password).
	apiKey, user, password string
	// dataStreams are the names that are data streams; others are indices.
	dataStreams map[string]bool
	// openSearch: answer as OpenSearch (no X-Elastic-Product header).
	openSearch bool
	// idsOnly keeps only each document's _id, not its source (the
	// benchmark's endpoint, whose memory is in the heap figure).
	idsOnly bool

	mu   sync.Mutex
	docs map[string]map[string][]byte // index → _id → source
	// whole, when set, answers a _bulk request instead of the fake (a
	// status ≠ 0 is sent with header and body).
	whole func(n int) (status int, header http.Header, body string)
	// item, when set, may answer one document instead of storing it.
	item func(index, id string, src map[string]any) *fakeItem
	// tooLarge, when set, answers 413 to a request of these documents
	// (action and source lines), as a proxy's body limit does.
	tooLarge func(pairs [][2][]byte) bool
	// violations are broken promises of the sink; a test wants none.
	violations []string
	bulks      int // _bulk requests answered
	created    int
	conflicts  int
	canWrite   bool
}

type fakeItem struct {
	// Index, ID and Result are left out under filter_path, as
	// Elasticsearch does.
	Index  string         `json:"_index,omitempty"`
	ID     string         `json:"_id,omitempty"`
	Result string         `json:"result,omitempty"`
	Status int            `json:"status"`
	Error  map[string]any `json:"error,omitempty"`
}

func startFakeES(t testing.TB) *fakeES {
	f := &fakeES{apiKey: base64.StdEncoding.EncodeToString([]byte("id1:secret-key")), user: "ghsec", password: "pw",
		dataStreams: map[string]bool{DefaultIndex: true}, docs: map[string]map[string][]byte{}, canWrite: true}
	f.srv = httptest.NewUnstartedServer(http.HandlerFunc(f.serve))
	f.srv.EnableHTTP2 = true
	f.srv.StartTLS()
	t.Cleanup(f.srv.Close)
	f.caFile = filepath.Join(t.TempDir(), "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: f.srv.Certificate().Raw})
	if err := os.WriteFile(f.caFile, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fakeES) violate(format string, args ...any) {
	f.violations = append(f.violations, fmt.Sprintf(format, args...))
}

// Violations returns the broken promises so far.
func (f *fakeES) Violations() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.violations...)
}

// count returns the documents stored in index.
func (f *fakeES) count(index string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.docs[index])
}

func (f *fakeES) doc(index, id string) map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	var m map[string]any
	if b, ok := f.docs[index][id]; ok {
		_ = json.Unmarshal(b, &m)
	}
	return m
}

func (f *fakeES) authorized(r *http.Request) bool {
	a := r.Header.Get("Authorization")
	if scheme, v, ok := strings.Cut(a, " "); ok && strings.EqualFold(scheme, "ApiKey") {
		return v == f.apiKey
	}
	u, p, ok := r.BasicAuth()
	return ok && u == f.user && p == f.password
}

func (f *fakeES) reply(w http.ResponseWriter, status int, v any) {
	if !f.openSearch {
		w.Header().Set("X-Elastic-Product", "Elasticsearch")
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func esError(typ, reason string) map[string]any {
	return map[string]any{"type": typ, "reason": reason}
}

func (f *fakeES) serve(w http.ResponseWriter, r *http.Request) {
	if !f.authorized(r) {
		f.reply(w, http.StatusUnauthorized, map[string]any{"error": esError("security_exception", "unable to authenticate"), "status": 401})
		return
	}
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/":
		dist := map[string]any{"number": "8.19.7"}
		if f.openSearch {
			dist = map[string]any{"number": "2.19.0", "distribution": "opensearch"}
		}
		f.reply(w, http.StatusOK, map[string]any{"cluster_name": "fake", "version": dist})
	case r.Method == http.MethodGet && r.URL.Path == "/_security/_authenticate" && !f.openSearch:
		f.reply(w, http.StatusOK, map[string]any{"username": "ghsec", "authentication_type": "api_key", "api_key": map[string]any{"name": "ghsec-exporter"}})
	case r.Method == http.MethodGet && r.URL.Path == "/_plugins/_security/authinfo" && f.openSearch:
		f.reply(w, http.StatusOK, map[string]any{"user_name": "ghsec"})
	case r.Method == http.MethodPost && r.URL.Path == "/_security/user/_has_privileges":
		f.mu.Lock()
		ok := f.canWrite
		f.mu.Unlock()
		f.reply(w, http.StatusOK, map[string]any{"has_all_requested": ok})
	case r.Method == http.MethodPost && r.URL.Path == "/_bulk":
		f.bulk(w, r)
	default:
		f.reply(w, http.StatusNotFound, map[string]any{"error": esError("no_handler", r.URL.Path), "status": 404})
	}
}

func (f *fakeES) bulk(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.bulks++
	if f.whole != nil {
		if status, h, body := f.whole(f.bulks); status != 0 {
			for k, v := range h {
				w.Header()[k] = v
			}
			if !f.openSearch {
				w.Header().Set("X-Elastic-Product", "Elasticsearch")
			}
			w.WriteHeader(status)
			_, _ = io.WriteString(w, body)
			return
		}
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-ndjson" {
		f.violate("content type %q", ct)
	}
	var rd io.Reader = r.Body
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			f.violate("gzip: %v", err)
			f.reply(w, http.StatusBadRequest, map[string]any{"error": esError("parse_exception", err.Error())})
			return
		}
		rd = zr
	}
	raw, err := io.ReadAll(rd)
	if err != nil {
		f.violate("read body: %v", err)
		return
	}
	if len(raw) == 0 || raw[len(raw)-1] != '\n' {
		f.violate("body does not end with a newline")
		f.reply(w, http.StatusBadRequest, map[string]any{"error": esError("illegal_argument_exception", "The bulk request must be terminated by a newline [\\n]"), "status": 400})
		return
	}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(nil, 64<<20)
	var pairs [][2][]byte
	for sc.Scan() {
		action := append([]byte(nil), sc.Bytes()...)
		if !sc.Scan() {
			f.violate("action line without a source line")
			f.reply(w, http.StatusBadRequest, map[string]any{"error": esError("illegal_argument_exception", "Malformed action/metadata line")})
			return
		}
		pairs = append(pairs, [2][]byte{action, append([]byte(nil), sc.Bytes()...)})
	}
	if f.tooLarge != nil && f.tooLarge(pairs) {
		w.WriteHeader(http.StatusRequestEntityTooLarge)
		_, _ = io.WriteString(w, "<html>413 Request Entity Too Large</html>")
		return
	}
	var items []map[string]*fakeItem
	anyErr := false
	for _, p := range pairs {
		op, it := f.one(p[0], p[1])
		items = append(items, map[string]*fakeItem{op: it})
		anyErr = anyErr || it.Error != nil
	}
	if r.URL.Query().Get("filter_path") != "" {
		// what the sink's filter_path keeps: errors, and per item its
		// status and error type and reason
		for _, it := range items {
			for _, v := range it {
				if v.Error != nil {
					v.Error = map[string]any{"type": v.Error["type"], "reason": v.Error["reason"]}
				}
			}
		}
		f.reply(w, http.StatusOK, map[string]any{"errors": anyErr, "items": items})
		return
	}
	for _, it := range items {
		for _, v := range it {
			v.Index, v.ID, v.Result = "logs", "id", "created"
		}
	}
	f.reply(w, http.StatusOK, map[string]any{"took": 1, "errors": anyErr, "items": items})
}

// one handles one document; f.mu is held.
func (f *fakeES) one(action, src []byte) (string, *fakeItem) {
	var a map[string]struct {
		Index string `json:"_index"`
		ID    string `json:"_id"`
	}
	if err := json.Unmarshal(action, &a); err != nil || len(a) != 1 {
		f.violate("action line %q", action)
		return "create", &fakeItem{Status: 400, Error: esError("illegal_argument_exception", "Malformed action/metadata line")}
	}
	var op string
	for k := range a {
		op = k
	}
	index, id := a[op].Index, a[op].ID
	ds := f.dataStreams[index]
	if ds && op != "create" {
		f.violate("%s into data stream %s", op, index)
		return op, &fakeItem{Status: 400, Error: esError("illegal_argument_exception", "only write ops with an op_type of create are allowed in data streams")}
	}
	if id == "" {
		f.violate("no _id in %q", action)
	}
	var doc map[string]any
	if err := json.Unmarshal(src, &doc); err != nil {
		f.violate("source line is not a JSON object: %v", err)
		return op, &fakeItem{Status: 400, Error: esError("document_parsing_exception", "failed to parse")}
	}
	if _, ok := doc["@timestamp"]; ds && !ok {
		f.violate("document %s without @timestamp", id)
		return op, &fakeItem{Status: 400, Error: esError("document_parsing_exception", "data stream timestamp field [@timestamp] is missing")}
	}
	if f.item != nil {
		if it := f.item(index, id, doc); it != nil {
			return op, it
		}
	}
	if _, ok := f.docs[index][id]; ok {
		f.conflicts++
		return op, &fakeItem{Status: 409, Error: esError("version_conflict_engine_exception", "["+id+"]: version conflict, document already exists")}
	}
	if f.docs[index] == nil {
		f.docs[index] = map[string][]byte{}
	}
	if f.idsOnly {
		f.docs[index][id] = nil
	} else {
		f.docs[index][id] = append([]byte(nil), src...)
	}
	f.created++
	return op, &fakeItem{Status: 201}
}

// config returns a sink config for the fake with the API key in a file.
func (f *fakeES) config(t testing.TB) Config {
	c := DefaultConfig()
	c.URLs = []string{f.srv.URL}
	c.CAFile = f.caFile
	c.APIKeyFile = filepath.Join(t.TempDir(), "api_key")
	if err := os.WriteFile(c.APIKeyFile, []byte(f.apiKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return c
}
