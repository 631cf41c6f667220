package splunk

import (
	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/recordjson"
)

// Default sourcetypes per record category.
const (
	DefaultAlertSourcetype = "github:security:alert"
	DefaultAuditSourcetype = "github:audit"
)

// Fields returns the static fields plus the named record fields of r, the
// latter prefixed github_ so they never collide with Splunk's own source,
// host or index; nil when there are none.
func Fields(static map[string]string, names []string, r *exporter.RecordHead) map[string]string {
	if len(static) == 0 && len(names) == 0 {
		return nil
	}
	out := make(map[string]string, len(static)+len(names))
	for k, v := range static {
		out[k] = v
	}
	for _, n := range names {
		if v := recordField(r, n); v != "" {
			out["github_"+n] = v
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func recordField(r *exporter.RecordHead, name string) string {
	switch name {
	case "source":
		return string(r.Source)
	case "action":
		return r.Action
	case "repo":
		return r.Repo
	case "org":
		return r.Org
	case "category":
		return string(r.Category)
	case "severity":
		return r.Severity
	}
	return ""
}

// Encode marshals decoded records into the stored form both sinks send, so
// Send and SendRaw share one path and one output. A record that cannot be
// marshalled goes to rej and keeps only its head (JSON nil: Chunks skips it).
func Encode(batch []exporter.Record, rej *Rejections) []exporter.RawRecord {
	out := make([]exporter.RawRecord, len(batch))
	for i := range batch {
		out[i].Head = batch[i].Head()
		b, err := recordjson.MarshalRecord(&batch[i])
		if err != nil {
			rej.Add(err, i)
			continue
		}
		out[i].JSON = b
	}
	return out
}
