// Package ghapi is ghsec-exporter's GitHub REST client, built on go-github
// v62: it lists Dependabot, code scanning and secret scanning alerts at repo,
// org and enterprise scope (sorted by update time, newest first, with ETags,
// stopping at a watermark), reads single alerts, pages the audit log, and
// normalizes GitHub's objects into exporter.Observation without ever keeping
// a secret scanning alert's secret. Endpoints and parameters that v62 lacks
// are built with client.NewRequest and client.Do on v62's own types.
//
// Rate limits are handled below go-github, in a RoundTripper: requests for
// one credential are serialized by default, a reserve of the primary limit is
// never spent, and Retry-After, x-ratelimit-* and secondary-limit 403/429
// responses make it wait (each wait logged as a warning and counted).
package ghapi
