package fakeservertest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Timeout bounds Context: long enough for any healthy test, short enough
// that a hang fails with a stack rather than go test's ten minutes.
const Timeout = 20 * time.Second

// Context returns a context that ends with the test, or after Timeout.
func Context(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	t.Cleanup(cancel)
	return ctx
}

// Reply is a fake's answer to a request sent with Send.
type Reply struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body as a JSON object; t fails when it is not one.
func (r Reply) JSON(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(r.Body, &m), "body: %s", r.Body)
	return m
}

// Decode decodes the body into v; t fails when it cannot.
func (r Reply) Decode(t testing.TB, v any) {
	t.Helper()
	require.NoError(t, json.Unmarshal(r.Body, v), "body: %s", r.Body)
}

// Send sends a request through client and returns the answer, read whole.
// body may be nil (no body), a string or []byte (sent as is), or any other
// value (sent as JSON); a request with a body has Content-Type
// application/json. header holds name, value pairs set after that, in
// order; an empty value removes the header (such as Content-Type). A
// request that gets no answer fails t.
func Send(t testing.TB, client *http.Client, method, url string, body any, header ...string) Reply {
	t.Helper()
	require.Zero(t, len(header)%2, "Send: header must be name, value pairs")
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewReader([]byte(b))
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		require.NoError(t, err)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, url, rd)
	require.NoError(t, err)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i < len(header); i += 2 {
		if header[i+1] == "" {
			req.Header.Del(header[i])
			continue
		}
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return Reply{Status: resp.StatusCode, Header: resp.Header, Body: raw}
}

// Received is one request a Receiver got.
type Received struct {
	Method string
	Path   string
	Header http.Header
	Body   []byte
}

// Receiver is an HTTP endpoint on loopback, standing in for the code a
// fake calls (a webhook receiver, a desk): it records every request, and
// answers with the statuses NewReceiver queued, in turn, and then with the
// answer SetAnswer set (by default 200 with no body). It is safe for
// concurrent use.
type Receiver struct {
	// URL is the endpoint's base, such as "http://127.0.0.1:53211".
	URL string

	mu       sync.Mutex
	got      []Received
	statuses []int
	answer   func(r *http.Request, body []byte) (status int, respBody string)
}

// NewReceiver starts a Receiver for the test t, which closes it when the
// test ends.
func NewReceiver(t testing.TB, statuses ...int) *Receiver {
	t.Helper()
	rc := &Receiver{statuses: slices.Clone(statuses)}
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	rc.URL = srv.URL
	return rc
}

// SetAnswer sets how the receiver answers once the queued statuses are
// used up: answer gets the request and its body and returns the status and
// the body to send (a non-empty body goes out as application/json). A nil
// answer restores 200 with no body.
func (rc *Receiver) SetAnswer(answer func(r *http.Request, body []byte) (status int, respBody string)) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.answer = answer
}

// ServeHTTP records the request and answers it.
func (rc *Receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	rc.got = append(rc.got, Received{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: body})
	status, out, answer := http.StatusOK, "", rc.answer
	queued := len(rc.statuses) > 0
	if queued {
		status, rc.statuses = rc.statuses[0], rc.statuses[1:]
	}
	rc.mu.Unlock()
	if !queued && answer != nil {
		status, out = answer(r, body)
	}
	if out != "" {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(status)
	io.WriteString(w, out)
}

// Calls returns copies of the requests received so far, oldest first.
func (rc *Receiver) Calls() []Received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	out := make([]Received, len(rc.got))
	for i, c := range rc.got {
		out[i] = c
		out[i].Header, out[i].Body = c.Header.Clone(), slices.Clone(c.Body)
	}
	return out
}

// JSON decodes the body of every request received so far as a JSON
// object, oldest first; t fails when one is not.
func (rc *Receiver) JSON(t testing.TB) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, c := range rc.Calls() {
		var m map[string]any
		require.NoError(t, json.Unmarshal(c.Body, &m), "body: %s", c.Body)
		out = append(out, m)
	}
	return out
}
