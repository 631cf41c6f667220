// Package splunkhec is the splunk_hec sink: it delivers records to a Splunk
// HTTP Event Collector (Splunk Enterprise, Splunk Cloud Platform, or any
// peer that speaks HEC) over net/http.
//
// One Send posts the batch as one or more requests to
// /services/collector/event, each body a concatenation of JSON envelopes
// ({"time":..,"sourcetype":..,"event":<record>}), gzip-compressed by
// default and bounded by max_batch_events and max_batch_bytes. With
// indexer acknowledgement enabled, Send returns nil only once every request
// of the batch is acknowledged on /services/collector/ack, so records leave
// the outbox only once they are indexed.
//
// Failures are classified from HEC's HTTP status and JSON code by one
// function (classify): throttling and server errors are retryable, token
// errors pause the sink with every record kept, and bad-data replies are
// narrowed down by bisecting the request until the offending records are
// found; only those are reported as rejected.
package splunkhec
