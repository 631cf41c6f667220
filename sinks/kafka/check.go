package kafka

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
	"github.com/ghsec-exporter/ghsec-exporter/sinks/internal/tlsconf"
)

// checkWait bounds a check that its caller left unbounded.
const checkWait = 30 * time.Second

// Check connects to the seed brokers on a client of its own (TLS and SASL
// included: a broker answers only an authenticated client), asks for the
// metadata of every configured topic (it exists, every partition has a
// leader, the credentials may describe it) and reads each topic's
// max.message.bytes to compare with max_message_bytes. It produces
// nothing.
func (s *Sink) Check(ctx context.Context) []exporter.CheckResult {
	ctx, cancel := context.WithTimeout(ctx, checkWait)
	defer cancel()
	cl, err := kgo.NewClient(s.conn...)
	if err != nil {
		return []exporter.CheckResult{{Check: "reachable", Detail: err.Error(), Fix: "check brokers"}}
	}
	defer cl.Close()

	seeds := strings.Join(s.brokers, ", ")
	out := s.checkConnect(cl.Ping(ctx), seeds)
	if !out[len(out)-1].OK {
		return out
	}
	topics, ok := s.checkTopics(ctx, cl)
	out = append(out, topics...)
	if ok {
		out = append(out, s.checkLimits(ctx, cl)...)
	}
	return out
}

// checkConnect turns Ping's error into the connection verdicts; the last
// one is not OK when nothing more can be checked.
func (s *Sink) checkConnect(err error, seeds string) []exporter.CheckResult {
	reach := exporter.CheckResult{Check: "reachable", OK: true, Detail: "a broker of " + seeds + " answered"}
	var out []exporter.CheckResult
	switch {
	case err == nil:
		out = append(out, reach)
		if s.tls != nil {
			out = append(out, tlsconf.Verdict(true, s.tls, ""))
		}
		if s.sasl != "" {
			out = append(out, exporter.CheckResult{Check: "credential accepted", OK: true, Detail: "SASL " + s.sasl + " accepted"})
		}
		return out
	case exporter.IsCertError(err):
		return append(out, reach, exporter.CheckResult{Check: "tls verified", Detail: err.Error(),
			Fix: "trust the brokers' certificate: set ca_file to its CA bundle (PEM), or server_name to the name it carries"})
	case errors.Is(err, kerr.SaslAuthenticationFailed), errors.Is(err, kerr.UnsupportedSaslMechanism), errors.Is(err, kerr.IllegalSaslState):
		return append(out, reach, exporter.CheckResult{Check: "credential accepted", Detail: err.Error(),
			Fix: "check sasl.mechanism, sasl.username and the password, and the mechanisms the brokers enable"})
	}
	return append(out, exporter.CheckResult{Check: "reachable", Detail: fmt.Sprintf("connect to %s: %v", seeds, err),
		Fix: "check brokers, tls (is the listener TLS?) and that the brokers advertise addresses this host can reach"})
}

// checkTopics asks for the configured topics' metadata; ok is whether
// every topic is usable.
func (s *Sink) checkTopics(ctx context.Context, cl *kgo.Client) (out []exporter.CheckResult, ok bool) {
	req := kmsg.NewPtrMetadataRequest()
	for _, t := range s.topics.names() {
		rt := kmsg.NewMetadataRequestTopic()
		rt.Topic = kmsg.StringPtr(t)
		req.Topics = append(req.Topics, rt)
	}
	req.AllowAutoTopicCreation = false
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		return []exporter.CheckResult{{Check: "topics", Detail: fmt.Sprintf("metadata request: %v", err), Fix: "check the brokers' logs"}}, false
	}
	ok = true
	for _, t := range resp.Topics {
		name := kmsg.StringPtr("")
		if t.Topic != nil {
			name = t.Topic
		}
		r := exporter.CheckResult{Check: "topic " + *name}
		if err := kerr.ErrorForCode(t.ErrorCode); err != nil {
			r.Detail = err.Error()
			switch {
			case errors.Is(err, kerr.UnknownTopicOrPartition):
				r.Fix = "create the topic (the sink never creates topics) or fix topics in the config"
			case errors.Is(err, kerr.TopicAuthorizationFailed):
				r.Fix = "grant the sink's principal WRITE and DESCRIBE on the topic"
			default:
				r.Fix = "check the topic on the brokers"
			}
			ok = false
			out = append(out, r)
			continue
		}
		leaderless := 0
		for _, p := range t.Partitions {
			if p.Leader < 0 || p.ErrorCode != 0 && p.ErrorCode != kerr.ReplicaNotAvailable.Code {
				leaderless++
			}
		}
		if leaderless > 0 {
			r.Detail = fmt.Sprintf("%d of %d partitions have no leader", leaderless, len(t.Partitions))
			r.Fix = "check the brokers: a partition without a leader takes no writes"
			ok = false
		} else {
			r.OK, r.Detail = true, fmt.Sprintf("%d partitions, each with a leader", len(t.Partitions))
		}
		out = append(out, r)
	}
	return out, ok
}

// checkLimits compares each topic's max.message.bytes with
// max_message_bytes. Credentials that may not describe configs leave it
// unproven, which is not a failure.
func (s *Sink) checkLimits(ctx context.Context, cl *kgo.Client) []exporter.CheckResult {
	req := kmsg.NewPtrDescribeConfigsRequest()
	for _, t := range s.topics.names() {
		rr := kmsg.NewDescribeConfigsRequestResource()
		rr.ResourceType, rr.ResourceName = kmsg.ConfigResourceTypeTopic, t
		rr.ConfigNames = []string{"max.message.bytes"}
		req.Resources = append(req.Resources, rr)
	}
	res := exporter.CheckResult{Check: "message size", OK: true}
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		res.Detail = fmt.Sprintf("topic limits not read: %v", err)
		return []exporter.CheckResult{res}
	}
	var notes []string
	for _, r := range resp.Resources {
		if err := kerr.ErrorForCode(r.ErrorCode); err != nil {
			notes = append(notes, fmt.Sprintf("%s: not read (%v)", r.ResourceName, err))
			continue
		}
		for _, c := range r.Configs {
			if c.Name != "max.message.bytes" || c.Value == nil {
				continue
			}
			limit, err := strconv.Atoi(*c.Value)
			if err != nil {
				continue
			}
			if limit < s.maxBytes+batchOverhead {
				res.OK = false
				res.Fix = fmt.Sprintf("set max_message_bytes to at most %d, or raise max.message.bytes of the topic", limit-batchOverhead)
			}
			notes = append(notes, fmt.Sprintf("%s: max.message.bytes %d", r.ResourceName, limit))
		}
	}
	res.Detail = fmt.Sprintf("max_message_bytes %d; %s", s.maxBytes, strings.Join(notes, "; "))
	return []exporter.CheckResult{res}
}
