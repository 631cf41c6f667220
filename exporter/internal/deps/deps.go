// Package deps pins modules that later packages import, so parallel work does not race on go.mod. Removed once every module is imported by real code.
package deps

import (
	_ "github.com/bradleyfalzon/ghinstallation/v2"
	_ "github.com/coreos/go-systemd/v22/daemon"
	_ "github.com/getkin/kin-openapi/openapi3filter"
	_ "github.com/google/go-github/v62/github"
	_ "github.com/leodido/go-syslog/v4/rfc5424"
	_ "github.com/prometheus/client_golang/prometheus"
	_ "github.com/robfig/cron/v3"
	_ "github.com/santhosh-tekuri/jsonschema/v6"
	_ "github.com/splunk/splunk-cloud-sdk-go/services/ingest"
	_ "github.com/wneessen/go-mail"
	_ "go.etcd.io/bbolt"
	_ "go.yaml.in/yaml/v3"
)
