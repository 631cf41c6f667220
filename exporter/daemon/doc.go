// Package daemon wires ghsec-exporter together from a config: the state file,
// the GitHub client, the sinks with their delivery loops, and the jobs on
// robfig/cron schedules. It is embeddable: only cmd/ghsec-exporter touches
// signals, and tests run the same App the binary runs.
package daemon
