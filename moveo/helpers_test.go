package moveo

import (
	"net/http"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/internal/clienttest"
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
type clientRequest = clienttest.Request

// clientMock is Moveo's API on clienttest's recording httpmock transport:
// routes answer with their responders in turn, and a request no route
// matches fails the test.
type clientMock struct {
	*clienttest.Mock
	t testing.TB
}

// newClientMock returns a mock that fails the test on any request no route
// matches, answering it in Moveo's error shape.
func newClientMock(t *testing.T) *clientMock {
	t.Helper()
	m := clienttest.NewMock(t, testHost, `{"error_code":"no_route"}`)
	return &clientMock{Mock: m, t: t}
}

// newTestClient returns a client on m with fast retries.
func newTestClient(t *testing.T, m *clientMock, opts ...Option) *Client {
	t.Helper()
	return newTestClientOn(t, m.HTTPClient(), opts...)
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
	return clienttest.Answer(status, body, clienttest.JSONHeader("req-test-1"))
}

// assertAPIRequest checks what every call to Moveo carries, and the body
// as JSON (empty: not checked).
func assertAPIRequest(t *testing.T, r clientRequest, method, path, body string) {
	t.Helper()
	clienttest.AssertRequest(t, r, clienttest.Expect{
		Method: method,
		Path:   path,
		Header: clienttest.JSONCall("apikey " + testAPIKey),
		JSON:   body,
	})
}
