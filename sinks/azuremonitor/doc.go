// Package azuremonitor is the azure_monitor_logs sink: records go to a
// Log Analytics workspace, the one Microsoft Sentinel reads, through the
// Azure Monitor Logs Ingestion API (a data collection endpoint, DCE, and
// rule, DCR), with the Azure SDK for Go (azlogs for the calls, azidentity
// for the Microsoft Entra ID token).
//
// Each call is one JSON array of rendered records (exporter/format:
// record, ocsf or ecs, audit entries with _ghsec), at most
// max_batch_bytes uncompressed, gzipped. The SDK's own retries are off
// (MaxRetries -1) so the delivery loop owns them and Retry-After: one
// Send makes each call once, except that a call refused as too large
// (413) is halved within the Send, down to a single record, which is
// dead-lettered. The credential and the ingestion client share one
// transport, so ca_file is trusted for the token endpoint and the DCE.
// docs/sentinel.md has the DCR, the table's schema and a KQL parser.
package azuremonitor
