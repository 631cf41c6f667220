// Package email is the `email` sink: digests of the security events since
// the last digest, mailed on a cron schedule, and immediate mails for chosen
// actions (a push-protection bypass), over SMTP with STARTTLS or implicit TLS
// and AUTH.
//
// Send never mails. It appends each record, reduced to what the digest needs,
// to the current digest period in the sink's own bucket of the state file,
// drops records an open period already holds (redeliveries), and queues
// records of the immediate actions; Run mails them. A period closes only
// after the SMTP server accepted its digest, so a crash can repeat one digest
// but never skip one; its records are deleted after it closed. A digest is
// built in memory that does not grow with the records of its period.
package email
