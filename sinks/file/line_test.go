package file

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// Send and SendRaw write the same bytes, and those are what a JSON encoder
// with HTML escaping off writes for the record (the file's format before
// the sink took stored bytes): HTML characters as themselves, every other
// escape kept.
func TestSink_SendRawWritesWhatSendWrites(t *testing.T) {
	recs := batch(4, "r")
	recs[0].Alert.Title = `a < b && c > "d"`
	recs[1].Alert.Title = `literal \u003c and \\u0026 stay, tab	and line` + "\u2028sep\n"
	recs[2].Raw = json.RawMessage(`{"html":"<b>x</b> & y","esc":"\\"}`)
	recs[3].Alert.Comment = "unicode é ✓ \x00"

	var old bytes.Buffer
	enc := json.NewEncoder(&old)
	enc.SetEscapeHTML(false)
	raws := make([]exporter.RawRecord, len(recs))
	for i := range recs {
		if err := enc.Encode(&recs[i]); err != nil {
			t.Fatal(err)
		}
		stored, err := json.Marshal(&recs[i])
		if err != nil {
			t.Fatal(err)
		}
		raws[i] = exporter.RawRecord{JSON: stored}
	}
	var viaSend, viaRaw bytes.Buffer
	if err := NewWriter(&viaSend).Send(context.Background(), recs); err != nil {
		t.Fatal(err)
	}
	if err := NewWriter(&viaRaw).SendRaw(context.Background(), raws); err != nil {
		t.Fatal(err)
	}
	if viaSend.String() != old.String() {
		t.Errorf("Send wrote\n%s\nan encoder without HTML escaping writes\n%s", viaSend.String(), old.String())
	}
	if viaRaw.String() != viaSend.String() {
		t.Errorf("SendRaw wrote\n%s\nSend wrote\n%s", viaRaw.String(), viaSend.String())
	}
}
