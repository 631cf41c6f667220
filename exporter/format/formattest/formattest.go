package formattest

import (
	"fmt"
	"testing"
	"time"

	json "github.com/goccy/go-json"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/format"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/recordjson"
)

// Entries are audit-log entries as GitHub's API returns them (compact, in
// GitHub's member order): GitHub's documented examples of the GHES and
// GHEC audit-log responses, the GHES ones given the _document_id every
// entry the poller accepts has, and one entry written here with what JSON
// encoders escape differently (<, >, &, U+2028, non-ASCII) and numbers
// whose text a re-encoding would change.
var Entries = []string{
	`{"_document_id":"ghes-merge-0000000000001","actor_ip":"88.123.45.123","from":"pull_requests#merge","device_cookie":null,"actor":"mona-admin","actor_id":7,"repo":"octo-org/octo-repo","repo_id":17,"business":"github","business_id":1,"org":"octo-org","org_id":8,"action":"pull_request.merge","@timestamp":1635940599755,"created_at":1635940599755,"operation_type":"modify","actor_location":{"country_code":"GB","country_name":"United Kingdom","region":"ENG","region_name":"England","city":"Louth","postal_code":"LN11","location":{"lat":53.4457,"lon":0.141}},"data":{"user_agent":"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) ...","method":"POST","request_id":"e4dabc4d-ba16-4bca-1234-649be7ae1188","server_id":"5d17aab5-fd9f-abcd-a820-16bed246441b","request_category":"other","controller_action":"merge","url":"https://example.com/octo-org/octo-repo/pull/1/merge","client_id":322299977.1635936,"referrer":"https://example.com/octo-org/octo-repo/pull/1","actor_session":1,"pull_request_id":1,"category_type":"Resource Management"}}`,
	`{"_document_id":"ghes-review-000000000002","actor_ip":"88.123.45.123","from":"pull_request_review_events#create","device_cookie":null,"actor":"mona-admin","actor_id":7,"business_id":1,"org_id":8,"action":"pull_request_review.submit","@timestamp":1635940593079,"created_at":1635940593079,"operation_type":"modify","actor_location":{"country_code":"GB","country_name":"United Kingdom","region":"ENG","region_name":"England","city":"Louth","postal_code":"LN11","location":{"lat":53.4457,"lon":0.141}},"data":{"user_agent":"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) ...","method":"PUT","request_id":"c0f63bb7-17b6-4796-940c-12345c5a581b","server_id":"2abc1234-f651-43e3-9696-e942ad5f8c89","request_category":"other","controller_action":"create","url":"https://example.com/octo-org/octo-repo/pull/1/reviews","client_id":322299977.1635936,"referrer":"https://example.com/octo-org/octo-repo/pull/1/files","actor_session":1,"spammy":false,"pull_request_id":1,"body":null,"allowed":true,"id":1,"state":40,"issue_id":1,"review_id":1,"category_type":"Resource Management"}}`,
	`{"_document_id":"ghes-create-000000000003","actor_ip":"88.123.45.123","from":"pull_requests#create","device_cookie":null,"actor":"mona","actor_id":9,"user_id":9,"repo":"octo-org/octo-repo","repo_id":17,"business":"github","business_id":1,"org":"octo-org","org_id":8,"action":"pull_request.create","@timestamp":1635940554161,"created_at":1635940554161,"operation_type":"create","actor_location":{"country_code":"GB","country_name":"United Kingdom","region":"ENG","region_name":"England","city":"Louth","postal_code":"LN11","location":{"lat":53.4457,"lon":0.141}},"data":{"user_agent":"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) ...","method":"POST","request_id":"2773abeb-477f-4ebf-a017-f8e8a206c305","server_id":"796e3115-4ce8-4606-8fd0-99ea57a2e12b","request_category":"other","controller_action":"create","url":"https://example.com/octo-org/octo-repo/pull/create?base=octo-org%3Amain&head=mona%3Apatch-1","client_id":386351111.163594,"referrer":"https://example.com/octo-org/octo-repo/compare/main...mona:patch-1","actor_session":2,"pull_request_id":1,"category_type":"Resource Management"}}`,
	`{"@timestamp":1606929874512,"action":"team.add_member","actor":"octocat","created_at":1606929874512,"_document_id":"xJJFlFOhQ6b-5vaAFy9Rjw","org":"octo-corp","team":"octo-corp/example-team","user":"monalisa"}`,
	`{"@timestamp":1606507117008,"action":"org.create","actor":"octocat","created_at":1606507117008,"_document_id":"Vqvg6kZ4MYqwWRKFDzlMoQ","org":"octocat-test-org"}`,
	`{"@timestamp":1605719148837,"action":"repo.destroy","actor":"monalisa","created_at":1605719148837,"_document_id":"LwW2vpJZCDS-WUmo9Z-ifw","org":"mona-org","repo":"mona-org/mona-test-repo","visibility":"private"}`,
	`{"@timestamp":1767603600123,"_document_id":"escapes-00000000000001","action":"repo.create","actor":"möna","business":"acme-corp","org":"acme","repo":"acme/widgets","name":"<script>&amp;","user_agent":"curl/8.5 (x&y) \u2028 \"q\" \u00e9","ratio":1.50,"big":12345678901234567890,"nested":{"a":[1,2.0e3,null,true]}}`,
}

