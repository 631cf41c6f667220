// Command ghsec-exporter polls GitHub's security alert APIs and audit log,
// turns alert state changes into transition records, and ships them to
// Splunk HEC, syslog, email digests or JSON-lines files.
//
//	ghsec-exporter init -org NAME             write a starter ./ghsec-exporter.yaml
//	ghsec-exporter run -config FILE           daemon: jobs on their cron schedules
//	ghsec-exporter once -config FILE          every job one time, drain outboxes, exit
//	ghsec-exporter check-config -config FILE  validate, print the effective config
//	ghsec-exporter check -config FILE         contact GitHub and every sink, print what works
//	ghsec-exporter state show -config FILE    what the state file holds
//	ghsec-exporter state deadletter|requeue   a sink's dead letters; back to its outbox
//	ghsec-exporter state compact -config FILE rewrite the state file densely (daemon stopped)
//	ghsec-exporter demo                       the real pipeline against a simulated GitHub
//	ghsec-exporter version
package main
