package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// Stamped at build time by scripts/package.sh:
//
//	go build -ldflags "-X main.version=1.2.3 -X main.commit=abc1234 -X main.date=2026-01-02T03:04:05Z"
//
// A plain `go build` inside a git checkout still gets commit and date from
// the VCS information Go embeds; only version stays "dev".
var (
	version = "dev"
	commit  = ""
	date    = ""
)

// buildInfo is what `version` prints, with the ldflags values first and
// Go's embedded VCS stamp as the fallback.
func buildInfo() (ver, rev, built string) {
	ver, rev, built = version, commit, date
	if bi, ok := debug.ReadBuildInfo(); ok {
		dirty := false
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				if rev == "" {
					rev = s.Value
				}
			case "vcs.time":
				if built == "" {
					built = s.Value
				}
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
		if dirty && commit == "" && rev != "" {
			rev += "-dirty"
		}
	}
	if rev == "" {
		rev = "unknown"
	}
	if built == "" {
		built = "unknown"
	}
	return ver, rev, built
}

func versionLine() string {
	ver, rev, built := buildInfo()
	return fmt.Sprintf("ghsec-exporter %s (commit %s, built %s, %s %s/%s)", ver, rev, built, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
