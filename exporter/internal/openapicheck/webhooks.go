package openapicheck

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/testtools"
)

// @octokit/webhooks-examples ships one JSON file per product,
// <product>/index.json ("api.github.com", "ghes-31" … "ghes-35"): an array of
// {name, description, actions, properties, examples}. In 7.6.1 the
// api.github.com file has no secret_scanning_alert event; the GHES files do,
// so WebhookExamples reads all of them.

// webhookEvent is one entry of an index.json file.
type webhookEvent struct {
	Name     string            `json:"name"`
	Examples []json.RawMessage `json:"examples"`
}

var (
	webhooksOnce sync.Once
	webhooksByEv map[string][][]byte
	webhooksErr  error
)

func webhooksDir() string { return filepath.Join(testtools.Octokit(), "webhooks-examples") }

// WebhookExamples returns Octokit's example payloads for a webhook event
// ("dependabot_alert", "code_scanning_alert", "secret_scanning_alert", …),
// compacted JSON, api.github.com examples first, then those of the newest GHES
// that are not identical to one already returned. An event without examples
// fails the test; a missing package skips it (fails it under CI=true).
func WebhookExamples(t testing.TB, event string) [][]byte {
	t.Helper()
	testtools.Need(t, filepath.Join(webhooksDir(), "api.github.com", "index.json"))
	webhooksOnce.Do(func() { webhooksByEv, webhooksErr = loadWebhooks(webhooksDir()) })
	if webhooksErr != nil {
		t.Fatalf("openapicheck: %v", webhooksErr)
	}
	ex := webhooksByEv[event]
	if len(ex) == 0 {
		t.Fatalf("openapicheck: @octokit/webhooks-examples has no example for event %q", event)
	}
	out := make([][]byte, len(ex))
	for i, b := range ex {
		out[i] = bytes.Clone(b) // callers may modify theirs
	}
	return out
}

// loadWebhooks reads every <product>/index.json under dir and groups the
// de-duplicated, compacted examples by event name.
func loadWebhooks(dir string) (map[string][][]byte, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*", "index.json"))
	if err != nil {
		return nil, fmt.Errorf("list webhook examples: %w", err)
	}
	// api.github.com first, then GHES newest first.
	sort.Slice(files, func(i, j int) bool {
		ai := strings.Contains(files[i], "api.github.com")
		aj := strings.Contains(files[j], "api.github.com")
		if ai != aj {
			return ai
		}
		return files[i] > files[j]
	})
	out := map[string][][]byte{}
	seen := map[string]bool{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("read webhook examples: %w", err)
		}
		var events []webhookEvent
		if err := json.Unmarshal(b, &events); err != nil {
			return nil, fmt.Errorf("decode webhook examples %s: %w", f, err)
		}
		for _, ev := range events {
			for _, raw := range ev.Examples {
				var buf bytes.Buffer
				if err := json.Compact(&buf, raw); err != nil {
					return nil, fmt.Errorf("compact %s example in %s: %w", ev.Name, f, err)
				}
				key := ev.Name + "\x00" + buf.String()
				if seen[key] {
					continue
				}
				seen[key] = true
				out[ev.Name] = append(out[ev.Name], buf.Bytes())
			}
		}
	}
	return out, nil
}
