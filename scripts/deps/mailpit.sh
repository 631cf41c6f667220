#!/usr/bin/env bash
# mailpit, pinned: the real SMTP server (STARTTLS/implicit TLS, AUTH, REST API,
# chaos failure injection) that the email sink's integration tests talk to.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/go-install.sh"
go_install mailpit github.com/axllent/mailpit v1.27.11
