#!/usr/bin/env bash
# nfpm, pinned: builds the .deb and .rpm in scripts/package.sh (the package
# tests in systemd/ run that script).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/go-install.sh"
go_install nfpm github.com/goreleaser/nfpm/v2/cmd/nfpm v2.45.2 "about 4 minutes on 2 cores"
