// Package splunk holds what the splunk_hec and splunk_cloud_services sinks
// share: the common part of their config (Common: token, fields, request
// bounds, timeout) and its validation and token resolution, the default
// sourcetypes per record category, the record fields either sink can copy
// into indexed fields or attributes, and delivery:
// chunking a batch into bounded requests, bisecting a refused request to
// find the bad records, and mapping outcomes to the exporter's delivery
// errors.
package splunk
