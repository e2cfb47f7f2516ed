package certainly

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

// Client test fixtures. The token is long and distinctive, so a test that
// finds it in an error or a printed value finds a real leak.
const (
	testToken = "crt_live_VGhpc1Rva2VuTXVzdE5ldmVyQXBwZWFySW5Mb2dz"
	// testBase has a path, so a request built with an absolute path
	// ("/webbot/…") misses it and fails.
	testBase   = "https://certainly.test/base/"
	testHost   = "https://certainly.test"
	testPrefix = "/base/webbot/api/webchat"
	testBot    = "botdep-2f9c41"
	testUser   = "user-7d1e"
)

// docClaim is the claim body of the handover page (certainly-handover-flow.txt,
// step 1B), verbatim: the ids are placeholders there.
const docClaim = `{
    "attachedMedia":"url_to_the_file",
    "reply":"VarWebhook",
    "botId":"",
    "direction":"out",
    "extractedData":{ },
    "lastName":"last_name taken from facebook if available",
    "sessionId":"",
    "customVariables":{ },
    "from":"token",
    "firstName":"first_name taken from facebook if available",
    "to":"user_id",
    "replyData":"",
    "moduleId":"",
    "botTrainedModelId":""
    }`

// filledClaim is docClaim with the placeholders filled in, as a real
// deployment sends it, plus a field the page does not document.
const filledClaim = `{"attachedMedia":"https://files.example/cv.pdf","reply":"VarWebhook","botId":"` + testBot + `",` +
	`"direction":"out","extractedData":{"email":"ana@example.com","orderNo":4711},"lastName":"Lind","sessionId":"sess-81",` +
	`"customVariables":{"tier":"gold"},"from":"token","firstName":"Ana","to":"` + testUser + `","replyData":"",` +
	`"moduleId":"mod-handover","botTrainedModelId":"btm-3","priority":"high"}`

// docAgentMessage is the agent message body of the handover page, step 5.
const docAgentMessage = `{"message":"Hello from Agent!"}`

// userMessage is a message webhook body in the form certainlytest posts.
const userMessage = `{"interlocutor":"user","message":"Where is my parcel?","botId":"` + testBot + `","userId":"` + testUser + `","sessionId":"sess-81"}`

// clientRequest is one request the mock received.
type clientRequest struct {
	Method   string
	Path     string // escaped
	RawQuery string
	Header   http.Header
	Body     []byte
}

// clientMock is Certainly's API on an httpmock transport that records
// every request and answers each with the next of its responders (the last
// one for every further request). Nothing is activated globally.
type clientMock struct {
	t  testing.TB
	mt *httpmock.MockTransport

	mu         sync.Mutex
	reqs       []clientRequest
	responders []httpmock.Responder
}

// newClientMock answers every request with responders in turn; none means
// 200 with an empty body.
func newClientMock(t testing.TB, responders ...httpmock.Responder) *clientMock {
	m := &clientMock{t: t, mt: httpmock.NewMockTransport(), responders: responders}
	m.mt.RegisterNoResponder(func(req *http.Request) (*http.Response, error) {
		n := m.record(req)
		if len(m.responders) == 0 {
			return httpmock.NewStringResponse(http.StatusOK, ""), nil
		}
		return m.responders[min(n, len(m.responders)-1)](req)
	})
	return m
}

func (m *clientMock) httpClient() *http.Client { return &http.Client{Transport: m.mt} }

// record stores req and returns how many requests came before it.
func (m *clientMock) record(req *http.Request) int {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.reqs = append(m.reqs, clientRequest{
		Method:   req.Method,
		Path:     req.URL.EscapedPath(),
		RawQuery: req.URL.RawQuery,
		Header:   req.Header.Clone(),
		Body:     body,
	})
	return len(m.reqs) - 1
}

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
func newTestClient(t testing.TB, m *clientMock, opts ...Option) *Client {
	t.Helper()
	base := []Option{WithBaseURL(testBase), WithHTTPClient(m.httpClient()), WithRetry(2, time.Millisecond)}
	c, err := NewClient(testToken, append(base, opts...)...)
	require.NoError(t, err)
	return c
}

// answer replies status with body.
func answer(status int, body string) httpmock.Responder {
	return func(*http.Request) (*http.Response, error) {
		resp := httpmock.NewStringResponse(status, body)
		resp.Header.Set("Content-Type", "application/json")
		return resp, nil
	}
}

// assertRequest checks method, escaped path, the bearer token and, when
// body is not empty, the JSON body.
func assertRequest(t *testing.T, r clientRequest, method, path, body string) {
	t.Helper()
	assert.Equal(t, method, r.Method)
	assert.Equal(t, path, r.Path)
	assert.Equal(t, "bearer "+testToken, r.Header.Get("Authorization"))
	assert.Equal(t, "application/json", r.Header.Get("Accept"))
	if body != "" {
		assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
		assert.JSONEq(t, body, string(r.Body))
	} else {
		assert.Empty(t, r.Body)
	}
}

// dialFailure is a RoundTripper whose first n requests fail as a refused
// dial does (so they provably never reached the server) and whose later
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
