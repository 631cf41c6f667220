// Command testreport reads `go test -json` on stdin and prints what a plain
// `go test` prints — the ok/FAIL line of each package and the output of
// every failed test — and then the list of skipped tests with their reason,
// which a plain run hides, and last the line "N passed, N failed, N skipped"
// (subtests included; -summary FILE writes that line to FILE too).
// scripts/test.sh pipes the suite through it. It exits 1 when a test or
// package failed or the stream could not be read.
package main
