package ghsim

import (
	"encoding/json"
	"strconv"
	"time"
)

// Dependabot alert JSON, after GitHub's dependabot-alert /
// dependabot-alert-with-repository schemas. Nullable required fields are
// always present; GHES lacks assignees and dependency.relationship, GHES 3.15
// also lacks epss.

type depJSON struct {
	Number                int                `json:"number"`
	State                 string             `json:"state"`
	Dependency            depDependency      `json:"dependency"`
	SecurityAdvisory      depAdvisory        `json:"security_advisory"`
	SecurityVulnerability depVulnerability   `json:"security_vulnerability"`
	URL                   string             `json:"url"`
	HTMLURL               string             `json:"html_url"`
	CreatedAt             string             `json:"created_at"`
	UpdatedAt             string             `json:"updated_at"`
	DismissedAt           *string            `json:"dismissed_at"`
	DismissedBy           json.RawMessage    `json:"dismissed_by"`
	DismissedReason       *string            `json:"dismissed_reason"`
	DismissedComment      *string            `json:"dismissed_comment"`
	FixedAt               *string            `json:"fixed_at"`
	AutoDismissedAt       *string            `json:"auto_dismissed_at"`
	Assignees             *[]json.RawMessage `json:"assignees,omitempty"`
}

type depPackage struct {
	Ecosystem string `json:"ecosystem"`
	Name      string `json:"name"`
}

type depDependency struct {
	Package      depPackage `json:"package"`
	ManifestPath string     `json:"manifest_path"`
	Scope        string     `json:"scope"`
	Relationship string     `json:"relationship,omitempty"`
}

type depVulnerability struct {
	Package                depPackage `json:"package"`
	Severity               string     `json:"severity"`
	VulnerableVersionRange string     `json:"vulnerable_version_range"`
	FirstPatchedVersion    struct {
		Identifier string `json:"identifier"`
	} `json:"first_patched_version"`
}

type cvss struct {
	VectorString string  `json:"vector_string"`
	Score        float64 `json:"score"`
}

type depAdvisory struct {
	GHSAID          string             `json:"ghsa_id"`
	CVEID           *string            `json:"cve_id"`
	Summary         string             `json:"summary"`
	Description     string             `json:"description"`
	Vulnerabilities []depVulnerability `json:"vulnerabilities"`
	Severity        string             `json:"severity"`
	CVSS            *cvss              `json:"cvss,omitempty"` // gone in 2026-03-10
	CVSSSeverities  struct {
		V3 cvss `json:"cvss_v3"`
		V4 cvss `json:"cvss_v4"`
	} `json:"cvss_severities"`
	EPSS *struct {
		Percentage float64 `json:"percentage"`
		Percentile float64 `json:"percentile"`
	} `json:"epss,omitempty"`
	CWEs []struct {
		CWEID string `json:"cwe_id"`
		Name  string `json:"name"`
	} `json:"cwes"`
	Identifiers []struct {
		Type  string `json:"type"`
		Value string `json:"value"`
	} `json:"identifiers"`
	References []struct {
		URL string `json:"url"`
	} `json:"references"`
	PublishedAt string  `json:"published_at"`
	UpdatedAt   string  `json:"updated_at"`
	WithdrawnAt *string `json:"withdrawn_at"`
}

var severityScore = map[string]float64{"critical": 9.8, "high": 7.5, "medium": 5.3, "low": 3.1}

// renderDependabot builds one alert's JSON. Caller holds s.mu.
func (s *Sim) renderDependabot(a *alert, b bases) depJSON {
	sp := a.spec
	pkg := depPackage{Ecosystem: sp.Ecosystem, Name: sp.Package}
	minor := a.id % 20
	vuln := depVulnerability{
		Package:                pkg,
		Severity:               sp.Severity,
		VulnerableVersionRange: "< 1." + strconv.FormatInt(minor, 10) + ".3",
	}
	vuln.FirstPatchedVersion.Identifier = "1." + strconv.FormatInt(minor, 10) + ".3"
	score := cvss{VectorString: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", Score: severityScore[sp.Severity]}
	adv := depAdvisory{
		GHSAID:          sp.GHSAID,
		CVEID:           strp(sp.CVEID),
		Summary:         sp.Title,
		Description:     sp.Title + ". Versions of " + sp.Package + " before " + vuln.FirstPatchedVersion.Identifier + " are affected.",
		Vulnerabilities: []depVulnerability{vuln},
		Severity:        sp.Severity,
		PublishedAt:     ts(a.created.Add(-72 * time.Hour)),
		UpdatedAt:       ts(a.created.Add(-24 * time.Hour)),
	}
	if !b.v2026 {
		adv.CVSS = &score
	}
	adv.CVSSSeverities.V3 = score
	adv.CVSSSeverities.V4 = cvss{VectorString: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", Score: score.Score}
	if b.ghes != "3.15" {
		adv.EPSS = &struct {
			Percentage float64 `json:"percentage"`
			Percentile float64 `json:"percentile"`
		}{Percentage: float64(a.id%1000) / 100000, Percentile: float64(a.id%100) / 100}
	}
	adv.CWEs = append(adv.CWEs, struct {
		CWEID string `json:"cwe_id"`
		Name  string `json:"name"`
	}{"CWE-20", "Improper Input Validation"})
	adv.Identifiers = append(adv.Identifiers, struct {
		Type  string `json:"type"`
		Value string `json:"value"`
	}{"GHSA", sp.GHSAID})
	if sp.CVEID != "" {
		adv.Identifiers = append(adv.Identifiers, struct {
			Type  string `json:"type"`
			Value string `json:"value"`
		}{"CVE", sp.CVEID})
	}
	adv.References = append(adv.References, struct {
		URL string `json:"url"`
	}{"https://github.com/advisories/" + sp.GHSAID})

	scope := depScope(a)
	api, html := alertURLs(a, b)
	out := depJSON{
		Number:                a.number,
		State:                 a.state,
		Dependency:            depDependency{Package: pkg, ManifestPath: sp.Manifest, Scope: scope},
		SecurityAdvisory:      adv,
		SecurityVulnerability: vuln,
		URL:                   api,
		HTMLURL:               html,
		CreatedAt:             ts(a.created),
		UpdatedAt:             ts(a.updated),
		DismissedAt:           tsp(a.dismissedAt),
		DismissedBy:           s.userRaw(b, a.dismissedBy),
		DismissedReason:       strp(a.dismissedReason),
		DismissedComment:      strp(a.dismissedComment),
		FixedAt:               tsp(a.fixedAt),
		AutoDismissedAt:       tsp(a.autoDismissedAt),
	}
	if b.full {
		out.Dependency.Relationship = "direct"
		if a.id%3 == 0 {
			out.Dependency.Relationship = "transitive"
		}
		out.Assignees = &[]json.RawMessage{}
	}
	return out
}
