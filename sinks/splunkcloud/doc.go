// Package splunkcloud is the splunk_cloud_services sink: it delivers records
// to a Splunk Cloud Services (SCS) tenant's ingest service through
// github.com/splunk/splunk-cloud-sdk-go (services/ingest, PostEvents, which
// posts JSON arrays of events to /<tenant>/ingest/v1beta2/events).
//
// SCS is not Splunk Enterprise or Splunk Cloud Platform: those take events
// on HEC, which the splunk_hec sink speaks. This sink is for SCS tenants
// (https://api.scp.splunk.com/<tenant>/...), authenticated with a bearer
// access token.
//
// Each Send posts the batch in requests of at most 500 events and about
// 1 MB (the ingest API's limits). The record id is sent as the event id,
// which SCS uses to deduplicate a re-sent event. Failures are classified
// from the HTTP status: 429 and 5xx are retryable (Retry-After honoured),
// 401/403/404 pause the sink (token or tenant wrong), and a 400 is bisected
// to find the records the service refuses.
package splunkcloud
