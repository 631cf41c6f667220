package otlp

import (
	"fmt"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/format"
)

// ScopeName is the instrumentation scope of every LogRecord the sink sends.
const ScopeName = "github.com/ghsec-exporter/ghsec-exporter/sinks/otlp"

// Attribute keys of a LogRecord: the record's key fields, so that a
// collector routes and filters on them without parsing the body. An empty
// field is left out.
const (
	// AttrUID is the semantic conventions' unique id of a log record:
	// the record id, by which a backend can drop a redelivered record.
	AttrUID         = "log.record.uid"
	AttrID          = "ghsec.id"
	AttrCategory    = "ghsec.category"
	AttrSource      = "ghsec.source"
	AttrAction      = "ghsec.action"
	AttrOrigin      = "ghsec.origin"
	AttrEnterprise  = "ghsec.enterprise"
	AttrOrg         = "ghsec.org"
	AttrRepo        = "ghsec.repo"
	AttrAlertSource = "ghsec.alert_source"
	AttrAlertNumber = "ghsec.alert.number"
	// AttrAlertSeverity is the alert's normalized severity (also the
	// LogRecord's severity text).
	AttrAlertSeverity = "ghsec.alert.severity"
	// AttrBody says what the body is: record, ocsf, ecs or entry (GitHub's
	// audit entry).
	AttrBody = "ghsec.body"
)

// Severity returns the LogRecord severity of a record: an alert's
// normalized severity mapped onto OpenTelemetry's ranges as the syslog
// sink maps it onto syslog's (critical → FATAL, high → ERROR, medium →
// WARN, low → INFO2, none → INFO), an alert of no known severity (secret
// scanning) WARN so it is not buried below real findings, and an audit
// record INFO2. The text is the alert's severity, empty when it has none.
func Severity(h *exporter.RecordHead) (plog.SeverityNumber, string) {
	if h.Category != exporter.CategoryAlert {
		return plog.SeverityNumberInfo2, h.Severity
	}
	switch h.Severity {
	case exporter.SeverityCritical:
		return plog.SeverityNumberFatal, h.Severity
	case exporter.SeverityHigh:
		return plog.SeverityNumberError, h.Severity
	case exporter.SeverityMedium:
		return plog.SeverityNumberWarn, h.Severity
	case exporter.SeverityLow:
		return plog.SeverityNumberInfo2, h.Severity
	case exporter.SeverityNone:
		return plog.SeverityNumberInfo, h.Severity
	}
	return plog.SeverityNumberWarn, h.Severity
}

// item is one record ready to become a LogRecord.
type item struct {
	head *exporter.RecordHead
	body []byte
	kind string // AttrBody's value
}

// size is what the item adds to a request, roughly: the body and its
// attributes' encoding.
func (it *item) size() int {
	return len(it.body) + 256
}

// render builds r's item under o: its body as the other sinks render it,
// and its head, which holds every field the attributes need. The error
// concerns r alone.
func render(r *exporter.RawRecord, o format.Options) (item, error) {
	it := item{head: &r.Head, kind: bodyKind(r.Head.Category, o)}
	body, _, err := format.RenderStored(r, o)
	if err != nil {
		return item{}, err
	}
	it.body = body
	return it, nil
}

func bodyKind(c exporter.Category, o format.Options) string {
	switch {
	case o.Entry(c):
		return format.AuditBodyEntry
	case o.Schema == "":
		return format.SchemaRecord
	}
	return o.Schema
}

// encoder builds ExportLogsServiceRequests.
type encoder struct {
	resource map[string]string
	version  string
}

func newEncoder(c Config, version string) *encoder {
	res := map[string]string{"service.name": ServiceName, "service.version": version}
	for k, v := range c.ResourceAttributes {
		res[k] = v
	}
	return &encoder{resource: res, version: version}
}

// logs builds one ResourceLogs with one ScopeLogs holding a LogRecord per
// item at idxs.
func (e *encoder) logs(items []item, idxs []int) plog.Logs {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	ra := rl.Resource().Attributes()
	ra.EnsureCapacity(len(e.resource))
	for k, v := range e.resource {
		ra.PutStr(k, v)
	}
	sl := rl.ScopeLogs().AppendEmpty()
	sl.Scope().SetName(ScopeName)
	sl.Scope().SetVersion(e.version)
	lrs := sl.LogRecords()
	lrs.EnsureCapacity(len(idxs))
	for _, i := range idxs {
		logRecord(lrs.AppendEmpty(), &items[i])
	}
	return ld
}

// logRecord fills lr from it.
func logRecord(lr plog.LogRecord, it *item) {
	h := it.head
	lr.SetTimestamp(pcommon.NewTimestampFromTime(h.Time))
	lr.SetObservedTimestamp(pcommon.NewTimestampFromTime(h.ObservedAt))
	sev, text := Severity(h)
	lr.SetSeverityNumber(sev)
	lr.SetSeverityText(text)
	lr.Body().SetStr(string(it.body))
	a := lr.Attributes()
	a.EnsureCapacity(13)
	a.PutStr(AttrUID, h.ID)
	a.PutStr(AttrID, h.ID)
	a.PutStr(AttrCategory, string(h.Category))
	a.PutStr(AttrSource, string(h.Source))
	a.PutStr(AttrAction, h.Action)
	putNonEmpty(a, AttrOrigin, string(h.Origin))
	putNonEmpty(a, AttrEnterprise, h.Enterprise)
	putNonEmpty(a, AttrOrg, h.Org)
	putNonEmpty(a, AttrRepo, h.Repo)
	putNonEmpty(a, AttrAlertSource, string(h.AlertSource))
	if h.AlertNumber != 0 {
		a.PutInt(AttrAlertNumber, int64(h.AlertNumber))
	}
	putNonEmpty(a, AttrAlertSeverity, h.Severity)
	a.PutStr(AttrBody, it.kind)
}

func putNonEmpty(a pcommon.Map, k, v string) {
	if v != "" {
		a.PutStr(k, v)
	}
}

// request marshals the LogRecords of the items at idxs into one
// ExportLogsServiceRequest (protobuf).
func (e *encoder) request(items []item, idxs []int) ([]byte, error) {
	b, err := plogotlp.NewExportRequestFromLogs(e.logs(items, idxs)).MarshalProto()
	if err != nil {
		return nil, fmt.Errorf("marshal OTLP logs request: %w", err)
	}
	return b, nil
}
