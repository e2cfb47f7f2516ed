package munintest_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/internal/fakeserver/fakeservertest"
	"github.com/botbridge/botbridge/munin/munintest"
)

// t0 is the fake clock's start in tests that freeze time.
var t0 = time.Date(2026, 8, 21, 10, 0, 0, 0, time.UTC)

// reply is an answer of the fake.
type reply = fakeservertest.Reply

// call sends a request. body may be nil (no body), a string (sent as is) or
// anything else (sent as JSON). header pairs follow.
func call(t testing.TB, s *munintest.Server, method, path, key string, body any, header ...string) reply {
	t.Helper()
	auth := ""
	if key != "" {
		auth = "Bearer " + key
	}
	return fakeservertest.Send(t, s.Client(), method, s.URL+path, body, append([]string{"Authorization", auth}, header...)...)
}

// push posts a widget push on the default channel with the allowlisted
// Origin.
func push(t testing.TB, s *munintest.Server, body map[string]any) reply {
	t.Helper()
	ch := s.Channel()
	if _, ok := body["channelId"]; !ok {
		body["channelId"] = ch.ID
	}
	return call(t, s, "POST", "/v1/widget/messages", ch.WidgetKey, body, "Origin", munintest.DefaultOrigin)
}

// msg is one widget message.
func msg(bodyText string, kv ...any) map[string]any {
	m := map[string]any{"role": "end_user", "body": bodyText}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

// pushSession pushes messages to a session and returns the conversation id.
func pushSession(t testing.TB, s *munintest.Server, session string, msgs ...map[string]any) string {
	t.Helper()
	list := make([]any, len(msgs))
	for i, m := range msgs {
		list[i] = m
	}
	r := push(t, s, map[string]any{"sessionId": session, "messages": list})
	require.Equal(t, http.StatusCreated, r.Status, "push: %s", r.Body)
	return r.JSON(t)["conversationId"].(string)
}

// eventTypes returns the types of the server's events.
func eventTypes(s *munintest.Server) []string {
	var out []string
	for _, e := range s.Events() {
		out = append(out, e.Type)
	}
	return out
}

// receiver is a webhook endpoint that records deliveries and answers with
// the statuses queued in it (200 when none is left).
type receiver = fakeservertest.Receiver

func newReceiver(t testing.TB, statuses ...int) *receiver {
	t.Helper()
	return fakeservertest.NewReceiver(t, statuses...)
}

// subscribe creates a webhook to rc for events and returns the webhook's
// id and secret.
func subscribe(t testing.TB, s *munintest.Server, rc *receiver, events ...string) (id, secret string) {
	t.Helper()
	body := map[string]any{"url": rc.URL}
	if events != nil {
		body["events"] = events
	}
	r := call(t, s, "POST", "/v1/webhooks", s.AdminKey(), body)
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	m := r.JSON(t)
	return m["id"].(string), m["secret"].(string)
}

// ctx returns a context that ends with the test, bounded so a hang fails.
var ctx = fakeservertest.Context

func jsonBody(t testing.TB, v any) io.Reader {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return bytes.NewReader(b)
}
