// Package formattest holds what the tests of the sinks' schema and
// audit_body options share: GitHub audit entries and the records the
// poller makes of them.
package formattest
