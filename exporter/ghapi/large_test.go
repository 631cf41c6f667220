package ghapi

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/exporter/internal/openapicheck"
)

// An alert object of largeObject bytes or more (a webhook delivery with a
// 2 MB advisory description) is decoded by encoding/json and gives the same
// observation as the object go-json decodes without the padding; a member
// of the wrong type is refused on either path.
func TestDecodeWebhookAlert_LargeObjectSameObservation(t *testing.T) {
	for _, ex := range openapicheck.WebhookExamples(t, "dependabot_alert") {
		var env struct {
			Alert json.RawMessage `json:"alert"`
		}
		if err := json.Unmarshal(ex, &env); err != nil || len(env.Alert) == 0 {
			continue
		}
		const at = `"description":"`
		i := bytes.Index(env.Alert, []byte(at))
		if i < 0 {
			continue
		}
		i += len(at)
		pad := strings.Repeat(`a\n`, largeObject/3+1000)
		large := append(append(append([]byte{}, env.Alert[:i]...), pad...), env.Alert[i:]...)
		if len(large) < largeObject {
			t.Fatalf("padded object of %d bytes", len(large))
		}
		small, err := DecodeWebhookAlert(exporter.SourceDependabot, env.Alert, "acme/api", "", false, "")
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecodeWebhookAlert(exporter.SourceDependabot, large, "acme/api", "", false, "")
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, small) {
			t.Errorf("large object decoded to\n%+v\nwant\n%+v", got, small)
		}
		bad := bytes.Replace(large, []byte(`"number":`), []byte(`"number":"x",`+`"n":`), 1)
		if _, err := DecodeWebhookAlert(exporter.SourceDependabot, bad, "acme/api", "", false, ""); err == nil {
			t.Error("a large object with a string number decoded")
		}
		return
	}
	t.Fatal("no dependabot_alert example with an advisory description")
}
