package kafka

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

func TestClassify(t *testing.T) {
	cases := []struct {
		err  error
		want outcome
	}{
		{kerr.MessageTooLarge, refused},
		{fmt.Errorf("%w (uncompressed_bytes=9)", kerr.MessageTooLarge), refused},
		{kerr.RecordListTooLarge, refused},
		{kerr.InvalidRecord, refused},
		{kerr.InvalidTimestamp, refused},
		{kerr.TopicAuthorizationFailed, pause},
		{kerr.ClusterAuthorizationFailed, pause},
		{kerr.SaslAuthenticationFailed, pause},
		{kerr.UnknownTopicOrPartition, pause},
		{kerr.InvalidTopicException, pause},
		{kerr.NotLeaderForPartition, retry},
		{kerr.NotEnoughReplicas, retry},
		{kerr.RequestTimedOut, retry},
		{kerr.CorruptMessage, retry},
		{kgo.ErrRecordTimeout, retry},
		{kgo.ErrRecordRetries, retry},
		{context.DeadlineExceeded, retry},
		{io.EOF, retry},
		{errors.New("dial tcp: connection refused"), retry},
	}
	for _, tc := range cases {
		if got := classify(tc.err); got != tc.want {
			t.Errorf("classify(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}
}
