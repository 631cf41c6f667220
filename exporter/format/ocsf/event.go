package ocsf

import (
	"encoding/json"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// The OCSF 1.8.0 attributes this package writes, as Go structs: one field
// per attribute, named as the schema names it, left out when empty. Only
// attributes some mapping fills are declared; the tests check every one
// against the schema files (name, type, enum, requirement).

// event is one OCSF event of any of the classes Marshal emits. Attributes
// of one class only (vulnerabilities, api, user, ...) stay empty in the
// others.
type event struct {
	ActivityID   int    `json:"activity_id"`
	ActivityName string `json:"activity_name,omitempty"`
	CategoryUID  int    `json:"category_uid"`
	CategoryName string `json:"category_name,omitempty"`
	ClassUID     int    `json:"class_uid"`
	ClassName    string `json:"class_name,omitempty"`
	TypeUID      int64  `json:"type_uid"`
	TypeName     string `json:"type_name,omitempty"`
	SeverityID   int    `json:"severity_id"`
	Severity     string `json:"severity,omitempty"`
	StatusID     int    `json:"status_id,omitempty"`
	Status       string `json:"status,omitempty"`
	StatusDetail string `json:"status_detail,omitempty"`
	Time         int64  `json:"time"`
	Message      string `json:"message,omitempty"`
	Comment      string `json:"comment,omitempty"`

	Metadata metadata `json:"metadata"`

	// findings
	FindingInfo     *findingInfo     `json:"finding_info,omitempty"`
	Vulnerabilities []vulnerability  `json:"vulnerabilities,omitempty"`
	Application     *application     `json:"application,omitempty"`
	DataSecurity    *dataSecurity    `json:"data_security,omitempty"`
	Evidences       []evidence       `json:"evidences,omitempty"`
	Resources       []resource       `json:"resources,omitempty"`
	Actor           *actor           `json:"actor,omitempty"`
	API             *api             `json:"api,omitempty"`
	SrcEndpoint     *networkEndpoint `json:"src_endpoint,omitempty"`
	HTTPRequest     *httpRequest     `json:"http_request,omitempty"`
	User            *user            `json:"user,omitempty"`

	RawData  string    `json:"raw_data,omitempty"`
	Unmapped *unmapped `json:"unmapped,omitempty"`
}

type metadata struct {
	Version          string  `json:"version"`
	UID              string  `json:"uid"`
	Product          product `json:"product"`
	LogName          string  `json:"log_name,omitempty"`
	LogProvider      string  `json:"log_provider,omitempty"`
	EventCode        string  `json:"event_code,omitempty"`
	OriginalEventUID string  `json:"original_event_uid,omitempty"`
	LoggedTime       int64   `json:"logged_time,omitempty"`
}

type product struct {
	Name       string `json:"name"`
	VendorName string `json:"vendor_name,omitempty"`
	Version    string `json:"version,omitempty"`
}

type findingInfo struct {
	UID           string         `json:"uid"`
	Title         string         `json:"title,omitempty"`
	Desc          string         `json:"desc,omitempty"`
	SrcURL        string         `json:"src_url,omitempty"`
	CreatedTime   int64          `json:"created_time,omitempty"`
	ModifiedTime  int64          `json:"modified_time,omitempty"`
	Product       *product       `json:"product,omitempty"`
	Analytic      *analytic      `json:"analytic,omitempty"`
	RelatedEvents []relatedEvent `json:"related_events,omitempty"`
}

type analytic struct {
	UID    string `json:"uid,omitempty"`
	Name   string `json:"name,omitempty"`
	TypeID int    `json:"type_id"`
	Type   string `json:"type,omitempty"`
}

type relatedEvent struct {
	UID string `json:"uid"`
}

// vulnerability carries exactly one of CVE and Advisory (the schema's
// just_one).
type vulnerability struct {
	CVE                    *idObject      `json:"cve,omitempty"`
	Advisory               *idObject      `json:"advisory,omitempty"`
	Title                  string         `json:"title,omitempty"`
	Severity               string         `json:"severity,omitempty"`
	VendorName             string         `json:"vendor_name,omitempty"`
	References             []string       `json:"references,omitempty"`
	RelatedVulnerabilities []string       `json:"related_vulnerabilities,omitempty"`
	AffectedCode           []affectedCode `json:"affected_code,omitempty"`
}

type idObject struct {
	UID string `json:"uid"`
}

type affectedCode struct {
	File file `json:"file"`
}

type file struct {
	Name   string `json:"name"`
	Path   string `json:"path,omitempty"`
	TypeID int    `json:"type_id"`
	Type   string `json:"type,omitempty"`
}

type application struct {
	Name string `json:"name,omitempty"`
	UID  string `json:"uid,omitempty"`
	URL  *url   `json:"url,omitempty"`
}

type url struct {
	URLString string `json:"url_string"`
}

type dataSecurity struct {
	CategoryID           int    `json:"category_id,omitempty"`
	Category             string `json:"category,omitempty"`
	DataLifecycleStateID int    `json:"data_lifecycle_state_id,omitempty"`
	DataLifecycleState   string `json:"data_lifecycle_state,omitempty"`
	DetectionPattern     string `json:"detection_pattern,omitempty"`
	DetectionSystemID    int    `json:"detection_system_id,omitempty"`
	DetectionSystem      string `json:"detection_system,omitempty"`
}

type evidence struct {
	Name string `json:"name,omitempty"`
	User *user  `json:"user,omitempty"`
}

type resource struct {
	UID  string `json:"uid,omitempty"`
	Name string `json:"name,omitempty"`
	Type string `json:"type,omitempty"`
}

type actor struct {
	User    *user  `json:"user,omitempty"`
	AppName string `json:"app_name,omitempty"`
}

type user struct {
	UID    string `json:"uid,omitempty"`
	Name   string `json:"name,omitempty"`
	TypeID int    `json:"type_id,omitempty"`
	Type   string `json:"type,omitempty"`
}

type api struct {
	Operation string    `json:"operation"`
	Service   *service  `json:"service,omitempty"`
	Request   *idObject `json:"request,omitempty"`
}

type service struct {
	Name string `json:"name"`
}

type networkEndpoint struct {
	IP       string    `json:"ip,omitempty"`
	Name     string    `json:"name,omitempty"`
	Location *location `json:"location,omitempty"`
}

type location struct {
	Country    string `json:"country,omitempty"`
	Region     string `json:"region,omitempty"`
	City       string `json:"city,omitempty"`
	PostalCode string `json:"postal_code,omitempty"`
}

type httpRequest struct {
	HTTPMethod string `json:"http_method,omitempty"`
	UserAgent  string `json:"user_agent,omitempty"`
	URL        *url   `json:"url,omitempty"`
}

// unmapped keeps what OCSF has no attribute for, under the record's own
// names, so that nothing of the record is lost: unmapped.origin is the
// record's origin, unmapped.alert.package its alert.package.
type unmapped struct {
	Origin     string          `json:"origin,omitempty"`
	Enterprise string          `json:"enterprise,omitempty"`
	Org        string          `json:"org,omitempty"`
	Repo       string          `json:"repo,omitempty"`
	Actor      string          `json:"actor,omitempty"`
	Alert      *unmappedAlert  `json:"alert,omitempty"`
	Audit      *unmappedAudit  `json:"audit,omitempty"`
	Request    json.RawMessage `json:"request,omitempty"`
}

type unmappedAlert struct {
	Number           int    `json:"number,omitempty"`
	State            string `json:"state,omitempty"`
	PreviousState    string `json:"previous_state,omitempty"`
	SeverityRaw      string `json:"severity_raw,omitempty"`
	Package          string `json:"package,omitempty"`
	Ecosystem        string `json:"ecosystem,omitempty"`
	Tool             string `json:"tool,omitempty"`
	Validity         string `json:"validity,omitempty"`
	PreviousValidity string `json:"previous_validity,omitempty"`
	Assignee         string `json:"assignee,omitempty"`
	// a secret's push protection bypass, on every record of the alert
	PushProtectionBypassed   bool   `json:"push_protection_bypassed,omitempty"`
	PushProtectionBypassedBy string `json:"push_protection_bypassed_by,omitempty"`
	// provider, first_location_detected, epss, …: OCSF has no place for
	// them on these classes
	exporter.AlertDetails
}

type unmappedAudit struct {
	Entry json.RawMessage `json:"entry,omitempty"`
}
