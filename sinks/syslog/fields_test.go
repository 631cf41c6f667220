package syslog

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/recordjson/recordjsontest"
)

// A record with every field set comes back whole from the JSON body.
func TestEveryField_JSONBody(t *testing.T) {
	rec := recordjsontest.Record()
	body, err := testFormatter(t, func(c *Config) { c.Body = BodyJSON }).renderBody(&rec)
	if err != nil {
		t.Fatal(err)
	}
	var got exporter.Record
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("body %s: %v", body, err)
	}
	if !reflect.DeepEqual(got, rec) {
		t.Errorf("body reads as\n%+v\nwant\n%+v", got, rec)
	}
}
