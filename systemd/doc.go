// Package systemd holds the tests of what scripts/package.sh builds: the
// .deb and .rpm contents, the package installed into a throwaway root, and
// the unit — its systemd-analyze security rating, and the package installed
// and run under a real systemd booted in a systemd-nspawn container.
package systemd
