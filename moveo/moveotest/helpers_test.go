package moveotest_test

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/internal/fakeserver/fakeservertest"
	"github.com/botbridge/botbridge/moveo/moveotest"
)

// t0 is the fake clock's start in tests that freeze time.
var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// reply is an answer of the fake.
type reply = fakeservertest.Reply

// api sends a request under /v1/custom/{iid}/sessions with the server's
// key. body may be nil (no body), a string (sent as is) or a value sent as
// JSON.
func api(t testing.TB, s *moveotest.Server, method, path string, body any) reply {
	t.Helper()
	return do(t, s, method, s.URL+"/v1/custom/"+s.IntegrationID()+"/sessions"+path, "apikey "+s.APIKey(), body)
}

// do sends a request with Content-Type application/json, with or without
// a body, and the Authorization auth ("" for none).
func do(t testing.TB, s *moveotest.Server, method, url, auth string, body any) reply {
	t.Helper()
	return fakeservertest.Send(t, s.Client(), method, url, body,
		"Content-Type", "application/json", "Authorization", auth)
}

// newSession creates a session and returns its id.
func newSession(t testing.TB, s *moveotest.Server, body any) string {
	t.Helper()
	if body == nil {
		body = map[string]any{}
	}
	r := api(t, s, "POST", "", body)
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	return r.JSON(t)["session_id"].(string)
}

// say sends a user message with text.
func say(t testing.TB, s *moveotest.Server, sessionID, text string) string {
	t.Helper()
	r := api(t, s, "POST", "/"+sessionID+"/messages", map[string]any{"input": map[string]any{"text": text}})
	require.Equal(t, http.StatusAccepted, r.Status, "%s", r.Body)
	return r.JSON(t)["request_id"].(string)
}

// receiver is a webhook endpoint that records deliveries and answers with
// the statuses queued in it (200 when none is left).
type receiver = fakeservertest.Receiver

func newReceiver(t testing.TB, statuses ...int) *receiver {
	t.Helper()
	return fakeservertest.NewReceiver(t, statuses...)
}

// eventTypes lists the event types rc received.
func eventTypes(t testing.TB, rc *receiver) []string {
	t.Helper()
	var out []string
	for _, e := range rc.JSON(t) {
		out = append(out, e["event_type"].(string))
	}
	return out
}

// ctx returns a context that ends with the test, bounded so a hang fails.
var ctx = fakeservertest.Context

// wait waits for deliveries.
func wait(t testing.TB, s *moveotest.Server) {
	t.Helper()
	require.NoError(t, s.WaitDeliveries(ctx(t)))
}

// recordingTB records Errorf instead of failing the test, to test that the
// fake reports its internal errors.
type recordingTB struct {
	testing.TB
	mu     sync.Mutex
	errors []string
}

func (r *recordingTB) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, format)
}

func (r *recordingTB) failed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.errors) > 0
}

// newHTTPServer starts h on loopback for the test and returns its URL.
func newHTTPServer(t testing.TB, h http.Handler) string {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}
