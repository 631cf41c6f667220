#!/usr/bin/env bash
# Writes the Debian copyright file (machine-readable format 1.0) of the
# package to stdout, with the full text of LICENSE (Apache-2.0) as its
# license paragraph, so the packaged file cannot drift from the repository's
# licence. scripts/package.sh runs it; the .deb ships the result as
# /usr/share/doc/ghsec-exporter/copyright (beside LICENSE itself, which is
# the .rpm's %license file).
#
#   bash scripts/packaging/copyright.sh > dist/copyright
set -euo pipefail
cd "$(dirname "$0")/../.."
homepage=https://github.com/ghsec-exporter/ghsec-exporter
# the years of the project's history; a source tarball has no git: the build year
first=$(git log --reverse --format=%ad --date=format:%Y 2>/dev/null | head -1 || true)
last=$(git log -1 --format=%ad --date=format:%Y 2>/dev/null || true)
if [[ -z $first ]]; then
  first=$(date -u ${SOURCE_DATE_EPOCH:+-d "@$SOURCE_DATE_EPOCH"} +%Y) last=$first
fi
years=$first
[[ $last != "$first" ]] && years+="-$last"

cat <<HEADER
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: ghsec-exporter
Upstream-Contact: $homepage/issues
Source: $homepage

Files: *
Copyright: $years The ghsec-exporter authors
License: Apache-2.0

License: Apache-2.0
HEADER
# the format's continuation lines: one leading space, an empty line as " ."
sed -e 's/^$/./' -e 's/^/ /' LICENSE | sed -e '1{/^ \.$/d}'
