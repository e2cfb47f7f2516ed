package moveotest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/moveo/moveotest"
)

// t0 is the fake clock's start in tests that freeze time.
var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// reply is an answer of the fake.
type reply struct {
	status int
	header http.Header
	body   []byte
}

func (r reply) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(r.body, &m), "body: %s", r.body)
	return m
}

// api sends a request under /v1/custom/{iid}/sessions with the server's
// key. body may be nil (no body), a string (sent as is) or a value sent as
// JSON.
func api(t testing.TB, s *moveotest.Server, method, path string, body any) reply {
	t.Helper()
	return do(t, s, method, s.URL+"/v1/custom/"+s.IntegrationID()+"/sessions"+path, "apikey "+s.APIKey(), body)
}

func do(t testing.TB, s *moveotest.Server, method, url, auth string, body any) reply {
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
	req, err := http.NewRequestWithContext(context.Background(), method, url, rd)
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := s.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return reply{status: resp.StatusCode, header: resp.Header, body: raw}
}

// newSession creates a session and returns its id.
func newSession(t testing.TB, s *moveotest.Server, body any) string {
	t.Helper()
	if body == nil {
		body = map[string]any{}
	}
	r := api(t, s, "POST", "", body)
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	return r.json(t)["session_id"].(string)
}

// say sends a user message with text.
func say(t testing.TB, s *moveotest.Server, sessionID, text string) string {
	t.Helper()
	r := api(t, s, "POST", "/"+sessionID+"/messages", map[string]any{"input": map[string]any{"text": text}})
	require.Equal(t, http.StatusAccepted, r.status, "%s", r.body)
	return r.json(t)["request_id"].(string)
}

// receiver is a webhook endpoint that records deliveries and answers with
// the statuses queued in it (200 when none is left).
type receiver struct {
	mu       sync.Mutex
	got      []delivered
	statuses []int
	srv      *httptest.Server
}

type delivered struct {
	header http.Header
	body   []byte
}

func newReceiver(t testing.TB, statuses ...int) *receiver {
	rc := &receiver{statuses: statuses}
	rc.srv = httptest.NewServer(rc)
	t.Cleanup(rc.srv.Close)
	return rc
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

// events decodes the received bodies.
func (rc *receiver) events(t testing.TB) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, d := range rc.deliveries() {
		var m map[string]any
		require.NoError(t, json.Unmarshal(d.body, &m))
		out = append(out, m)
	}
	return out
}

// types lists the received event types.
func (rc *receiver) types(t testing.TB) []string {
	var out []string
	for _, e := range rc.events(t) {
		out = append(out, e["event_type"].(string))
	}
	return out
}

// ctx returns a context that ends with the test, bounded so a hang fails.
func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}

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
