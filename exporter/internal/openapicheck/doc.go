// Package openapicheck is test infrastructure: it checks that HTTP requests the
// exporter sends to GitHub are valid against GitHub's own OpenAPI description
// of the product being polled (api.github.com, GitHub Enterprise Cloud, GitHub
// Enterprise Server 3.17–3.19), and hands out Octokit's webhook example
// payloads.
//
// Nothing is copied into the repository: the descriptions come from the npm
// package @octokit/openapi and the payloads from @octokit/webhooks-examples,
// which scripts/deps/npm-github.sh installs under $GHSEC_TOOLS_DIR/npm. When
// they are missing a test is skipped locally and fails under CI=true.
//
// A Checker validates only what a poller sends — method, path, path and query
// parameters — so Load drops response schemas, request bodies and webhook
// definitions before handing the description to kin-openapi; see prune.go.
// docs/openapi-proof.md lists what is checked and where the descriptions are
// known to differ from what GitHub serves.
package openapicheck
