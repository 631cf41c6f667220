// Package webhook receives GitHub's alert webhooks (dependabot_alert,
// code_scanning_alert, secret_scanning_alert and secret_scanning_alert_location):
// it authenticates every request by its HMAC-SHA256 signature before
// parsing anything from it (an unauthenticated body holds no slot, and
// the body budget only past its first 64 KiB: see body.go), turns the delivery's alert object into the same
// Observation a poll builds, and commits it through the pipeline's diff
// before answering 2xx. It owns the HTTP handler, the signature check, the
// payload decoding and the listener; the redelivery of missed deliveries is
// in redeliver.go.
package webhook
