#!/usr/bin/env bash
# Builds the Splunk add-on content/splunk/TA-ghsec-exporter into
# $DIST/TA-ghsec-exporter-$VERSION.tgz, installable with Splunk's "Install app
# from file": the app directory at the top, owned by root, files 0644 and
# directories 0755, app.conf's version set to $VERSION. scripts/package.sh
# runs it; content/splunk_test.go runs it alone.
#
#   DIST=dist VERSION=1.2.3 bash scripts/packaging/splunk-app.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${DIST:?}" "${VERSION:?}"
app=TA-ghsec-exporter
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
cp -R "content/splunk/$app" "$stage/$app"
sed -i "s/^version = 0\.0\.0\$/version = $VERSION/" "$stage/$app/default/app.conf"
mkdir -p "$DIST"
# SOURCE_DATE_EPOCH, when set, makes the archive reproducible
tar -C "$stage" --sort=name --owner=0 --group=0 --numeric-owner \
  --mode='u=rwX,go=rX' --mtime="@${SOURCE_DATE_EPOCH:-$(date +%s)}" \
  -czf "$DIST/$app-$VERSION.tgz" "$app"
