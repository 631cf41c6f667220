// Package otlp is the OpenTelemetry (OTLP) logs sink: it posts records to
// an OTLP/HTTP logs endpoint (an OpenTelemetry Collector, or any backend
// that speaks OTLP) as protobuf ExportLogsServiceRequests, one LogRecord per
// record.
//
// The requests are built with the OpenTelemetry Collector's own data model
// and marshalers (go.opentelemetry.io/collector/pdata: plog and plogotlp),
// the code the collector's receivers decode them with, rather than the
// OpenTelemetry SDK's log exporter: the SDK exporter owns batching, queues
// and retries of its own and hides the server's reply, while this sink must
// make exactly one attempt per Send and classify the reply itself
// (partial success, Retry-After) for the delivery loop.
//
// A LogRecord's body is the rendered record as a string: the exact bytes
// the other sinks ship (the normalized record, OCSF, ECS or GitHub's audit
// entry), which a kvlist could not keep (number text, member order,
// escapes). Its time and observed time are the record's time and
// observed_at, its severity follows the alert's, and the record's key
// fields are attributes (ghsec.*), so a collector can route and filter
// without parsing the body.
package otlp
