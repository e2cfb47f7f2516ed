package certainlytest_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/certainly/certainlytest"
)

// t0 is the fake clock's start in tests that freeze time.
var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

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

// do sends method to the server's path (from the host on, escaped as
// given) with the Authorization header auth ("" for none) and body ("" for
// none).
func do(t testing.TB, s *certainlytest.Server, method, path, auth, body string) reply {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, s.URL+path, rd)
	require.NoError(t, err)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
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

// bearer is the Authorization header the server accepts by default.
func bearer(s *certainlytest.Server) string { return "bearer " + s.Token() }

// path is a route's path for the server's bot, with userID escaped.
func path(s *certainlytest.Server, kind, userID string) string {
	p := certainlytest.DefaultPathPrefix + "/" + s.BotID() + "/" + kind + "/"
	if userID != "" {
		p += url.PathEscape(userID) + "/"
	}
	return p
}

// handover, send and takeover call the routes as a program would.
func handover(t testing.TB, s *certainlytest.Server, userID string) reply {
	t.Helper()
	return do(t, s, "GET", path(s, "handover", userID), bearer(s), "")
}

func send(t testing.TB, s *certainlytest.Server, userID, body string) reply {
	t.Helper()
	return do(t, s, "POST", path(s, "handover", userID), bearer(s), body)
}

func takeover(t testing.TB, s *certainlytest.Server, userID, query string) reply {
	t.Helper()
	return do(t, s, "GET", path(s, "takeover", userID)+query, bearer(s), "")
}

// receiver is a webhook endpoint that records calls and answers with the
// statuses queued in it (204 when none is left).
type receiver struct {
	mu       sync.Mutex
	got      []received
	statuses []int
	srv      *httptest.Server
}

type received struct {
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
	rc.got = append(rc.got, received{r.Header.Clone(), body})
	status := http.StatusNoContent
	if len(rc.statuses) > 0 {
		status, rc.statuses = rc.statuses[0], rc.statuses[1:]
	}
	rc.mu.Unlock()
	w.WriteHeader(status)
}

func (rc *receiver) calls() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.got...)
}

// ctx returns a context that ends with the test, bounded so a hang fails.
func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}
