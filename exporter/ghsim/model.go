package ghsim

import (
	"time"
)

type enterprise struct {
	slug  string
	id    int64
	orgs  []*org
	audit auditLog // events added to the enterprise itself
}

func (e *enterprise) removeOrg(o *org) {
	for i, x := range e.orgs {
		if x == o {
			e.orgs = append(e.orgs[:i], e.orgs[i+1:]...)
			return
		}
	}
}

type org struct {
	login string
	id    int64
	ent   *enterprise
	repos []*repo
	audit auditLog
}

type repo struct {
	org   *org
	name  string
	full  string
	id    int64
	next  [3]int            // last alert number handed out, per kind
	byNum [3]map[int]*alert // live (not deleted) alerts by number, per kind
	json  map[string][]byte // rendered repository object by API base
}

// AlertSpec describes a new alert. Fields that do not apply to the kind are
// ignored; empty fields get realistic defaults.
type AlertSpec struct {
	Severity     string // dependabot: low|medium|high|critical; code scanning: security_severity_level or "" (then RuleSeverity); secret scanning: ignored
	RuleSeverity string // code scanning rule.severity: none|note|warning|error
	Title        string // summary / rule description / secret_type_display_name

	Package, Ecosystem, Manifest, GHSAID, CVEID string // dependabot

	RuleID, Tool string // code scanning (tool name, e.g. CodeQL)
	Ref          string // code scanning most_recent_instance.ref; "" = refs/heads/main

	SecretType, Secret, Validity string // secret scanning; Secret is the leaked value GitHub returns in "secret"

	At time.Time // created_at; zero = Now()
}

// alert is one alert of any kind. Zero times are JSON null.
type alert struct {
	id     int64 // unique across the simulator: the sort tie-break
	kind   Kind
	repo   *repo
	number int
	spec   AlertSpec

	state            string
	created, updated time.Time

	dismissedAt      time.Time
	dismissedBy      string
	dismissedReason  string
	dismissedComment string
	fixedAt          time.Time
	autoDismissedAt  time.Time

	resolvedAt        time.Time
	resolvedBy        string
	resolution        string
	resolutionComment string
	bypassed          bool
	bypassedBy        string
	bypassedAt        time.Time
	leaked            bool   // secret scanning publicly_leaked
	assignee          string // secret scanning assigned_to
}

func kindIndex(k Kind) int {
	switch k {
	case Dependabot:
		return 0
	case CodeScanning:
		return 1
	case SecretScanning:
		return 2
	}
	return -1
}

// sortTime is the value the list's sort parameter orders by.
func (a *alert) sortTime(sortBy string) time.Time {
	if sortBy == "updated" {
		return a.updated
	}
	return a.created
}
