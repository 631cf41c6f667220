#!/usr/bin/env bash
# otelcol-hec: the OpenTelemetry Collector built with the splunk_hec and otlp
# receivers, the file exporter, the ack extension (HEC indexer
# acknowledgement) and bearertokenauth, used as a real HEC receiver by the
# sinks/splunkhec integration tests and as a real OTLP/HTTP receiver by the
# sinks/otlp ones. Pinned: later contrib versions are not all served by the
# module proxy. The build gets its own GOMODCACHE/GOCACHE (~1 GB of
# collector dependencies), removed once the binary is installed. About 2.5
# minutes on 2 cores.
set -euo pipefail
V=v0.145.0
: "${GHSEC_TOOLS_DIR:?}"
bin="$GHSEC_TOOLS_DIR/bin"
# Up to date when the version matches and the binary itself lists every
# receiver below: a build from before the otlp receiver was added (same
# version) is rebuilt, and the version stamp stays what older copies of
# this script expect, so they don't rebuild it back without otlp.
if [[ "$(cat "$bin/.otelcol-hec-version" 2>/dev/null)" == "$V" && -x "$bin/otelcol-hec" ]] &&
  [[ "$("$bin/otelcol-hec" components 2>/dev/null || true)" == *"receiver/otlpreceiver $V"* ]]; then
  exit 0
fi
mkdir -p "$bin"
work="$GHSEC_TOOLS_DIR/otelcol-hec-build"
mkdir -p "$work"
export GOMODCACHE="$work/gomodcache" GOCACHE="$work/gocache" GOFLAGS=-modcacherw
GOBIN="$work/bin" go install "go.opentelemetry.io/collector/cmd/builder@$V"
cat > "$work/builder.yaml" <<YAML
dist:
  name: otelcol-hec
  description: Minimal collector used as a Splunk HEC and OTLP test receiver
  output_path: $work/src
receivers:
  - gomod: github.com/open-telemetry/opentelemetry-collector-contrib/receiver/splunkhecreceiver $V
  - gomod: go.opentelemetry.io/collector/receiver/otlpreceiver $V
exporters:
  - gomod: github.com/open-telemetry/opentelemetry-collector-contrib/exporter/fileexporter $V
extensions:
  - gomod: github.com/open-telemetry/opentelemetry-collector-contrib/extension/ackextension $V
  - gomod: github.com/open-telemetry/opentelemetry-collector-contrib/extension/bearertokenauthextension $V
YAML
"$work/bin/builder" --config "$work/builder.yaml"
cp "$work/src/otelcol-hec" "$bin/otelcol-hec.tmp"
mv "$bin/otelcol-hec.tmp" "$bin/otelcol-hec"
echo "$V" > "$bin/.otelcol-hec-version"
go clean -modcache
rm -rf "$work"
