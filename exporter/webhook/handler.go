package webhook

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/pipeline"
)

// MaxBody is GitHub's cap on a webhook payload (25 MB); larger bodies get 413.
const MaxBody = 25 << 20

// DefaultConcurrency bounds the deliveries handled at once.
const DefaultConcurrency = 32

// Committer stores one delivery's observation; pipeline.Poller is one.
type Committer interface {
	CommitWebhook(guid string, o exporter.Observation) (pipeline.WebhookResult, error)
}

// Options configure a Handler.
type Options struct {
	Secret []byte // required, never logged
	Commit Committer
	// InScope reports whether a delivery for repo (owner/name, in enterprise
	// when not empty) belongs to the configured orgs, repos or enterprises.
	InScope     func(repo, enterprise string) bool
	IncludeRaw  bool
	Concurrency int // default DefaultConcurrency
	Logger      *slog.Logger
	// Now is the clock that spaces the warnings about refused signatures;
	// nil means time.Now.
	Now func() time.Time
}

// rejectLogEvery spaces the warnings about refused signatures: anyone who
// can reach the listener can send them, and the log must not become theirs.
// The ghsec_webhook_deliveries_total{result="unauthorized"} counter counts
// every one.
const rejectLogEvery = time.Minute

// Stats count deliveries by outcome.
type Stats struct {
	Received     uint64 // every request
	Accepted     uint64 // committed (records or none), including duplicates
	Duplicates   uint64 // GUID processed before
	Unauthorized uint64 // 401
	TooLarge     uint64 // 413
	Ignored      uint64 // acknowledged, nothing to diff (ping included)
	OutOfScope   uint64 // acknowledged, repository not configured
	Failed       uint64 // 4xx/5xx other than 401/413 (bad request, state failure)
	Records      uint64 // records committed
}

// Handler serves GitHub's webhook deliveries.
type Handler struct {
	opts   Options
	log    *slog.Logger
	sem    chan struct{}
	warned sync.Map // owner → struct{}: one warning per unknown owner

	rejectMu     sync.Mutex
	rejectLogged time.Time // when the last refused signature was logged
	rejectSilent uint64    // refused since then, not logged

	received, accepted, duplicates, unauthorized, tooLarge, ignored, outOfScope, failed, records atomic.Uint64
}

// New builds a Handler. An empty secret is an error: an unauthenticated
// receiver would let anyone write alert history.
func New(opts Options) (*Handler, error) {
	if len(opts.Secret) == 0 {
		return nil, ErrNoSecret
	}
	if opts.Commit == nil || opts.InScope == nil {
		return nil, errors.New("webhook handler needs a committer and a scope check")
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = DefaultConcurrency
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Handler{opts: opts, log: opts.Logger, sem: make(chan struct{}, opts.Concurrency)}, nil
}

// Stats returns the counters.
func (h *Handler) Stats() Stats {
	return Stats{
		Received: h.received.Load(), Accepted: h.accepted.Load(), Duplicates: h.duplicates.Load(),
		Unauthorized: h.unauthorized.Load(), TooLarge: h.tooLarge.Load(), Ignored: h.ignored.Load(),
		OutOfScope: h.outOfScope.Load(), Failed: h.failed.Load(), Records: h.records.Load(),
	}
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.received.Add(1)
	if r.Method != http.MethodPost {
		h.failed.Add(1)
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	select {
	case h.sem <- struct{}{}:
		defer func() { <-h.sem }()
	case <-r.Context().Done():
		h.failed.Add(1)
		return
	}
	if r.ContentLength > MaxBody {
		h.tooLarge.Add(1)
		http.Error(w, "payload over 25 MB", http.StatusRequestEntityTooLarge)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		h.tooLarge.Add(1)
		http.Error(w, "payload over 25 MB", http.StatusRequestEntityTooLarge)
		return
	case err != nil:
		h.failed.Add(1)
		http.Error(w, "cannot read body", http.StatusBadRequest)
		return
	}
	guid := r.Header.Get("X-GitHub-Delivery")
	event := r.Header.Get("X-GitHub-Event")
	if err := Verify(h.opts.Secret, r.Header.Get(SignatureHeader), body); err != nil {
		h.unauthorized.Add(1)
		h.logRejected(guid, r.RemoteAddr, err)
		http.Error(w, "signature required", http.StatusUnauthorized)
		return
	}
	if event == "" {
		h.failed.Add(1)
		http.Error(w, "no X-GitHub-Event header", http.StatusBadRequest)
		return
	}
	h.handle(r.Context(), w, guid, event, body)
}

// handle processes an authenticated delivery.
func (h *Handler) handle(_ context.Context, w http.ResponseWriter, guid, event string, body []byte) {
	log := h.log.With("delivery", guid, "event", event)
	if event == "ping" {
		h.ignored.Add(1)
		log.Info("webhook ping")
		w.WriteHeader(http.StatusOK)
		return
	}
	ev, err := Decode(event, body, h.opts.IncludeRaw)
	if err != nil {
		// Authenticated but not the event it claims: acknowledged and
		// counted, never a 5xx that makes GitHub mark it failed.
		h.ignored.Add(1)
		log.Warn("webhook delivery ignored: undecodable", "err", err)
		w.WriteHeader(http.StatusAccepted)
		return
	}
	log = log.With("action", ev.Action, "repo", ev.Repo)
	if ev.Alert == nil {
		h.ignored.Add(1)
		log.Info("webhook delivery ignored", "reason", ev.Ignored)
		w.WriteHeader(http.StatusAccepted)
		return
	}
	if !h.opts.InScope(ev.Repo, ev.Enterprise) {
		h.outOfScope.Add(1)
		owner, _, _ := strings.Cut(strings.ToLower(ev.Repo), "/")
		if _, dup := h.warned.LoadOrStore(owner, struct{}{}); !dup {
			log.Warn("webhook deliveries for an owner outside github.orgs, repos and enterprises are acknowledged, not recorded", "owner", owner)
		}
		w.WriteHeader(http.StatusAccepted)
		return
	}
	res, err := h.opts.Commit.CommitWebhook(guid, *ev.Alert)
	if err != nil {
		h.failed.Add(1)
		log.Error("webhook delivery not stored; GitHub marks it failed and the redelivery job or the next poll recovers it", "err", err)
		http.Error(w, "not stored", http.StatusServiceUnavailable)
		return
	}
	h.accepted.Add(1)
	h.records.Add(uint64(res.Records))
	if res.Duplicate {
		h.duplicates.Add(1)
	}
	log.Info("webhook delivery", "records", res.Records, "duplicate", res.Duplicate)
	w.WriteHeader(http.StatusOK)
}

// logRejected warns about a refused signature at most once a minute, saying
// how many were refused unlogged since the previous warning.
func (h *Handler) logRejected(guid, remote string, err error) {
	h.rejectMu.Lock()
	now := h.opts.Now()
	if !h.rejectLogged.IsZero() && now.Sub(h.rejectLogged) < rejectLogEvery {
		h.rejectSilent++
		h.rejectMu.Unlock()
		return
	}
	silent := h.rejectSilent
	h.rejectLogged, h.rejectSilent = now, 0
	h.rejectMu.Unlock()
	h.log.Warn("webhook delivery rejected: bad signature", "delivery", guid, "remote", remote,
		"unlogged_since_last", silent, "err", err)
}
