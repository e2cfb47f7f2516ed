package altabots

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/internal/clienttest"
	"github.com/botbridge/botbridge/webhookverify"
)

// Fixtures. The key and the token are long and distinctive, so a test that
// finds one in an error finds a real leak.
const (
	testAPIKey = "ab_live_QWx0YUJvdHNLZXlOZXZlckluRXJyb3Jz"
	testToken  = "whk_RGVza1Rva2VuTmV2ZXJJbkFuc3dlcnM"
	// testBase has a path, so a request built with an absolute path
	// ("/v1/…") misses the mock and fails.
	testBase        = "https://altabots.test/base/"
	testHost        = "https://altabots.test"
	testMessagePath = "/base/v1/human/message/receive"
	testClosePath   = "/base/v1/human/close"

	// docConversation and docTimestamp are the handoff page's example's.
	docConversation = "67d8db020fa31d1ef64f53dg"
	docTimestamp    = UnixMillis(1742265090895)
	docBotID        = "665d88b03ce2b13cf2d573454"
)

// docEstablish is the handoff page's curl example body, byte for byte.
var docEstablish = mustRead("testdata/establish.json")

// docChat and docClose are built from the page's parameter tables (it
// gives no example bodies for them), with the example's conversation.
const (
	docChat  = `{"conversation_id":"67d8db020fa31d1ef64f53dg","timestamp":1742265150895,"body":"My order never arrived."}`
	docClose = `{"conversation_id":"67d8db020fa31d1ef64f53dg","timestamp":1742265390895,"type":"USER_CLOSED"}`
)

func mustRead(name string) string {
	b, err := os.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// clientRequest is one request the mock received.
type clientRequest = clienttest.Request

// clientMock is AltaBots' API on clienttest's recording httpmock transport:
// routes answer with their responders in turn, and a request no route
// matches fails the test.
type clientMock struct {
	*clienttest.Mock
	t testing.TB
}

// newClientMock returns a mock that fails the test on any request no route
// matches, answering it in AltaBots' error shape.
func newClientMock(t *testing.T) *clientMock {
	t.Helper()
	m := clienttest.NewMock(t, testHost, `{"code":41800}`)
	return &clientMock{Mock: m, t: t}
}

// testNow is the clock of test clients: the example's establish time plus
// a minute.
var testNow = docTimestamp.Time().Add(time.Minute)

// newTestClient returns a client on m with fast retries and a fixed clock.
func newTestClient(t *testing.T, m *clientMock, opts ...Option) *Client {
	t.Helper()
	return newTestClientOn(t, m.HTTPClient(), opts...)
}

// newTestClientOn returns a client that sends through hc, with fast
// retries and a fixed clock.
func newTestClientOn(t *testing.T, hc *http.Client, opts ...Option) *Client {
	t.Helper()
	base := []Option{WithBaseURL(testBase), WithHTTPClient(hc), WithRetry(2, time.Millisecond)}
	c, err := NewClient(testAPIKey, append(base, opts...)...)
	require.NoError(t, err)
	c.now = func() time.Time { return testNow }
	return c
}

// answer replies status with body as JSON and an X-Request-Id.
func answer(status int, body string) httpmock.Responder {
	return answerWith(status, body, nil)
}

// answerWith is answer with more headers.
func answerWith(status int, body string, header http.Header) httpmock.Responder {
	return clienttest.Answer(status, body, clienttest.JSONHeader("req-test-1"), header)
}

// ok is AltaBots' answer to a call it accepted.
var ok = answer(http.StatusOK, `{"code":0,"message":"success"}`)

// assertAPIRequest checks what every call to AltaBots carries, and the
// body as JSON.
func assertAPIRequest(t *testing.T, r clientRequest, path, body string) {
	t.Helper()
	clienttest.AssertRequest(t, r, clienttest.Expect{
		Method: http.MethodPost,
		Path:   path,
		Header: clienttest.JSONCall("Bearer " + testAPIKey),
		JSON:   body,
	})
}

// recordingDesk is a Desk that records what it received and answers with
// err (nil: success).
type recordingDesk struct {
	mu        sync.Mutex
	establish []*EstablishRequest
	chat      []*ChatRequest
	closed    []*CloseRequest
	err       error
	// onEstablish, when set, runs inside Establish.
	onEstablish func(ctx context.Context, req *EstablishRequest)
}

func (d *recordingDesk) Establish(ctx context.Context, req *EstablishRequest) error {
	if d.onEstablish != nil {
		d.onEstablish(ctx, req)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.establish = append(d.establish, req)
	return d.err
}

func (d *recordingDesk) Chat(_ context.Context, req *ChatRequest) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.chat = append(d.chat, req)
	return d.err
}

func (d *recordingDesk) Close(_ context.Context, req *CloseRequest) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.closed = append(d.closed, req)
	return d.err
}

