package altabots

import (
	"encoding/base64"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/webhookverify"
)

func basicHeader(user, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
}

// authCase is one call against one authentication setup.
type authCase struct {
	name       string
	auth       string
	remoteAddr string
	status     int
	code       int
	message    string
}

// runAuthCases serves each case; a 401 must carry challenge in
// WWW-Authenticate (RFC 9110), and no other answer any.
func runAuthCases(t *testing.T, h http.Handler, desk *recordingDesk, challenge string, cases []authCase) {
	t.Helper()
	for _, tc := range cases {
		before, _, _ := desk.calls()
		c := altabotsCall("/conversation/establish", docEstablish)
		c.auth, c.remoteAddr = tc.auth, tc.remoteAddr
		rec := serve(h, c)
		assert.Equal(t, tc.status, rec.Code, tc.name)
		if tc.status == http.StatusUnauthorized {
			assert.Equal(t, challenge, rec.Header().Get("WWW-Authenticate"), tc.name)
		} else {
			assert.Empty(t, rec.Header().Values("WWW-Authenticate"), tc.name)
		}
		assert.JSONEq(t, `{"code":`+itoa(tc.code)+`,"message":`+quote(tc.message)+`}`, rec.Body.String(), tc.name)
		after, _, _ := desk.calls()
		assert.Equal(t, tc.status == http.StatusOK, after == before+1, "%s: the desk is called only when accepted", tc.name)
	}
}

func TestBearerToken(t *testing.T) {
	t.Parallel()
	// Two tokens: the new one and the old one, while AltaBots' settings
	// switch over.
	auth, err := webhookverify.BearerToken(testToken, "old-token")
	require.NoError(t, err)
	desk := &recordingDesk{}
	h, err := NewHandler(desk, WithAuthenticator(auth))
	require.NoError(t, err)
	runAuthCases(t, h, desk, "Bearer", []authCase{
		{"token", "Bearer " + testToken, "", 200, 0, "success"},
		{"old token", "Bearer old-token", "", 200, 0, "success"},
		{"scheme in lower case", "bearer " + testToken, "", 200, 0, "success"},
		{"no header", "", "", 401, 40100, "credential is missing"},
		{"empty token", "Bearer ", "", 401, 40100, "credential is missing"},
		{"token alone", testToken, "", 401, 40100, "credential is missing"},
		{"wrong token", "Bearer " + testToken + "x", "", 401, 40100, "credential is not accepted"},
		{"prefix of the token", "Bearer " + testToken[:10], "", 401, 40100, "credential is not accepted"},
	})
}

func TestBasicAuth(t *testing.T) {
	t.Parallel()
	auth, err := webhookverify.BasicAuth("altabots", testToken)
	require.NoError(t, err)
	desk := &recordingDesk{}
	h, err := NewHandler(desk, WithAuthenticator(auth))
	require.NoError(t, err)
	runAuthCases(t, h, desk, `Basic realm="webhook", charset="UTF-8"`, []authCase{
		{"credentials", basicHeader("altabots", testToken), "", 200, 0, "success"},
		{"wrong password", basicHeader("altabots", "nope"), "", 401, 40100, "credential is not accepted"},
		{"wrong user", basicHeader("someone", testToken), "", 401, 40100, "credential is not accepted"},
		{"not base64", "Basic !!!", "", 401, 40100, "credential is not accepted"},
		{"bearer instead", "Bearer " + testToken, "", 401, 40100, "credential is missing"},
		{"none", "", "", 401, 40100, "credential is missing"},
	})
}

// A source-IP allowlist combined with the token: strangers get 403 before
// their token is looked at.
func TestSourceIPsWithToken(t *testing.T) {
	t.Parallel()
	ips, err := webhookverify.SourceIPs("203.0.113.0/24", "2001:db8::1")
	require.NoError(t, err)
	auth, err := webhookverify.AllOf(ips, bearer(t))
	require.NoError(t, err)
	desk := &recordingDesk{}
	h, err := NewHandler(desk, WithAuthenticator(auth))
	require.NoError(t, err)
	runAuthCases(t, h, desk, "Bearer", []authCase{
		{"allowed address and token", "Bearer " + testToken, "203.0.113.7:4711", 200, 0, "success"},
		{"allowed IPv6 address", "Bearer " + testToken, "[2001:db8::1]:4711", 200, 0, "success"},
		{"allowed address, wrong token", "Bearer nope", "203.0.113.7:4711", 401, 40100, "credential is not accepted"},
		{"other address, right token", "Bearer " + testToken, "198.51.100.1:4711", 403, 40300, "source address is not allowed"},
		{"other address, no token", "", "198.51.100.1:4711", 403, 40300, "source address is not allowed"},
	})
}

// WithoutAuthentication accepts every call, credential or not.
func TestWithoutAuthentication(t *testing.T) {
	t.Parallel()
	desk := &recordingDesk{}
	h, err := NewHandler(desk, WithoutAuthentication())
	require.NoError(t, err)
	assert.Equal(t, "altabots.Handler{/conversation/establish /chat /conversation/close, unauthenticated}", h.String())
	runAuthCases(t, h, desk, "", []authCase{
		{"no header", "", "", 200, 0, "success"},
		{"any header", "Bearer whatever", "", 200, 0, "success"},
	})
}

// A custom rule through webhookverify.AuthenticatorFunc, such as a header
// a proxy sets.
func TestAuthenticatorFunc(t *testing.T) {
	t.Parallel()
	auth := webhookverify.AuthenticatorFunc(func(r *http.Request) error {
		if r.Header.Get("X-Verified-By-Proxy") != "yes" {
			return webhookverify.ErrMissingCredential
		}
		return nil
	})
	desk := &recordingDesk{}
	h, err := NewHandler(desk, WithAuthenticator(auth))
	require.NoError(t, err)
	c := altabotsCall("/chat", docChat)
	assertAnswer(t, serve(h, c), 401, 40100, "credential is missing")
	c.header = http.Header{"X-Verified-By-Proxy": {"yes"}}
	assertAnswer(t, serve(h, c), 200, 0, "success")
}
