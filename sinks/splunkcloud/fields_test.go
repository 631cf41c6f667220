package splunkcloud

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/recordjson/recordjsontest"
)

// A record with every field set comes back whole from the event body.
func TestEveryField_Body(t *testing.T) {
	rec := recordjsontest.Record()
	ingest := newFakeIngest(t)
	if err := newSink(t, testConfig(t, ingest)).Send(context.Background(), []exporter.Record{rec}); err != nil {
		t.Fatal(err)
	}
	if len(ingest.events) != 1 {
		t.Fatalf("%d events posted", len(ingest.events))
	}
	var got exporter.Record
	if err := json.Unmarshal(ingest.events[0]["body"], &got); err != nil {
		t.Fatalf("body %s: %v", ingest.events[0]["body"], err)
	}
	if !reflect.DeepEqual(got, rec) {
		t.Errorf("body reads as\n%+v\nwant\n%+v", got, rec)
	}
}
