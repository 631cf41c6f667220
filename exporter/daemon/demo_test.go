package daemon

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/recordschema"
)

func TestDemo_ShowsEveryKindOfTransition(t *testing.T) {
	var out, narration bytes.Buffer
	if err := Demo(context.Background(), &out, &narration, DemoOptions{Repos: 3, PerKind: 6}); err != nil {
		t.Fatalf("demo: %v\n%s", err, narration.String())
	}
	actions := map[string]bool{}
	sc := bufio.NewScanner(&out)
	sc.Buffer(nil, 1<<22)
	for sc.Scan() {
		if err := recordschema.ValidateJSON(sc.Bytes()); err != nil {
			t.Fatalf("%v\n%s", err, sc.Bytes())
		}
		var r struct{ Category, Action string }
		_ = json.Unmarshal(sc.Bytes(), &r)
		actions[r.Category+":"+r.Action] = true
	}
	for _, want := range []string{"alert:created", "alert:dismissed", "alert:fixed", "alert:reopened", "alert:resolved",
		"alert:push_protection_bypassed", "alert:reintroduced", "alert:severity_changed", "alert:auto_dismissed",
		"audit:secret_scanning_push_protection.bypass"} {
		if !actions[want] {
			t.Errorf("demo showed no %s; saw %v", want, actions)
		}
	}
	if !bytes.Contains(narration.Bytes(), []byte("quiet poll")) {
		t.Errorf("narration incomplete:\n%s", narration.String())
	}
}
