package munintest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/munin/munintest"
)

// t0 is the fake clock's start in tests that freeze time.
var t0 = time.Date(2026, 8, 21, 10, 0, 0, 0, time.UTC)

// reply is an answer of the fake.
type reply struct {
	status int
	header http.Header
	body   []byte
}

// json decodes the body into a generic value.
func (r reply) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(r.body, &m), "body: %s", r.body)
	return m
}

func (r reply) decode(t testing.TB, v any) {
	t.Helper()
	require.NoError(t, json.Unmarshal(r.body, v), "body: %s", r.body)
}

// call sends a request. body may be nil (no body), a string (sent as is) or
// anything else (sent as JSON). header pairs follow.
func call(t testing.TB, s *munintest.Server, method, path, key string, body any, header ...string) reply {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		require.NoError(t, err)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, s.URL+path, rd)
	require.NoError(t, err)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := s.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return reply{status: resp.StatusCode, header: resp.Header, body: raw}
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
	require.Equal(t, http.StatusCreated, r.status, "push: %s", r.body)
	return r.json(t)["conversationId"].(string)
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
type receiver struct {
	mu       sync.Mutex
	got      []delivered
	statuses []int
	url      string
}

type delivered struct {
	header http.Header
	body   []byte
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	rc.got = append(rc.got, delivered{r.Header.Clone(), body})
	status := http.StatusOK
	if len(rc.statuses) > 0 {
		status, rc.statuses = rc.statuses[0], rc.statuses[1:]
	}
	rc.mu.Unlock()
	w.WriteHeader(status)
}

func (rc *receiver) deliveries() []delivered {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]delivered(nil), rc.got...)
}

// subscribe creates a webhook to a new receiver for events and returns it
// with the webhook's id and secret.
func subscribe(t testing.TB, s *munintest.Server, rc *receiver, events ...string) (id, secret string) {
	t.Helper()
	if rc.url == "" {
		rc.url = startReceiver(t, rc)
	}
	body := map[string]any{"url": rc.url}
	if events != nil {
		body["events"] = events
	}
	r := call(t, s, "POST", "/v1/webhooks", s.AdminKey(), body)
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	m := r.json(t)
	return m["id"].(string), m["secret"].(string)
}

func startReceiver(t testing.TB, h http.Handler) string {
	t.Helper()
	return httptestServer(t, h)
}

// ctx returns a context that ends with the test, bounded so a hang fails.
func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}

func jsonBody(t testing.TB, v any) io.Reader {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return bytes.NewReader(b)
}
