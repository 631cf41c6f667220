// Package ghsim is an in-process simulator of the parts of GitHub's REST API
// that ghsec-exporter reads: the Dependabot, code scanning and secret scanning
// alert lists (repository, organization and enterprise scope) and single-alert
// GETs, the organization and enterprise audit log, and /rate_limit.
//
// A *Sim is an http.Handler; tests mount it on httptest.NewServer and point a
// go-github v62 client at the server's URL (plus "/api/v3/" for GHES). Tests
// drive it through Go methods (CreateAlert, Dismiss, Fix, Reopen, Resolve,
// Bypass, AddAuditEvent, Advance, InjectFault, ...) and inspect what the client
// did through Requests and RateLimitRemaining.
//
// What it models, and why it matters to the exporter:
//   - GitHub's JSON shapes per product (dotcom, GHEC, GHES), so responses decode
//     into go-github's types and carry the fields the published examples carry;
//   - cursor pagination whose cursors encode the sort key and a unique id, so a
//     walk stays consistent while alerts change between page fetches, and page
//     numbers where GitHub (or GHES) uses them;
//   - strong ETags with conditional requests that cost no rate limit, primary
//     rate limits per token with a one-hour window on the simulator's clock, and
//     injected faults (secondary limits, 5xx, malformed bodies);
//   - audit-log indexing lag: an event keeps its @timestamp but becomes visible
//     only after a pseudo-random delay, which is what makes naive time-window
//     pollers lose events.
//
// Every timestamp comes from one clock (Options.Now or a manual clock), so tests
// are deterministic. All methods are safe for concurrent use.
//
// docs/simulator.md describes what it does not model.
package ghsim
