package splunkcloud

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/format/formattest"
)

// SendRaw posts the same events as Send, the stored bytes as each body,
// and sizes them as marshalling the whole event would.
func TestSendRaw_SameEventsAsSend(t *testing.T) {
	recs := testRecords(12)
	raws := formattest.Raw(t, recs)
	viaSend, viaRaw := newFakeIngest(t), newFakeIngest(t)
	if err := newSink(t, testConfig(t, viaSend)).Send(context.Background(), recs); err != nil {
		t.Fatal(err)
	}
	s := newSink(t, testConfig(t, viaRaw))
	if err := s.SendRaw(context.Background(), raws); err != nil {
		t.Fatal(err)
	}
	if len(viaRaw.events) != len(recs) || !reflect.DeepEqual(viaRaw.events, viaSend.events) {
		t.Errorf("SendRaw posted\n%v\nSend posted\n%v", viaRaw.events, viaSend.events)
	}
	for i := range raws {
		ev, size, err := s.event(&raws[i])
		if err != nil {
			t.Fatal(err)
		}
		enc, _ := json.Marshal(&ev)
		if size != len(enc)+1 {
			t.Errorf("record %d: size %d, the marshalled event is %d bytes (+1)", i, size, len(enc))
		}
	}
}
