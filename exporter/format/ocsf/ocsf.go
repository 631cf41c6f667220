package ocsf

import (
	"bytes"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"time"

	json "github.com/goccy/go-json"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// SchemaVersion is the OCSF version of every event, in metadata.version.
const SchemaVersion = "1.8.0"

// Product names what metadata.product says reported the events.
const (
	ProductName   = "ghsec-exporter"
	ProductVendor = "ghsec-exporter project"
)

// Errors Marshal returns, wrapped with the record's id.
var (
	// ErrCategory: the record's category (or an alert record's source) has
	// no OCSF class here.
	ErrCategory = errors.New("no ocsf class for record")
	// ErrIncomplete: the record lacks the part its category needs (an
	// alert record without alert, an audit record without audit).
	ErrIncomplete = errors.New("record lacks the fields of its category")
)

// Encoder maps records to OCSF events. Version is written as
// metadata.product.version (left out when empty); the zero Encoder is
// ready to use.
type Encoder struct {
	Version string
}

// Marshal returns rec as one OCSF 1.8.0 event in compact JSON (<, > and &
// unescaped), with metadata.product.version taken from the binary's build
// information. See Encoder.Marshal.
func Marshal(rec *exporter.Record) ([]byte, error) {
	return Encoder{Version: buildVersion()}.Marshal(rec)
}

// Marshal returns rec as one OCSF 1.8.0 event in compact JSON: alert
// records as Vulnerability Finding (Dependabot), Application Security
// Posture Finding (code scanning) or Data Security Finding (secret
// scanning), audit records as Account Change or API Activity, request
// records as Detection Finding (docs/ocsf.md says why). It fails with
// ErrCategory for a category or source it has no class for, with
// ErrIncomplete when the record lacks its category's part, and when the
// record holds raw JSON that does not encode.
func (e Encoder) Marshal(rec *exporter.Record) ([]byte, error) {
	ev, err := e.event(rec)
	if err != nil {
		return nil, fmt.Errorf("ocsf: record %s: %w", rec.ID, err)
	}
	// <, > and & as themselves, as the file sink writes records
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(ev); err != nil {
		return nil, fmt.Errorf("ocsf: encode record %s: %w", rec.ID, err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

func (e Encoder) event(rec *exporter.Record) (*event, error) {
	ev := &event{
		Time: millis(rec.Time),
		Metadata: metadata{
			Version: SchemaVersion, UID: rec.ID,
			Product:     product{Name: ProductName, VendorName: ProductVendor, Version: e.Version},
			LogName:     string(rec.Source),
			LogProvider: "GitHub",
			EventCode:   rec.Action,
			LoggedTime:  millis(rec.ObservedAt),
		},
		Unmapped: &unmapped{Origin: string(rec.Origin), Enterprise: rec.Enterprise, Org: rec.Org},
	}
	if len(rec.Raw) > 0 {
		ev.RawData = string(rec.Raw)
	}
	var err error
	switch rec.Category {
	case exporter.CategoryAlert:
		err = mapAlert(ev, rec)
	case exporter.CategoryAudit:
		err = mapAudit(ev, rec)
	case exporter.CategoryRequest:
		err = mapRequestRecord(ev, rec)
	default:
		err = fmt.Errorf("%w: category %q", ErrCategory, rec.Category)
	}
	if err != nil {
		return nil, err
	}
	return ev, nil
}

// class is one OCSF event class: its ids and the captions of its
// activities.
type class struct {
	uid          int
	name         string
	categoryUID  int
	categoryName string
	activities   map[int]string
}

var findingActivities = map[int]string{0: "Unknown", activityCreate: "Create", activityUpdate: "Update", activityClose: "Close", 99: "Other"}

var (
	vulnerabilityFinding = class{2002, "Vulnerability Finding", 2, "Findings", findingActivities}
	detectionFinding     = class{2004, "Detection Finding", 2, "Findings", findingActivities}
	dataSecurityFinding  = class{2006, "Data Security Finding", 2, "Findings", findingActivities}
	appSecPostureFinding = class{2007, "Application Security Posture Finding", 2, "Findings", findingActivities}
	accountChange        = class{3001, "Account Change", 3, "Identity & Access Management", map[int]string{
		0: "Unknown", 1: "Create", 2: "Enable", 3: "Password Change", 4: "Password Reset", 5: "Disable", 6: "Delete",
		7: "Attach Policy", 8: "Detach Policy", 9: "Lock", 10: "MFA Factor Enable", 11: "MFA Factor Disable", 12: "Unlock", 99: "Other"}}
	apiActivity = class{6003, "API Activity", 6, "Application Activity", map[int]string{
		0: "Unknown", 1: "Create", 2: "Read", 3: "Update", 4: "Delete", 99: "Other"}}
)

// Finding activities (the same ids in every findings class).
const (
	activityCreate = 1
	activityUpdate = 2
	activityClose  = 3
	activityOther  = idOther
)

// classify sets the classification attributes of ev: class, category,
// activity and type. other is the source's own label of an activity 99
// (Other), which OCSF puts in activity_name.
func (ev *event) classify(c class, activityID int, other string) {
	ev.ClassUID, ev.ClassName = c.uid, c.name
	ev.CategoryUID, ev.CategoryName = c.categoryUID, c.categoryName
	ev.ActivityID, ev.ActivityName = activityID, caption(c.activities, activityID, other)
	ev.TypeUID = int64(c.uid)*100 + int64(activityID)
	ev.TypeName = c.name + ": " + c.activities[activityID]
}

// idOther is the id every OCSF enum gives Other.
const idOther = 99

// caption is the caption of enum value id in names, except that Other
// carries the source's own label, other, when there is one: OCSF asks for
// it in the caption attribute (activity_name, severity, status).
func caption(names map[int]string, id int, other string) string {
	if id == idOther && other != "" {
		return other
	}
	return names[id]
}

// Severities (severity_id), the same in every class.
var severityNames = map[int]string{0: "Unknown", 1: "Informational", 2: "Low", 3: "Medium", 4: "High", 5: "Critical", 99: "Other"}

const (
	severityUnknown       = 0
	severityInformational = 1
	severityOther         = idOther
)

func (ev *event) severity(id int, other string) {
	ev.SeverityID, ev.Severity = id, caption(severityNames, id, other)
}

// millis is t as OCSF's timestamp_t (epoch milliseconds); 0, which every
// optional timestamp leaves out, for the zero time.
func millis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func millisPtr(t *time.Time) int64 {
	if t == nil {
		return 0
	}
	return millis(*t)
}

// buildVersion is the main module's version from the build information,
// or "" when the build has none (a development build).
var buildVersion = sync.OnceValue(func() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok || bi.Main.Version == "" || bi.Main.Version == "(devel)" {
		return ""
	}
	return bi.Main.Version
})
