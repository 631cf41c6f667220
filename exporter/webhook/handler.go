package webhook

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/ingest"
)

// MaxBody is GitHub's cap on a webhook payload (25 MB); larger bodies get 413.
const MaxBody = 25 << 20

// DefaultConcurrency bounds the authenticated deliveries decoded and
// committed at once.
const DefaultConcurrency = 32

// Committer stores one delivery's observation; ingest.Poller is one.
type Committer interface {
	CommitWebhook(guid string, o exporter.Observation) (ingest.WebhookResult, error)
}

// RequestCommitter stores one request delivery's observation; a Committer
// that is one (ingest.Poller) records request events too, any other
// acknowledges them as ignored.
type RequestCommitter interface {
	CommitWebhookRequest(guid string, o exporter.RequestObservation) (ingest.WebhookResult, error)
}

// Options configure a Handler.
type Options struct {
	Secret []byte // required, never logged
	Commit Committer
	// InScope reports whether a delivery for repo (owner/name, in enterprise
	// when not empty) belongs to the configured orgs, repos or enterprises.
	InScope    func(repo, enterprise string) bool
	IncludeRaw bool
	// Concurrency bounds the authenticated deliveries decoded and
	// committed at once (default DefaultConcurrency).
	Concurrency int
	// BodyBudget bounds the bytes of bodies over 64 KiB in flight (default
	// DefaultBodyBudget); a delivery that finds no room within BudgetWait
	// (default DefaultBudgetWait) is answered 503, which GitHub records as
	// a failed delivery that the redelivery job asks for again.
	BodyBudget int64
	BudgetWait time.Duration
	Logger     *slog.Logger
	// Now is the clock that spaces the warnings about refused signatures
	// and busy refusals; nil means time.Now.
	Now func() time.Time

	// bodyGrace is how long a body may take before it must keep
	// minBodyRate (default defaultBodyGrace); tests lengthen it.
	bodyGrace time.Duration
}

// rejectLogEvery spaces the warnings about refused signatures and about
// deliveries refused for want of room: anyone who can reach the listener
// can cause them, and the log must not become theirs. The
// ghsec_webhook_deliveries_total{result="unauthorized"|"busy"} counters
// count every one.
const rejectLogEvery = time.Minute

// Stats count deliveries by outcome. The JSON keys (/healthz) are the
// result labels of ghsec_webhook_deliveries_total.
type Stats struct {
	Received     uint64 `json:"received"`     // every request
	Accepted     uint64 `json:"accepted"`     // committed (records or none), including duplicates
	Duplicates   uint64 `json:"duplicate"`    // GUID processed before
	Unauthorized uint64 `json:"unauthorized"` // 401
	TooLarge     uint64 `json:"too_large"`    // 413
	Busy         uint64 `json:"busy"`         // 503: no room in the body budget within the wait
	Ignored      uint64 `json:"ignored"`      // acknowledged, nothing to diff (ping included)
	OutOfScope   uint64 `json:"out_of_scope"` // acknowledged, repository not configured
	Failed       uint64 `json:"failed"`       // 4xx/5xx other than 401/413/busy (bad request, state failure)
	Records      uint64 `json:"records"`      // records committed
}

// Handler serves GitHub's webhook deliveries.
type Handler struct {
	opts   Options
	log    *slog.Logger
	sem    chan struct{}
	budget *bodyBudget
	warned sync.Map // owner → struct{}: one warning per unknown owner

	logMu     sync.Mutex
	rejectLog spacedLog // refused signatures
	busyLog   spacedLog // deliveries refused for room

	received, accepted, duplicates, unauthorized, tooLarge, busy, ignored, outOfScope, failed, records atomic.Uint64
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
	if opts.BodyBudget <= 0 {
		opts.BodyBudget = DefaultBodyBudget
	}
	if opts.BudgetWait <= 0 {
		opts.BudgetWait = DefaultBudgetWait
	}
	if opts.bodyGrace <= 0 {
		opts.bodyGrace = defaultBodyGrace
	}
	return &Handler{
		opts: opts, log: opts.Logger, sem: make(chan struct{}, opts.Concurrency),
		budget:    newBodyBudget(opts.BodyBudget, opts.BudgetWait),
		rejectLog: spacedLog{every: rejectLogEvery}, busyLog: spacedLog{every: rejectLogEvery},
	}, nil
}

