// Package daemon runs ghsec-exporter from a config: it opens the state file,
// builds the GitHub client, builds the sinks it is given (each with complete
// SinkDeps) and their delivery loops, and runs the jobs on robfig/cron
// schedules. Which sink types exist is the command's business, not this
// package's. It is embeddable: only cmd/ghsec-exporter touches signals, and
// tests run the same App the binary runs.
package daemon
