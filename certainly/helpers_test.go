package certainly

import (
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/internal/clienttest"
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
// step 1B), verbatim: the ids are placeholders there. certainlytest's
// tests read the same file.
var docClaim = strings.TrimSuffix(mustReadFile("testdata/handover-claim.json"), "\n")

// mustReadFile returns a test data file's text; a missing file is a broken
// checkout, not a test failure, so it panics.
func mustReadFile(name string) string {
	b, err := os.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return string(b)
}

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
type clientRequest = clienttest.Request

// clientMock is Certainly's API on clienttest's recording httpmock
// transport. It has no routes: every request is answered with the next of
// responders (the last one for every further request; none: 200 with an
// empty body), which a test may replace between calls.
type clientMock struct {
	*clienttest.Mock
	t          testing.TB
	responders []httpmock.Responder
}

// newClientMock answers every request with responders in turn; none means
// 200 with an empty body.
func newClientMock(t testing.TB, responders ...httpmock.Responder) *clientMock {
	t.Helper()
	m := &clientMock{Mock: clienttest.NewMock(t, testHost, ""), t: t, responders: responders}
	m.Fallback(func(req *http.Request, n int) (*http.Response, error) {
		return clienttest.InTurn(n, m.responders...)(req)
	})
	return m
}

// newTestClient returns a client on m with fast retries.
func newTestClient(t testing.TB, m *clientMock, opts ...Option) *Client {
	t.Helper()
	base := []Option{WithBaseURL(testBase), WithHTTPClient(m.HTTPClient()), WithRetry(2, time.Millisecond)}
	c, err := NewClient(testToken, append(base, opts...)...)
	require.NoError(t, err)
	return c
}

// answer replies status with body as JSON.
func answer(status int, body string) httpmock.Responder {
	return clienttest.Answer(status, body, clienttest.JSONHeader(""))
}

// assertRequest checks method, escaped path, the bearer token and, when
// body is not empty, the JSON body (when it is, that there is none).
func assertRequest(t *testing.T, r clientRequest, method, path, body string) {
	t.Helper()
	header := clienttest.JSONCall("bearer " + testToken)
	if body == "" {
		delete(header, "Content-Type") // not checked
	}
	clienttest.AssertRequest(t, r, clienttest.Expect{Method: method, Path: path, Header: header, JSON: body, NoBody: body == ""})
}
