package daemon

import (
	"context"
	"fmt"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghapi"
)

// AuditScopes lists the orgs and enterprises whose audit log is polled. The
// audit-log API exists on GHEC and GHES only: an explicit github.product:
// dotcom polls none; otherwise each org's own answer decides (see
// auditAnswered).
func (a *App) AuditScopes() []ghapi.Scope {
	if a.gh.Product() == ghapi.ProductDotcom {
		return nil
	}
	var out []ghapi.Scope
	for _, s := range a.scopes() {
		if s.Kind != ghapi.ScopeRepo { // a repository has no audit log of its own
			out = append(out, s)
		}
	}
	return out
}

// PollAudit polls the audit log of every configured org and enterprise; a
// failing scope does not stop the others.
func (a *App) PollAudit(ctx context.Context) error {
	if err := a.productReady(ctx); err != nil {
		return err
	}
	return eachTarget(ctx, a.AuditScopes(), func(s ghapi.Scope) error {
		if !a.auditDue(s) {
			return nil
		}
		start := time.Now()
		st, err := a.auditor.Poll(ctx, s)
		if err = a.auditAnswered(s, err); err != nil {
			return &targetError{s, "audit_log", fmt.Sprintf("poll audit log of %s", s), err}
		}
		if !a.auditDue(s) {
			return nil // GitHub said it has none: warned once, re-checked later
		}
		a.log.Info("audit poll", "scope", s.String(), "requests", st.Requests, "entries", st.Entries,
			"records", st.Shipped, "already_shipped", st.Skipped, "took", time.Since(start).Round(time.Millisecond))
		return nil
	})
}
