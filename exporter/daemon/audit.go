package daemon

import "context"

// PollAudit polls the audit log of every configured org and enterprise.
func (a *App) PollAudit(ctx context.Context) error {
	return nil
}
