#!/usr/bin/env bash
# staticcheck, pinned (honnef.co/go/tools module version; staticcheck 2026.x).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/go-install.sh"
go_install staticcheck honnef.co/go/tools/cmd/staticcheck v0.8.2
