package webhook

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/ghsec-exporter/ghsec-exporter/exporter/ghapi"
)

// requestEventPrefixes name the webhook events about dismissal and bypass
// requests: GitHub's documentation and its OpenAPI description name them
// differently (exemption_request_secret_scanning and
// bypass_request_secret_scanning, exemption_request_push_ruleset,
// dismissal_request_code_scanning, …), so any of these prefixes is one,
// and the object's own request_type says what it is about.
var requestEventPrefixes = []string{"exemption_request_", "dismissal_request_", "bypass_request_"}

func isRequestEvent(event string) bool {
	for _, p := range requestEventPrefixes {
		if strings.HasPrefix(event, p) {
			return true
		}
	}
	return false
}

// requestEnvelope is the part of a request event read here.
type requestEnvelope struct {
	eventContext
	Request      bodySlice `json:"exemption_request"`
	Organization *struct {
		Login string `json:"login"`
	} `json:"organization"`
}

// decodeRequest reads a request event into ev.Request, or sets ev.Ignored.
func decodeRequest(ev *Event, body []byte, includeRaw bool) error {
	var env requestEnvelope
	if err := json.Unmarshal(body, &env); err != nil {
		return fmt.Errorf("decode %s delivery: %w", ev.Name, err)
	}
	env.fill(ev)
	org := ""
	if env.Organization != nil {
		org = env.Organization.Login
	}
	if ev.Repo == "" {
		// a push rule request about no repository: polling the org's list
		// records it
		ev.Ignored = "delivery names no repository"
		return nil
	}
	if len(env.Request) == 0 || string(env.Request) == "null" {
		ev.Ignored = "delivery has no exemption_request object"
		return nil
	}
	o, err := ghapi.DecodeWebhookRequest(json.RawMessage(env.Request), ev.Repo, org, ev.Enterprise, includeRaw)
	if errors.Is(err, ghapi.ErrNotSecurityRequest) {
		ev.Ignored = err.Error()
		return nil
	}
	if err != nil {
		return fmt.Errorf("decode %s delivery: %w", ev.Name, err)
	}
	if env.Sender != nil {
		o.Sender = env.Sender.Login
	}
	ev.Request = &o
	return nil
}
