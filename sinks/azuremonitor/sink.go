package azuremonitor

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/monitor/ingestion/azlogs"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/format"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/batching"
)

// Sink delivers records to the Logs Ingestion API. Send may be called
// from several goroutines; it keeps no per-batch state.
type Sink struct {
	log      *slog.Logger
	client   *azlogs.Client
	cred     azcore.TokenCredential
	hc       *http.Client
	endpoint string
	ruleID   string
	stream   string
	scope    string
	// authority is the tenant's OpenID configuration URL, probed by
	// Check; empty for a managed identity.
	authority string
	maxBytes  int
	compress  bool
	timeout   time.Duration
	opts      format.Options
	now       func() time.Time
}

var (
	_ exporter.RawPreparer = (*Sink)(nil)
	_ exporter.Checker     = (*Sink)(nil)
)

// New builds the credential and the ingestion client from the resolved
// config over one transport that trusts ca_file. It makes no request (the
// first token is fetched by the first Send); it fails only when the SDK
// refuses the credential's options.
func New(r Resolved, deps exporter.SinkDeps) (*Sink, error) {
	hc := newHTTPClient(&r)
	opts := clientOptions(&r, hc, deps.Version)
	cred, err := newCredential(&r, opts)
	if err != nil {
		return nil, err
	}
	if r.Auth.Method != AuthManagedIdentity && !knownAuthority(r.Auth.AuthorityHost) {
		deps.Logger.Info("azure monitor logs: authority host is not an Azure cloud's; instance discovery is off", "authority_host", r.Auth.AuthorityHost)
	}
	endpoint := strings.TrimRight(r.Endpoint, "/")
	client, err := azlogs.NewClient(endpoint, cred, &azlogs.ClientOptions{ClientOptions: opts})
	if err != nil {
		return nil, fmt.Errorf("build the logs ingestion client: %w", err)
	}
	authority := ""
	if r.Auth.Method != AuthManagedIdentity {
		tenant := r.Auth.TenantID
		if tenant == "" {
			tenant = r.tenant
		}
		authority = strings.TrimRight(r.Auth.AuthorityHost, "/") + "/" + tenant + "/v2.0/.well-known/openid-configuration"
	}
	return &Sink{
		authority: authority,
		log:       deps.Logger, client: client, cred: cred, hc: hc,
		endpoint: endpoint, ruleID: r.RuleID, stream: r.Stream, scope: strings.TrimRight(r.Audience, "/") + "/.default",
		maxBytes: r.MaxBatchBytes, compress: r.Compress, timeout: r.Timeout.D(), opts: r.Options, now: deps.Now,
	}, nil
}

// Send delivers batch in calls of at most max_batch_bytes. It returns nil
// once the API accepted every record; exporter.Rejected listing the
// records that cannot go (a record larger than a call, one that cannot be
// rendered) while the rest went through; and otherwise the classified
// failure of the first call that failed, which keeps the whole batch
// (calls already accepted are made again on retry: delivery is
// at-least-once, deduplicated in KQL by the record id).
func (s *Sink) Send(ctx context.Context, batch []exporter.Record) error {
	return s.prepare(len(batch), len(batch)*1024, func(i int) ([]byte, *format.Meta, error) {
		return format.RenderBody(&batch[i], nil, s.opts)
	}, func(i int) string { return batch[i].ID }).Send(ctx)
}

// SendRaw is Send for records as the outbox stores them.
func (s *Sink) SendRaw(ctx context.Context, batch []exporter.RawRecord) error {
	return s.PrepareRaw(batch).Send(ctx)
}

// PrepareRaw renders batch's records and builds (gzips) the bodies of its
// calls, ready for Send: the delivery loop calls it while the batch
// before is still being sent, so that the CPU work is off the request
// path. The bodies are copies: batch may be reused once it returns.
func (s *Sink) PrepareRaw(batch []exporter.RawRecord) exporter.PreparedSend {
	n := 0
	for i := range batch {
		n += len(batch[i].JSON)
	}
	return s.prepare(len(batch), n+n/8, func(i int) ([]byte, *format.Meta, error) {
		return format.RenderStored(&batch[i], s.opts)
	}, func(i int) string { return batch[i].Head.ID })
}

// prepare renders records 0 to n-1 with render into one buffer of about
// size bytes (an audit entry shipped as its own body with MetaKey added),
// refuses those that do not render, and builds the calls of the rest (see
// build). id names record i in errors.
func (s *Sink) prepare(n, size int, render func(i int) ([]byte, *format.Meta, error), id func(int) string) *prepared {
	bodies := make([][]byte, n)
	var rej batching.Rejections
	buf := make([]byte, 0, size)
	for i := range n {
		b, m, err := render(i)
		if err != nil {
			rej.Add(err, i)
			continue
		}
		start := len(buf)
		if m != nil {
			buf = format.AppendMeta(append(buf, b...), m)
		} else {
			buf = append(buf, b...)
		}
		bodies[i] = buf[start:len(buf):len(buf)]
	}
	return s.build(bodies, id, &rej)
}

// Close releases idle connections.
func (s *Sink) Close() error {
	s.hc.CloseIdleConnections()
	return nil
}
