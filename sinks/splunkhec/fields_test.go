package splunkhec

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/recordjson/recordjsontest"
)

// A record with every field set comes back whole from the HEC event.
func TestEveryField_Event(t *testing.T) {
	rec := recordjsontest.Record()
	env, err := newEncoder(DefaultConfig(), "h").encode(&rec)
	if err != nil {
		t.Fatal(err)
	}
	var ev struct{ Event exporter.Record }
	if err := json.Unmarshal(env, &ev); err != nil {
		t.Fatalf("envelope %s: %v", env, err)
	}
	if !reflect.DeepEqual(ev.Event, rec) {
		t.Errorf("event reads as\n%+v\nwant\n%+v", ev.Event, rec)
	}
}
