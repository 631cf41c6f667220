package file

import (
	"bytes"
	"context"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/recordjson"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/recordjson/recordjsontest"
)

// A record with every field set comes back whole from the line Send and
// SendRaw write.
func TestEveryField_Line(t *testing.T) {
	rec := recordjsontest.Record()
	stored, err := recordjson.MarshalRecord(&rec)
	if err != nil {
		t.Fatal(err)
	}
	var viaSend, viaRaw bytes.Buffer
	if err := NewWriter(&viaSend).Send(context.Background(), []exporter.Record{rec}); err != nil {
		t.Fatal(err)
	}
	if err := NewWriter(&viaRaw).SendRaw(context.Background(), []exporter.RawRecord{{JSON: stored, Head: rec.Head()}}); err != nil {
		t.Fatal(err)
	}
	for name, line := range map[string][]byte{"Send": viaSend.Bytes(), "SendRaw": viaRaw.Bytes()} {
		var got exporter.Record
		if err := json.Unmarshal(line, &got); err != nil {
			t.Fatalf("%s wrote %s: %v", name, line, err)
		}
		if !reflect.DeepEqual(got, rec) {
			t.Errorf("%s wrote %s, which reads as\n%+v\nwant\n%+v", name, line, got, rec)
		}
	}
}
