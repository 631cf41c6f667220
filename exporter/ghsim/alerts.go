package ghsim

import (
	"fmt"
	"time"
)

// CreateAlert adds an open alert to repo ("org/name", created when missing)
// and returns its number: per repository and kind, starting at 1, never
// reused. It panics on an unknown kind.
func (s *Sim) CreateAlert(kind Kind, repoName string, spec AlertSpec) int {
	ki := kindIndex(kind)
	if ki < 0 {
		panic(fmt.Sprintf("ghsim: unknown alert kind %q", kind))
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.repoLocked(repoName)
	a := &alert{id: s.newID(), kind: kind, repo: r, state: "open"}
	a.spec = fillSpec(kind, spec, a.id)
	a.created = now
	if !spec.At.IsZero() {
		a.created = spec.At.UTC().Truncate(time.Second)
	}
	a.updated = a.created
	r.next[ki]++
	a.number = r.next[ki]
	r.byNum[ki][a.number] = a
	s.version[ki]++
	switch kind {
	case Dependabot:
		s.alertAudit(a, "repository_vulnerability_alert.create", "dependabot[bot]", a.created, nil)
	case CodeScanning:
		s.alertAudit(a, "code_scanning.alert_created", "", a.created, nil)
	case SecretScanning:
		s.alertAudit(a, "secret_scanning_alert.create", "github-secret-scanning[bot]", a.created, nil)
	}
	s.queueHooks(a, "create", "", "")
	return a.number
}

// mutate finds a live alert and applies f under the lock; f returns the audit
// action and actor to record (action "" records nothing). Every mutation sets
// updated_at to Now.
func (s *Sim) mutate(kind Kind, repoName string, number int, op string, f func(a *alert, now time.Time) (string, string, map[string]any, error)) error {
	ki := kindIndex(kind)
	if ki < 0 {
		return fmt.Errorf("%s %s alert %s#%d: %w", op, kind, repoName, number, ErrUnsupported)
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.repos[repoName]
	if r == nil {
		return fmt.Errorf("%s %s alert %s#%d: repository: %w", op, kind, repoName, number, ErrNotFound)
	}
	a := r.byNum[ki][number]
	if a == nil {
		return fmt.Errorf("%s %s alert %s#%d: %w", op, kind, repoName, number, ErrNotFound)
	}
	prevState := a.state
	action, actor, fields, err := f(a, now)
	if err != nil {
		return fmt.Errorf("%s %s alert %s#%d: %w", op, kind, repoName, number, err)
	}
	a.updated = now
	s.version[ki]++
	if action != "" {
		s.alertAudit(a, action, actor, now, fields)
	}
	if s.sender == "" {
		s.sender = actor
	}
	s.queueHooks(a, op, prevState, s.sender)
	s.sender = ""
	return nil
}

// Dismiss dismisses a Dependabot or code scanning alert, setting
// dismissed_at/by/reason/comment. Secret scanning alerts are resolved instead
// (ErrUnsupported).
func (s *Sim) Dismiss(kind Kind, repo string, number int, actor, reason, comment string) error {
	return s.mutate(kind, repo, number, "dismiss", func(a *alert, now time.Time) (string, string, map[string]any, error) {
		s.sender = actor
		if kind == SecretScanning {
			return "", "", nil, ErrUnsupported
		}
		clearClosed(a)
		a.state = "dismissed"
		a.dismissedAt, a.dismissedBy, a.dismissedReason, a.dismissedComment = now, actor, reason, comment
		if kind == Dependabot {
			return "repository_vulnerability_alert.dismiss", actor, map[string]any{"dismiss_reason": reason, "dismiss_comment": comment}, nil
		}
		return "code_scanning.alert_closed_by_user", actor, nil, nil
	})
}

// AutoDismiss moves a Dependabot alert to auto_dismissed (a Dependabot rule
// closed it), setting auto_dismissed_at.
func (s *Sim) AutoDismiss(repo string, number int) error {
	return s.mutate(Dependabot, repo, number, "auto-dismiss", func(a *alert, now time.Time) (string, string, map[string]any, error) {
		clearClosed(a)
		a.state = "auto_dismissed"
		a.autoDismissedAt = now
		return "repository_vulnerability_alert.auto_dismiss", "dependabot[bot]", nil, nil
	})
}

// Fix marks a Dependabot or code scanning alert fixed, setting fixed_at.
func (s *Sim) Fix(kind Kind, repo string, number int) error {
	return s.mutate(kind, repo, number, "fix", func(a *alert, now time.Time) (string, string, map[string]any, error) {
		if kind == SecretScanning {
			return "", "", nil, ErrUnsupported
		}
		clearClosed(a)
		a.state = "fixed"
		a.fixedAt = now
		if kind == Dependabot {
			return "repository_vulnerability_alert.resolve", "dependabot[bot]", nil, nil
		}
		return "code_scanning.alert_closed_became_fixed", "", nil, nil
	})
}

// Reopen puts an alert back to open and clears dismissed_*, fixed_at,
// auto_dismissed_at and resolved_*/resolution, as GitHub does. The push
// protection bypass of a secret scanning alert stays.
func (s *Sim) Reopen(kind Kind, repo string, number int, actor string) error {
	return s.mutate(kind, repo, number, "reopen", func(a *alert, _ time.Time) (string, string, map[string]any, error) {
		s.sender = actor
		prev := a.state
		clearClosed(a)
		a.state = "open"
		switch {
		case kind == SecretScanning:
			return "secret_scanning_alert.reopen", actor, nil, nil
		case kind == Dependabot && prev == "auto_dismissed":
			return "repository_vulnerability_alert.auto_reopen", "dependabot[bot]", nil, nil
		case kind == Dependabot && prev == "fixed":
			return "repository_vulnerability_alert.reintroduce", "dependabot[bot]", nil, nil
		case kind == Dependabot:
			return "repository_vulnerability_alert.reopen", actor, nil, nil
		case prev == "fixed":
			return "code_scanning.alert_reappeared", "", nil, nil
		}
		return "code_scanning.alert_reopened_by_user", actor, nil, nil
	})
}

// Resolve resolves a secret scanning alert (resolution false_positive,
// wont_fix, revoked, used_in_tests, ...), setting resolved_at/by and
// resolution_comment.
func (s *Sim) Resolve(repo string, number int, actor, resolution, comment string) error {
	return s.mutate(SecretScanning, repo, number, "resolve", func(a *alert, now time.Time) (string, string, map[string]any, error) {
		a.state = "resolved"
		a.resolvedAt, a.resolvedBy, a.resolution, a.resolutionComment = now, actor, resolution, comment
		return "secret_scanning_alert.resolve", actor, map[string]any{"resolution": resolution}, nil
	})
}

// Bypass records that actor pushed the secret past push protection:
// push_protection_bypassed, _by and _at.
func (s *Sim) Bypass(repo string, number int, actor string) error {
	return s.mutate(SecretScanning, repo, number, "bypass", func(a *alert, now time.Time) (string, string, map[string]any, error) {
		a.bypassed, a.bypassedBy, a.bypassedAt = true, actor, now
		return "secret_scanning_push_protection.bypass", actor, map[string]any{"push_protection_bypass_reason": "will_fix_later"}, nil
	})
}

// SetSeverity changes a Dependabot advisory severity or a code scanning
// security_severity_level (or, for none|note|warning|error, rule.severity).
// Secret scanning alerts have no severity (ErrUnsupported).
func (s *Sim) SetSeverity(kind Kind, repo string, number int, severity string) error {
	return s.mutate(kind, repo, number, "set severity of", func(a *alert, _ time.Time) (string, string, map[string]any, error) {
		switch kind {
		case Dependabot:
			a.spec.Severity = severity
		case CodeScanning:
			if isRuleSeverity(severity) {
				a.spec.Severity, a.spec.RuleSeverity = "", severity
			} else {
				a.spec.Severity = severity
			}
		default:
			return "", "", nil, ErrUnsupported
		}
		return "", "", nil, nil
	})
}

// Delete removes an alert: lists omit it and its GET answers 404. Its number
// is not reused. With Options.AuditAlerts, a Dependabot alert's removal is
// audited as repository_vulnerability_alert.withdraw, a secret scanning
// alert's as secret_scanning_alert.delete (code scanning has no such event).
func (s *Sim) Delete(kind Kind, repo string, number int) error {
	ki := kindIndex(kind)
	if ki < 0 {
		return fmt.Errorf("delete %s alert %s#%d: %w", kind, repo, number, ErrUnsupported)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.repos[repo]
	if r == nil || r.byNum[ki][number] == nil {
		return fmt.Errorf("delete %s alert %s#%d: %w", kind, repo, number, ErrNotFound)
	}
	switch a := r.byNum[ki][number]; kind {
	case Dependabot:
		s.alertAudit(a, "repository_vulnerability_alert.withdraw", "", s.now(), nil)
	case SecretScanning:
		s.alertAudit(a, "secret_scanning_alert.delete", "", s.now(), nil)
	}
	delete(r.byNum[ki], number)
	s.version[ki]++
	return nil
}

// clearClosed resets every closing field, so state and fields never disagree.
func clearClosed(a *alert) {
	a.dismissedAt, a.dismissedBy, a.dismissedReason, a.dismissedComment = time.Time{}, "", "", ""
	a.fixedAt, a.autoDismissedAt = time.Time{}, time.Time{}
	a.resolvedAt, a.resolvedBy, a.resolution, a.resolutionComment = time.Time{}, "", "", ""
}

func isRuleSeverity(s string) bool {
	return s == "none" || s == "note" || s == "warning" || s == "error"
}

// alertAudit writes the audit event GitHub writes for an alert change, when
// Options.AuditAlerts asks for it. Caller holds s.mu.
func (s *Sim) alertAudit(a *alert, action, actor string, at time.Time, extra map[string]any) {
	if !s.opts.AuditAlerts {
		return
	}
	fields := map[string]any{}
	switch a.kind {
	case Dependabot:
		fields["alert_number"] = a.number
		fields["alert_id"] = a.id
		fields["ghsa_id"] = a.spec.GHSAID
	case CodeScanning:
		// one code scanning event can name many alerts
		fields["alert_numbers"] = []int{a.number}
		fields["rule_id"] = a.spec.RuleID
	case SecretScanning:
		fields["number"] = a.number
		fields["secret_type"] = a.spec.SecretType
		fields["secret_type_display_name"] = a.spec.Title
	}
	for k, v := range extra {
		fields[k] = v
	}
	s.addAuditLocked(a.repo.org, nil, AuditEvent{Action: action, Actor: actor, Repo: a.repo.full, At: at, Fields: fields})
}
