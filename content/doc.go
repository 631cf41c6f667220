// Package content holds the detection and search content shipped with
// ghsec-exporter, for the SIEMs its records feed: splunk/TA-ghsec-exporter,
// the Splunk add-on that scripts/package.sh builds into
// TA-ghsec-exporter-<version>.tgz; and sigma, Sigma rules for the records
// (sigma/README.md).
//
// The package has no code of its own. Its tests read the content the way
// the SIEM does and check it against the record: every .conf file parses,
// every field the add-on reads exists in docs/record.schema.json or in
// GitHub's audit entry, every field it writes is one the CIM or ESCU's GitHub
// detections use, the eventtypes tag exactly the records they should, and
// every field ESCU's GitHub detections group by resolves on audit records
// made from GitHub's published samples by the exporter's own audit poll.
// The Sigma rules are evaluated with sigma-go on the records of a scripted
// simulator story run through the real daemon: each fires on exactly the
// records it should.
package content
