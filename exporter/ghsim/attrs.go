package ghsim

import "time"

// SetValidity changes a secret scanning alert's validity (active, inactive,
// unknown), as GitHub's validity checks do; webhooks send it as "validated".
func (s *Sim) SetValidity(repo string, number int, validity string) error {
	return s.mutate(SecretScanning, repo, number, "set validity of", func(a *alert, _ time.Time) (string, string, map[string]any, error) {
		a.spec.Validity = validity
		return "", "", nil, nil
	})
}

// Leak marks a secret scanning alert's secret as found in a public place
// (publicly_leaked; github.com and GHEC only).
func (s *Sim) Leak(repo string, number int) error {
	return s.mutate(SecretScanning, repo, number, "leak", func(a *alert, _ time.Time) (string, string, map[string]any, error) {
		a.leaked = true
		return "", "", nil, nil
	})
}

// Assign sets a secret scanning alert's assigned_to ("" unassigns) by actor.
func (s *Sim) Assign(repo string, number int, login, actor string) error {
	op := "assign"
	if login == "" {
		op = "unassign"
	}
	return s.mutate(SecretScanning, repo, number, op, func(a *alert, _ time.Time) (string, string, map[string]any, error) {
		s.sender = actor
		a.assignee = login
		return "", "", nil, nil
	})
}
