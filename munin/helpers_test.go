package munin

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/internal/clienttest"
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
type apiRequest = clienttest.Request

// apiMock is a Munin REST API on clienttest's recording httpmock
// transport: routes answer with their responders in turn, and a request no
// route matches fails the test.
type apiMock struct {
	*clienttest.Mock
	t testing.TB
}

// newAPIMock returns a mock that fails the test on any request no route
// matches, answering it in Munin's error shape.
func newAPIMock(t *testing.T) *apiMock {
	t.Helper()
	m := clienttest.NewMock(t, testHost, `{"message":"no route"}`)
	return &apiMock{Mock: m, t: t}
}

// on routes method and path (escaped, from the host on, e.g.
// "/base/v1/webhooks") to responders, answered in turn.

// newTestClient returns an admin client on m with fast retries.
func newTestClient(t *testing.T, m *apiMock, opts ...Option) *Client {
	t.Helper()
	base := []Option{WithBaseURL(testBase), WithHTTPClient(m.HTTPClient()), WithRetry(2, time.Millisecond)}
	c, err := NewClient(testAdminKey, append(base, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// newTestWidget returns a widget client on m with fast retries.
func newTestWidget(t *testing.T, m *apiMock, opts ...Option) *WidgetClient {
	t.Helper()
	base := []Option{
		WithBaseURL(testBase), WithHTTPClient(m.HTTPClient()), WithRetry(2, time.Millisecond),
		WithOrigin(testOrigin), WithChannel(testChannel),
	}
	w, err := NewWidgetClient(testWidgetKey, append(base, opts...)...)
	require.NoError(t, err)
	return w
}

// reply answers status with body as JSON, an x-request-id, and extra
// headers given as name, value pairs.
func reply(status int, body string, header ...string) httpmock.Responder {
	extra := http.Header{"Content-Type": {"application/json; charset=utf-8"}}
	for i := 0; i+1 < len(header); i += 2 {
		extra.Set(header[i], header[i+1])
	}
	return clienttest.Answer(status, body, clienttest.JSONHeader("req-test-1"), extra)
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
	header := clienttest.JSONCall("Bearer " + testAdminKey)
	header["Origin"] = nil // admin calls send no Origin
	if len(req.Body) == 0 {
		delete(header, "Content-Type") // not checked
	}
	clienttest.AssertRequest(t, req, clienttest.Expect{Method: method, Path: path, Header: header})
}

// assertWidgetRequest checks what every widget call sends: Munin refuses a
// widget call without an allowlisted Origin.
func assertWidgetRequest(t *testing.T, req apiRequest, method, path string) {
	t.Helper()
	clienttest.AssertRequest(t, req, clienttest.Expect{Method: method, Path: path, Header: map[string][]string{
		"Authorization": {"Bearer " + testWidgetKey},
		"Origin":        {testOrigin},
	}})
}

// decodeBody decodes a recorded JSON body into a generic value.
func decodeBody(t *testing.T, body []byte) map[string]any {
	t.Helper()
	var v map[string]any
	require.NoError(t, json.Unmarshal(body, &v), "body %s", body)
	return v
}