// AuditRecord returns the record the audit poller makes of entry at
// observed (what ingest stores: GitHub's action, actor, org and repo
// lifted out, the entry kept whole). It panics on an entry without
// _document_id, action or @timestamp, which the poller refuses.
func AuditRecord(entry string, observed time.Time) exporter.Record {
	var v struct {
		DocumentID string `json:"_document_id"`
		Timestamp  int64  `json:"@timestamp"`
		Action     string `json:"action"`
		Actor      string `json:"actor"`
		Org        string `json:"org"`
		Repo       string `json:"repo"`
		Business   string `json:"business"`
	}
	if err := json.Unmarshal([]byte(entry), &v); err != nil || v.DocumentID == "" || v.Action == "" || v.Timestamp == 0 {
		panic(fmt.Sprintf("formattest: not an audit entry the poller accepts (%v): %s", err, entry))
	}
	return exporter.Record{
		Schema: exporter.SchemaVersion, ID: exporter.AuditRecordID(v.DocumentID), Time: time.UnixMilli(v.Timestamp).UTC(),
		ObservedAt: observed.UTC(), Category: exporter.CategoryAudit, Source: exporter.SourceAuditLog, Action: v.Action,
		Origin: exporter.OriginPoll, Enterprise: v.Business, Org: v.Org, Repo: v.Repo, Actor: v.Actor,
		Audit: &exporter.AuditInfo{Action: v.Action, DocumentID: v.DocumentID, Entry: json.RawMessage(entry)},
	}
}

// AlertRecord returns a dismissed Dependabot alert record, number n.
func AlertRecord(n int, observed time.Time) exporter.Record {
	at := observed.Add(-time.Minute).UTC()
	repo := "acme/widgets"
	created := at.Add(-72 * time.Hour)
	return exporter.Record{
		Schema: exporter.SchemaVersion, ID: exporter.AlertRecordID(exporter.SourceDependabot, repo, n, exporter.ActionDismissed, at),
		Time: at, ObservedAt: observed.UTC(), Category: exporter.CategoryAlert, Source: exporter.SourceDependabot,
		Action: exporter.ActionDismissed, Origin: exporter.OriginPoll, Org: "acme", Repo: repo, Actor: "octocat",
		Alert: &exporter.AlertInfo{Number: n, State: "dismissed", PreviousState: "open", Severity: exporter.SeverityHigh,
			Title: "Prototype pollution in <lodash>", GHSAID: "GHSA-jf85-cpcp-j695", Package: "lodash", Ecosystem: "npm",
			Reason: "tolerable_risk", HTMLURL: fmt.Sprintf("https://github.com/%s/security/dependabot/%d", repo, n),
			CreatedAt: &created, UpdatedAt: &at},
	}
}

// Records returns the audit record of every entry of Entries, each
// followed by an alert record.
func Records(observed time.Time) []exporter.Record {
	var out []exporter.Record
	for i, e := range Entries {
		out = append(out, AuditRecord(e, observed), AlertRecord(i+1, observed))
	}
	return out
}

// Batch returns n records of category c for benchmarks: audit records of
// Entries in turn, or alert records, each with its own id.
func Batch(c exporter.Category, n int, observed time.Time) []exporter.Record {
	out := make([]exporter.Record, n)
	for i := range out {
		if c == exporter.CategoryAudit {
			out[i] = AuditRecord(Entries[i%len(Entries)], observed)
		} else {
			out[i] = AlertRecord(i+1, observed)
		}
		out[i].ID = fmt.Sprintf("%s%08x", out[i].ID[:24], i)
	}
	return out
}

// Modes are the option sets the benchmarks compare, the default first.
var Modes = []struct {
	Name string
	Opts format.Options
}{
	{"record", format.DefaultOptions()},
	{"audit_body=entry", format.Options{AuditBody: format.AuditBodyEntry}},
	{"schema=ocsf", format.Options{Schema: format.SchemaOCSF}},
	{"schema=ecs", format.Options{Schema: format.SchemaECS}},
}

// Raw returns recs as the delivery loop hands them to a RawSender: each
// record stored as the outbox stores it and read back by
// recordjson.DecodeStored (its record JSON and the head stored beside it).
func Raw(t testing.TB, recs []exporter.Record) []exporter.RawRecord {
	t.Helper()
	out := make([]exporter.RawRecord, len(recs))
	for i := range recs {
		v, err := recordjson.MarshalStored(&recs[i])
		if err != nil {
			t.Fatal(err)
		}
		out[i], err = recordjson.DecodeStored(v)
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}
