package syslog

import (
	"math/rand/v2"
	"strings"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// hostile are the pieces generated strings are made of: what RFC 5424
// escaping, sanitizing and truncation must handle.
var hostile = []string{
	"a", "monalisa", "octo-org/hello-world", " ", "-", "]", `"`, `\`, "=", "[", "|", "@",
	"\x00", "\n", "\r\n", "\t", "\x1b", "\x7f", "\xff", "\xc3", "\xe6\x97", "é", "日本", "😀", "\ufeff",
	`x"] [evil@1 a="b`, "<13>1 injected",
}

func genString(rng *rand.Rand) string {
	switch rng.IntN(8) {
	case 0:
		return ""
	case 1: // long: past sdValueMax, escaping doubles it
		return strings.Repeat(hostile[rng.IntN(len(hostile))], 100+rng.IntN(400))
	}
	var b strings.Builder
	for range rng.IntN(12) {
		b.WriteString(hostile[rng.IntN(len(hostile))])
	}
	return b.String()
}

func genHostname(rng *rand.Rand) string {
	switch rng.IntN(4) {
	case 0:
		return "exporter-host"
	case 1:
		return strings.Repeat("h", 200+rng.IntN(100)) // cut to 255
	}
	return genString(rng)
}

func genConfig(rng *rand.Rand) Config {
	c := DefaultConfig()
	c.Facility = []string{"local0", "auth", "kern", "local7"}[rng.IntN(4)]
	c.AppName = []string{"ghsec-exporter", "g", strings.Repeat("a", 32)}[rng.IntN(3)]
	c.SDID = []string{"ghsec@32473", "x@1", "github@99999"}[rng.IntN(3)]
	if rng.IntN(2) == 0 {
		c.Body = BodyCEF
	}
	if rng.IntN(3) == 0 {
		c.MaxMessageSize = minMessageSize + rng.IntN(4000)
	}
	if rng.IntN(4) == 0 {
		c.Oversize = OversizeReject
	}
	return c
}

func genRecord(rng *rand.Rand) exporter.Record {
	recs := sampleRecords()
	r := recs[sampleNames[rng.IntN(len(sampleNames))]]
	str := func(keep string) string {
		if rng.IntN(3) == 0 {
			return keep
		}
		return genString(rng)
	}
	r.ID, r.Action, r.Org, r.Enterprise = str(r.ID), str(r.Action), str(r.Org), str(r.Enterprise)
	r.Repo, r.Actor = str(r.Repo), str(r.Actor)
	r.Category, r.Source = exporter.Category(str(string(r.Category))), exporter.Source(str(string(r.Source)))
	if r.Alert != nil {
		a := *r.Alert
		a.Number = []int{0, 1, -1, 42, 1 << 40, rng.Int()}[rng.IntN(6)]
		a.Severity, a.Title, a.Comment = str(a.Severity), str(a.Title), str(a.Comment)
		r.Alert = &a
	}
	if rng.IntN(20) == 0 { // an SD element that, escaped, fills a message alone
		v := strings.Repeat(hostile[5+rng.IntN(3)], sdValueMax)
		r.ID, r.Action, r.Org, r.Enterprise, r.Repo, r.Actor = v, v, v, v, v, v
	}
	// 1971–2170, nanoseconds, or no time at all (observed_at is used)
	r.Time = time.Unix(0, 0).Add(time.Duration(rng.Int64N(int64(200 * 365 * 24 * time.Hour))))
	if rng.IntN(10) == 0 {
		r.Time = time.Time{}
	}
	return r
}
