package munin

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Test fixtures. Keys have Munin's shape (§1: prefix + 43 base64url
// characters), so a test that finds one in an error finds a real leak.
const (
	testAdminKey  = "mn_admin_Q2hlY2tUaGF0S2V5c05ldmVyTGVha0ludG9FcnJvcnM"
	testWidgetKey = "mn_widget_V2lkZ2V0S2V5c011c3ROb3RMZWFrRWl0aGVyX19fXw"
	// testBase has a path, so a request built with an absolute path
	// ("/v1/…") misses the mock and fails.
	testBase    = "https://munin.test/base/"
	testHost    = "https://munin.test"
	testOrigin  = "https://shop.example"
	testChannel = "cch_0123456789abcdefghijkl"
)

// apiRequest is one request the mock received.
type apiRequest struct {
	Method string
	Path   string // escaped
	Query  url.Values
	Header http.Header
	Body   []byte
}

// apiMock is a Munin REST API on an httpmock transport that records every
// request. Routes answer with their responders in turn, the last one for
// every further call. Nothing is activated globally, so tests run in
// parallel.
type apiMock struct {
	t  *testing.T
	mt *httpmock.MockTransport

	mu   sync.Mutex
	reqs []apiRequest
}

// newAPIMock returns a mock that fails the test on any request no route
// matches.
func newAPIMock(t *testing.T) *apiMock {
	t.Helper()
	m := &apiMock{t: t, mt: httpmock.NewMockTransport()}
	m.mt.RegisterNoResponder(func(req *http.Request) (*http.Response, error) {
		m.record(req)
		t.Errorf("unexpected request %s %s", req.Method, req.URL)
		return httpmock.NewStringResponse(http.StatusTeapot, `{"message":"no route"}`), nil
	})
	return m
}

// httpClient is the client to hand to WithHTTPClient.
func (m *apiMock) httpClient() *http.Client { return &http.Client{Transport: m.mt} }

// on routes method and path (escaped, from the host on, e.g.
// "/base/v1/webhooks") to responders, answered in turn.
func (m *apiMock) on(method, path string, responders ...httpmock.Responder) {
	m.t.Helper()
	require.NotEmpty(m.t, responders)
	var mu sync.Mutex
	n := 0
	m.mt.RegisterResponder(method, testHost+path, func(req *http.Request) (*http.Response, error) {
		m.record(req)
		mu.Lock()
		r := responders[min(n, len(responders)-1)]
		n++
		mu.Unlock()
		return r(req)
	})
}

func (m *apiMock) record(req *http.Request) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.reqs = append(m.reqs, apiRequest{
		Method: req.Method,
		Path:   req.URL.EscapedPath(),
		Query:  req.URL.Query(),
		Header: req.Header.Clone(),
		Body:   body,
	})
}

// requests returns what the mock received, in order.
func (m *apiMock) requests() []apiRequest {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]apiRequest(nil), m.reqs...)
}

// only returns the one request the mock received.
func (m *apiMock) only() apiRequest {
	m.t.Helper()
	reqs := m.requests()
	require.Len(m.t, reqs, 1)
	return reqs[0]
}

// newTestClient returns an admin client on m with fast retries.
func newTestClient(t *testing.T, m *apiMock, opts ...Option) *Client {
	t.Helper()
	base := []Option{WithBaseURL(testBase), WithHTTPClient(m.httpClient()), WithRetry(2, time.Millisecond)}
	c, err := NewClient(testAdminKey, append(base, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// newTestWidget returns a widget client on m with fast retries.
func newTestWidget(t *testing.T, m *apiMock, opts ...Option) *WidgetClient {
	t.Helper()
	base := []Option{
		WithBaseURL(testBase), WithHTTPClient(m.httpClient()), WithRetry(2, time.Millisecond),
		WithOrigin(testOrigin), WithChannel(testChannel),
	}
	w, err := NewWidgetClient(testWidgetKey, append(base, opts...)...)
	require.NoError(t, err)
	return w
}

// reply answers status with body as JSON, an x-request-id, and extra
// headers given as name, value pairs.
func reply(status int, body string, header ...string) httpmock.Responder {
	return func(*http.Request) (*http.Response, error) {
		resp := httpmock.NewStringResponse(status, body)
		resp.Header.Set("Content-Type", "application/json; charset=utf-8")
		resp.Header.Set("X-Request-Id", "req-test-1")
		for i := 0; i+1 < len(header); i += 2 {
			resp.Header.Set(header[i], header[i+1])
		}
		return resp, nil
	}
}

// noContent answers 204 with no body, as Munin's DELETE routes do.
func noContent() httpmock.Responder {
	return func(*http.Request) (*http.Response, error) {
		return httpmock.NewBytesResponse(http.StatusNoContent, nil), nil
	}
}

// assertAdminRequest checks what every admin call sends.
func assertAdminRequest(t *testing.T, req apiRequest, method, path string) {
	t.Helper()
	assert.Equal(t, method, req.Method)
	assert.Equal(t, path, req.Path)
	assert.Equal(t, "Bearer "+testAdminKey, req.Header.Get("Authorization"))
	assert.Empty(t, req.Header.Get("Origin"), "admin calls send no Origin")
	assert.Equal(t, "application/json", req.Header.Get("Accept"))
	if len(req.Body) > 0 {
		assert.Equal(t, "application/json", req.Header.Get("Content-Type"))
	}
}

// assertWidgetRequest checks what every widget call sends.
func assertWidgetRequest(t *testing.T, req apiRequest, method, path string) {
	t.Helper()
	assert.Equal(t, method, req.Method)
	assert.Equal(t, path, req.Path)
	assert.Equal(t, "Bearer "+testWidgetKey, req.Header.Get("Authorization"))
	assert.Equal(t, testOrigin, req.Header.Get("Origin"), "Munin refuses a widget call without an allowlisted Origin")
}

// decodeBody decodes a recorded JSON body into a generic value.
func decodeBody(t *testing.T, body []byte) map[string]any {
	t.Helper()
	var v map[string]any
	require.NoError(t, json.Unmarshal(body, &v), "body %s", body)
	return v
}
