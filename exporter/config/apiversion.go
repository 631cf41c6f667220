package config

import "fmt"

// GitHub REST API versions the exporter reads (github.api_version). Both
// shapes of what changed between them are decoded: Dependabot's cvss
// (gone in 2026-03-10) beside cvss_severities, and /rate_limit with and
// without its top-level rate.
const (
	// APIVersion20221128 is the default: GitHub supports it until at least
	// March 2028, and every GHES release has it.
	APIVersion20221128 = "2022-11-28"
	// APIVersion20260310 is served by github.com, GHEC and GHES from 3.21.
	APIVersion20260310 = "2026-03-10"
)

// APIVersions lists the accepted github.api_version values, oldest first.
var APIVersions = []string{APIVersion20221128, APIVersion20260310}

// APIVersionMinGHES is the first GHES feature release serving
// APIVersion20260310 (GitHub's "API versions" page per release; 2026-03-10
// is absent from the GHES 3.19 description and arrives in 3.21).
const APIVersionMinGHES = "3.21"

// GHESServes reports whether GHES feature release ghes (e.g. "3.19")
// serves API version v and, when it does not, the first release that
// does. An unknown or malformed release is not refused here (GitHub's own
// 400 says otherwise, and the daemon checks the detected release at start).
func GHESServes(ghes, v string) (ok bool, first string) {
	if v != APIVersion20260310 {
		return true, ""
	}
	return GHESAtLeast(ghes, APIVersionMinGHES), APIVersionMinGHES
}

// GHESAtLeast reports whether GHES feature release ghes (e.g. "3.19") is
// min or later. A release that does not read as MAJOR.MINOR (unknown,
// malformed) is assumed to be: the feature is tried, and GitHub's answer
// says otherwise.
func GHESAtLeast(ghes, min string) bool {
	var major, minor, minMajor, minMinor int
	if _, err := fmt.Sscanf(ghes, "%d.%d", &major, &minor); err != nil {
		return true
	}
	fmt.Sscanf(min, "%d.%d", &minMajor, &minMinor)
	return major > minMajor || (major == minMajor && minor >= minMinor)
}
