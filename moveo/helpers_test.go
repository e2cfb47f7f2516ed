package moveo

import (
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Client test fixtures. The ids are UUIDs, as Moveo's are; the key is long
// and distinctive, so a test that finds it in an error finds a real leak.
const (
	testAPIKey      = "mv_live_S2V5c011c3ROZXZlclJlYWNoRXJyb3JzT3JMb2dz"
	testIntegration = "7b0e2f8a-3c1d-4e5f-9a6b-0c1d2e3f4a5b"
	testSession     = "3f2a9c4e-1b7d-4a8e-9f60-5c2b1d0e7a93"
	testNewSession  = "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a"
	// testBase has a path, so a request built with an absolute path
	// ("/v1/…") misses the mock and fails.
	testBase     = "https://moveo.test/base/"
	testHost     = "https://moveo.test"
	testSessions = "/base/v1/custom/" + testIntegration + "/sessions"
	testOnPath   = testSessions + "/" + testSession
)

// clientRequest is one request the mock received.
type clientRequest struct {
	Method string
	URL    string
	Path   string // escaped
	Header http.Header
	Body   []byte
}

// clientMock is Moveo's API on an httpmock transport that records every
// request. Routes answer with their responders in turn, the last one for
// every further call. Nothing is activated globally, so tests run in
// parallel.
type clientMock struct {
	t  *testing.T
	mt *httpmock.MockTransport

	mu   sync.Mutex
	reqs []clientRequest
}

// newClientMock returns a mock that fails the test on any request no route
// matches.
func newClientMock(t *testing.T) *clientMock {
	t.Helper()
	m := &clientMock{t: t, mt: httpmock.NewMockTransport()}
	m.mt.RegisterNoResponder(func(req *http.Request) (*http.Response, error) {
		m.record(req)
		t.Errorf("unexpected request %s %s", req.Method, req.URL.Redacted())
		return httpmock.NewStringResponse(http.StatusTeapot, `{"error_code":"no_route"}`), nil
	})
	return m
}

// httpClient is the client to hand to WithHTTPClient.
func (m *clientMock) httpClient() *http.Client { return &http.Client{Transport: m.mt} }

// on routes method and path (escaped, from the host on) to responders,
// answered in turn.
func (m *clientMock) on(method, path string, responders ...httpmock.Responder) {
	m.onURL(method, testHost+path, responders...)
}

// onURL is on for a full URL, such as a storage host's.
func (m *clientMock) onURL(method, url string, responders ...httpmock.Responder) {
	m.t.Helper()
	require.NotEmpty(m.t, responders)
	var n atomic.Int64
	m.mt.RegisterResponder(method, url, func(req *http.Request) (*http.Response, error) {
		m.record(req)
		i := int(n.Add(1) - 1)
		return responders[min(i, len(responders)-1)](req)
	})
}

func (m *clientMock) record(req *http.Request) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.reqs = append(m.reqs, clientRequest{
		Method: req.Method,
		URL:    req.URL.String(),
		Path:   req.URL.EscapedPath(),
		Header: req.Header.Clone(),
		Body:   body,
	})
}

// requests returns what the mock received, in order.
func (m *clientMock) requests() []clientRequest {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]clientRequest(nil), m.reqs...)
}

// only returns the one request the mock received.
func (m *clientMock) only() clientRequest {
	m.t.Helper()
	reqs := m.requests()
	require.Len(m.t, reqs, 1)
	return reqs[0]
}

// newTestClient returns a client on m with fast retries.
func newTestClient(t *testing.T, m *clientMock, opts ...Option) *Client {
	t.Helper()
	return newTestClientOn(t, m.httpClient(), opts...)
}

// newTestClientOn returns a client that sends through hc, with fast
// retries.
func newTestClientOn(t *testing.T, hc *http.Client, opts ...Option) *Client {
	t.Helper()
	base := []Option{WithBaseURL(testBase), WithHTTPClient(hc), WithRetry(2, time.Millisecond)}
	c, err := NewClient(testAPIKey, testIntegration, append(base, opts...)...)
	require.NoError(t, err)
	return c
}

// answer replies status with body as JSON and an X-Request-Id.
func answer(status int, body string) httpmock.Responder {
	return func(*http.Request) (*http.Response, error) {
		resp := httpmock.NewStringResponse(status, body)
		resp.Header.Set("Content-Type", "application/json")
		resp.Header.Set("X-Request-Id", "req-test-1")
		return resp, nil
	}
}

// assertAPIRequest checks what every call to Moveo carries, and the body
// as JSON (nil: not checked).
func assertAPIRequest(t *testing.T, r clientRequest, method, path, body string) {
	t.Helper()
	assert.Equal(t, method, r.Method)
	assert.Equal(t, path, r.Path)
	assert.Equal(t, "apikey "+testAPIKey, r.Header.Get("Authorization"))
	assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
	assert.Equal(t, "application/json", r.Header.Get("Accept"))
	if body != "" {
		assert.JSONEq(t, body, string(r.Body))
	}
}

// dialFailure is a RoundTripper whose first n requests fail as a refused
// dial would (so they provably never reached the server) and whose later
// ones go to next.
type dialFailure struct {
	n    atomic.Int64
	next http.RoundTripper
}

func (d *dialFailure) RoundTrip(req *http.Request) (*http.Response, error) {
	if d.n.Add(-1) >= 0 {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	}
	return d.next.RoundTrip(req)
}