// calls is how many calls of each kind the desk received.
func (d *recordingDesk) calls() (establish, chat, closed int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.establish), len(d.chat), len(d.closed)
}

// bearer is a BearerToken Authenticator for testToken.
func bearer(t testing.TB) webhookverify.Authenticator {
	t.Helper()
	a, err := webhookverify.BearerToken(testToken)
	require.NoError(t, err)
	return a
}

// newTestHandler returns a handler for desk that checks the bearer token,
// with opts after.
func newTestHandler(t *testing.T, desk Desk, opts ...HandlerOption) *Handler {
	t.Helper()
	h, err := NewHandler(desk, append([]HandlerOption{WithAuthenticator(bearer(t))}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(h.Close)
	return h
}

// call is one request to a handler.
type call struct {
	method, path, contentType, auth, body string
	remoteAddr                            string
	header                                http.Header // more headers
}

// altabotsCall is a call as AltaBots makes it: POST, JSON, the bearer
// token.
func altabotsCall(path, body string) call {
	return call{method: http.MethodPost, path: path, contentType: "application/json", auth: "Bearer " + testToken, body: body}
}

// serve sends c to h and returns the recorded answer.
func serve(h http.Handler, c call) *httptest.ResponseRecorder {
	req := httptest.NewRequest(c.method, c.path, strings.NewReader(c.body))
	if c.contentType != "" {
		req.Header.Set("Content-Type", c.contentType)
	}
	if c.auth != "" {
		req.Header.Set("Authorization", c.auth)
	}
	for k, vs := range c.header {
		req.Header[k] = vs
	}
	if c.remoteAddr != "" {
		req.RemoteAddr = c.remoteAddr
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// assertAnswer checks a handler's answer: status, JSON {code, message},
// Content-Type.
func assertAnswer(t *testing.T, rec *httptest.ResponseRecorder, status, code int, message string) {
	t.Helper()
	assert.Equal(t, status, rec.Code)
	assert.Equal(t, "application/json", rec.Header().Get("Content-Type"))
	assert.JSONEq(t, `{"code":`+itoa(code)+`,"message":`+quote(message)+`}`, rec.Body.String())
}

func itoa(n int) string { return strconv.Itoa(n) }

// quote is s as a JSON string.
func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// testClock is a Clock whose timers run synchronously, in Advance, when
// they become due: a test knows exactly what fired and what did not.
type testClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*testTimer
}

type testTimer struct {
	at            time.Time
	f             func()
	fired, cancel bool
}

func newTestClock() *testClock { return &testClock{now: testNow} }

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) AfterFunc(d time.Duration, f func()) func() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &testTimer{at: c.now.Add(d), f: f}
	c.timers = append(c.timers, t)
	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		if t.fired || t.cancel {
			return false
		}
		t.cancel = true
		return true
	}
}

// Advance moves the clock forward by d, running the timers that become
// due on the way, in the caller's goroutine and in order, each at its own
// time (Now reads the timer's time while it runs).
func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	target := c.now.Add(d)
	for {
		var next *testTimer
		for _, t := range c.timers {
			if !t.fired && !t.cancel && !t.at.After(target) && (next == nil || t.at.Before(next.at)) {
				next = t
			}
		}
		if next == nil {
			break
		}
		next.fired = true
		c.now = maxTime(c.now, next.at)
		c.mu.Unlock()
		next.f()
		c.mu.Lock()
	}
	c.now = target
	c.mu.Unlock()
}

// jump moves the clock forward by d without running any timer, as a
// machine that was suspended: the timers due run at the next Advance, late.
func (c *testClock) jump(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// armed is how many timers wait to fire.
func (c *testClock) armed() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, t := range c.timers {
		if !t.fired && !t.cancel {
			n++
		}
	}
	return n
}
