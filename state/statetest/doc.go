// Package statetest makes state files for the tests of the packages that
// keep their state in one: a fresh one to run against, or a compacted one
// full of snapshots to damage. Only tests import it; the state package's
// own tests that use it are in package state_test, as statetest imports
// state.
package statetest