// Stats returns the counters.
func (h *Handler) Stats() Stats {
	return Stats{
		Received: h.received.Load(), Accepted: h.accepted.Load(), Duplicates: h.duplicates.Load(),
		Unauthorized: h.unauthorized.Load(), TooLarge: h.tooLarge.Load(), Busy: h.busy.Load(), Ignored: h.ignored.Load(),
		OutOfScope: h.outOfScope.Load(), Failed: h.failed.Load(), Records: h.records.Load(),
	}
}

// Plus is s and o counted together: the daemon's totals across the
// handlers a config reload replaces.
func (s Stats) Plus(o Stats) Stats {
	return Stats{
		Received: s.Received + o.Received, Accepted: s.Accepted + o.Accepted, Duplicates: s.Duplicates + o.Duplicates,
		Unauthorized: s.Unauthorized + o.Unauthorized, TooLarge: s.TooLarge + o.TooLarge, Busy: s.Busy + o.Busy,
		Ignored: s.Ignored + o.Ignored, OutOfScope: s.OutOfScope + o.OutOfScope, Failed: s.Failed + o.Failed,
		Records: s.Records + o.Records,
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
	if r.ContentLength > MaxBody {
		h.tooLarge.Add(1)
		http.Error(w, "payload over 25 MB", http.StatusRequestEntityTooLarge)
		return
	}
	// Nothing shared is held for a request before its signature checks out,
	// except the body budget by a body too large to read first, and that
	// only once its first smallBody bytes arrived at the pace bodies must
	// keep: slow or lying senders cannot make a signed delivery wait.
	body, reserved, err := h.readBody(w, r)
	defer h.budget.release(reserved)
	var tooBig *http.MaxBytesError
	switch {
	case errors.Is(err, errBudget):
		h.busy.Add(1)
		h.logBusy(r.Header.Get("X-GitHub-Delivery"), r.Header.Get("X-GitHub-Event"), err)
		http.Error(w, "busy: too many large deliveries in flight, redeliver", http.StatusServiceUnavailable)
		return
	case errors.As(err, &tooBig):
		h.tooLarge.Add(1)
		http.Error(w, "payload over 25 MB", http.StatusRequestEntityTooLarge)
		return
	case errors.Is(err, os.ErrDeadlineExceeded):
		h.failed.Add(1)
		http.Error(w, "body too slow", http.StatusRequestTimeout)
		return
	case err != nil: // a broken body, or the sender went away
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
	select {
	case h.sem <- struct{}{}:
		defer func() { <-h.sem }()
	case <-r.Context().Done():
		h.failed.Add(1)
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
	rc, takesRequests := h.opts.Commit.(RequestCommitter)
	if ev.Request != nil && !takesRequests {
		ev.Request, ev.Ignored = nil, "request events are not recorded by this receiver"
	}
	if ev.Alert == nil && ev.Request == nil {
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
	var res ingest.WebhookResult
	if ev.Request != nil {
		res, err = rc.CommitWebhookRequest(guid, *ev.Request)
	} else {
		res, err = h.opts.Commit.CommitWebhook(guid, *ev.Alert)
	}
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
	h.logMu.Lock()
	silent, ok := h.rejectLog.allow(h.opts.Now())
	h.logMu.Unlock()
	if ok {
		h.log.Warn("webhook delivery rejected: bad signature", "delivery", guid, "remote", remote,
			"unlogged_since_last", silent, "err", err)
	}
}

// logBusy warns about a delivery refused for room at most once a minute
// (the sender need not be GitHub: the body is not authenticated yet).
func (h *Handler) logBusy(guid, event string, err error) {
	h.logMu.Lock()
	silent, ok := h.busyLog.allow(h.opts.Now())
	h.logMu.Unlock()
	if ok {
		h.log.Warn("webhook delivery refused with 503: too many large bodies in flight (webhook.body_budget_mib); GitHub marks it failed and the redelivery job asks for it again, the next poll otherwise",
			"delivery", guid, "event", event, "unlogged_since_last", silent, "err", err)
	}
}
