package certainly

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/internal/clienttest"
)

// Every call goes to its documented path, trailing slash included, with
// each id escaped into one segment.
func TestClientPaths(t *testing.T) {
	t.Parallel()
	ids := []struct{ id, escaped string }{
		{testUser, testUser},
		{"a/b", "a%2Fb"},
		{"who?x=1", "who%3Fx=1"},
		{"Jane Doe", "Jane%20Doe"},
		{"..", "%2E%2E"},
		{".", "%2E"},
		{"100%", "100%25"},
		{"ünï", "%C3%BCn%C3%AF"},
	}
	for _, tt := range ids {
		t.Run(tt.id, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			m := newClientMock(t)
			c := newTestClient(t, m)
			require.NoError(t, c.Handover(ctx, tt.id, tt.id))
			require.NoError(t, c.SendMessage(ctx, tt.id, tt.id, "Hello from Agent!"))
			require.NoError(t, c.Takeover(ctx, tt.id, tt.id, TakeoverOptions{}))
			m.responders = []httpmock.Responder{answer(http.StatusOK, `{"color":"#fff"}`)}
			_, err := c.Config(ctx, tt.id)
			require.NoError(t, err)

			reqs := m.Requests()
			require.Len(t, reqs, 4)
			e := tt.escaped
			assertRequest(t, reqs[0], http.MethodGet, testPrefix+"/"+e+"/handover/"+e+"/", "")
			assertRequest(t, reqs[1], http.MethodPost, testPrefix+"/"+e+"/handover/"+e+"/", docAgentMessage)
			assertRequest(t, reqs[2], http.MethodGet, testPrefix+"/"+e+"/takeover/"+e+"/", "")
			assertRequest(t, reqs[3], http.MethodGet, testPrefix+"/"+e+"/config/", "")
			for _, r := range reqs {
				assert.Empty(t, r.RawQuery)
			}
		})
	}
}

// The same paths as the mock's exact routes: httpmock matches them only
// when the client sends exactly these URLs.
func TestClientExactRoutes(t *testing.T) {
	t.Parallel()
	mt := httpmock.NewMockTransport()
	const user = "Jane Doe/1"
	handover := testHost + testPrefix + "/" + testBot + "/handover/Jane%20Doe%2F1/"
	mt.RegisterResponder(http.MethodGet, handover, httpmock.NewStringResponder(http.StatusOK, "OK"))
	mt.RegisterResponder(http.MethodPost, handover, httpmock.NewStringResponder(http.StatusOK, `{"status":"sent"}`))
	mt.RegisterResponder(http.MethodGet, testHost+testPrefix+"/"+testBot+"/takeover/Jane%20Doe%2F1/?ClaimEnd=survey",
		httpmock.NewStringResponder(http.StatusNoContent, ""))
	mt.RegisterNoResponder(httpmock.NewNotFoundResponder(t.Fatal))
	c, err := NewClient(testToken, WithBaseURL(testBase), WithHTTPClient(&http.Client{Transport: mt}))
	require.NoError(t, err)
	ctx := context.Background()
	assert.NoError(t, c.Handover(ctx, testBot, user))
	assert.NoError(t, c.SendMessage(ctx, testBot, user, "Hi"))
	assert.NoError(t, c.Takeover(ctx, testBot, user, TakeoverOptions{ClaimEnd: "survey"}))
	assert.Equal(t, 3, mt.GetTotalCallCount())
}

func TestClientAuthorization(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name  string
		token string
		opts  []Option
		want  string
	}{
		{"default bearer", testToken, nil, "bearer " + testToken},
		{"JWT", testToken, []Option{WithAuthScheme("JWT")}, "JWT " + testToken},
		{"Token", testToken, []Option{WithAuthScheme("Token")}, "Token " + testToken},
		{"none", "", []Option{WithoutAuthorization()}, ""},
	} {
		m := newClientMock(t)
		c, err := NewClient(tt.token, append([]Option{WithBaseURL(testBase), WithHTTPClient(m.HTTPClient())}, tt.opts...)...)
		require.NoError(t, err, tt.name)
		require.NoError(t, c.Handover(context.Background(), testBot, testUser), tt.name)
		r := m.Only()
		assert.Equal(t, tt.want, r.Header.Get("Authorization"), tt.name)
		if tt.want == "" {
			assert.NotContains(t, r.Header, "Authorization", tt.name)
		}
	}
}

// ClaimEnd is sent as a query parameter only when it is set.
func TestTakeoverClaimEnd(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ claimEnd, query string }{
		{"", ""},
		{"next-module", "ClaimEnd=next-module"},
		{"a b&c=d", "ClaimEnd=a+b%26c%3Dd"},
	} {
		m := newClientMock(t)
		c := newTestClient(t, m)
		require.NoError(t, c.Takeover(context.Background(), testBot, testUser, TakeoverOptions{ClaimEnd: tt.claimEnd}))
		r := m.Only()
		assertRequest(t, r, http.MethodGet, testPrefix+"/"+testBot+"/takeover/"+testUser+"/", "")
		assert.Equal(t, tt.query, r.RawQuery, tt.claimEnd)
	}
}

func TestClientPathPrefix(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		base, prefix, want string
	}{
		{"https://certainly.test", DefaultPathPrefix, "/webbot/api/webchat/b/handover/u/"},
		{"https://certainly.test/", "", "/b/handover/u/"},
		{"https://certainly.test/proxy/certainly//", "/api/v2/", "/proxy/certainly/api/v2/b/handover/u/"},
		{"https://certainly.test/", "webbot/api/webchat", "/webbot/api/webchat/b/handover/u/"},
		{"https://certainly.test/", "/we%20bot", "/we%20bot/b/handover/u/"},
	} {
		m := newClientMock(t)
		c, err := NewClient(testToken, WithBaseURL(tt.base), WithPathPrefix(tt.prefix), WithHTTPClient(m.HTTPClient()))
		require.NoError(t, err, tt.prefix)
		require.NoError(t, c.Handover(context.Background(), "b", "u"))
		assert.Equal(t, tt.want, m.Only().Path, "%s + %s", tt.base, tt.prefix)
	}
}

// GETs are retried after a 502; the agent's message and a takeover with
// ClaimEnd only when Certainly cannot have acted on them (503, 429, a
// refused dial).
func TestClientRetries(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tt := range []struct {
		name   string
		status int
		call   func(*Client) error
		calls  int
	}{
		{"Handover after 502", http.StatusBadGateway, func(c *Client) error { return c.Handover(ctx, testBot, testUser) }, 2},
		{"Takeover after 504", http.StatusGatewayTimeout, func(c *Client) error {
			return c.Takeover(ctx, testBot, testUser, TakeoverOptions{})
		}, 2},
		{"Takeover with ClaimEnd after 503", http.StatusServiceUnavailable, func(c *Client) error {
			return c.Takeover(ctx, testBot, testUser, TakeoverOptions{ClaimEnd: "m"})
		}, 2},
		{"Config after 502", http.StatusBadGateway, func(c *Client) error { _, err := c.Config(ctx, testBot); return err }, 2},
		{"SendMessage after 503", http.StatusServiceUnavailable, func(c *Client) error { return c.SendMessage(ctx, testBot, testUser, "Hi") }, 2},
		{"SendMessage after 429", http.StatusTooManyRequests, func(c *Client) error { return c.SendMessage(ctx, testBot, testUser, "Hi") }, 2},
	} {
		m := newClientMock(t, answer(tt.status, `{"detail":"try again"}`), answer(http.StatusOK, `{}`))
		c := newTestClient(t, m)
		assert.NoError(t, tt.call(c), tt.name)
		assert.Len(t, m.Requests(), tt.calls, tt.name)
	}

	// A 502 to the agent's message, or to a takeover with ClaimEnd, is
	// final: Certainly may have shown the message, or moved the user on.
	for _, status := range []int{http.StatusBadGateway, http.StatusGatewayTimeout, http.StatusInternalServerError} {
		for name, call := range map[string]func(*Client) error{
			"SendMessage": func(c *Client) error { return c.SendMessage(ctx, testBot, testUser, "Hi") },
			"Takeover with ClaimEnd": func(c *Client) error {
				return c.Takeover(ctx, testBot, testUser, TakeoverOptions{ClaimEnd: "m"})
			},
		} {
			m := newClientMock(t, answer(status, `{"detail":"upstream"}`), answer(http.StatusOK, `{}`))
			c := newTestClient(t, m)
			err := call(c)
			var apiErr *APIError
			require.ErrorAs(t, err, &apiErr, "%s %d", name, status)
			assert.Equal(t, status, apiErr.StatusCode)
			assert.ErrorIs(t, err, ErrServer)
			assert.Len(t, m.Requests(), 1, "%s %d", name, status)
		}
	}

	// A refused dial never reached Certainly: the message is sent again.
	m := newClientMock(t)
	df := clienttest.RefuseDials(1, m.Transport())
	c, err := NewClient(testToken, WithBaseURL(testBase), WithHTTPClient(&http.Client{Transport: df}), WithRetry(2, time.Millisecond))
	require.NoError(t, err)
	require.NoError(t, c.SendMessage(ctx, testBot, testUser, "Hi"))
	assert.Len(t, m.Requests(), 1, "one attempt failed to dial, the second arrived")
}

// Bad input is refused before anything is sent, with an error that names
// the field and matches ErrValidation.
func TestClientRefusesBadInput(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := newClientMock(t)
	c := newTestClient(t, m)
	for _, tt := range []struct {
		err  error
		want string
	}{
		{c.Handover(ctx, "", testUser), "certainly: Handover: botID: required"},
		{c.Handover(ctx, testBot, ""), "certainly: Handover: userID: required"},
		{c.Handover(ctx, testBot, "a\nb"), "certainly: Handover: userID: contains a control character"},
		{c.SendMessage(ctx, "bot\x00", testUser, "Hi"), "certainly: SendMessage: botID: contains a control character"},
		{c.SendMessage(ctx, testBot, testUser, ""), "certainly: SendMessage: text: empty"},
		{c.SendMessage(ctx, testBot, testUser, " \n\t"), "certainly: SendMessage: text: empty"},
		{c.SendMessage(ctx, "", testUser, ""), "certainly: SendMessage: botID: required"},
		{c.Takeover(ctx, testBot, "", TakeoverOptions{}), "certainly: Takeover: userID: required"},
		{c.Takeover(ctx, testBot, testUser, TakeoverOptions{ClaimEnd: "a\rb"}), "certainly: Takeover: ClaimEnd: contains a control character"},
		{func() error { _, err := c.Config(ctx, ""); return err }(), "certainly: Config: botID: required"},
	} {
		assert.EqualError(t, tt.err, tt.want)
		assert.ErrorIs(t, tt.err, ErrValidation, tt.want)
	}
	assert.Empty(t, m.Requests())

	var zero Client
	assert.EqualError(t, zero.Handover(ctx, testBot, testUser), "certainly: Handover: the Client was not made by NewClient")
	_, err := (*Client)(nil).Config(ctx, testBot)
	assert.EqualError(t, err, "certainly: Config: the Client was not made by NewClient")
}

func TestNewClientRefuses(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name  string
		token string
		opts  []Option
		want  string
	}{
		{"empty token", "", nil, "certainly: token is empty (use WithoutAuthorization to send none)"},
		{"token with space", "abc def", nil, "certainly: token contains white space or a control character"},
		{"token with newline", "abc\n", nil, "certainly: token contains white space or a control character"},
		{"token and no auth", testToken, []Option{WithoutAuthorization()}, "certainly: WithoutAuthorization with a token: give one or the other"},
		{"scheme and no auth", "", []Option{WithAuthScheme("JWT"), WithoutAuthorization()}, "certainly: WithoutAuthorization with WithAuthScheme: give one or the other"},
		{"empty scheme", testToken, []Option{WithAuthScheme("")},
			`certainly: WithAuthScheme: not an HTTP authentication scheme such as "bearer" or "JWT" (the token goes to NewClient)`},
		{"token in the scheme", testToken, []Option{WithAuthScheme("Bearer " + testToken)},
			`certainly: WithAuthScheme: not an HTTP authentication scheme such as "bearer" or "JWT" (the token goes to NewClient)`},
		{"prefix with query", testToken, []Option{WithPathPrefix("/a?b")}, `certainly: WithPathPrefix: "/a?b": must not hold a query or fragment`},
		{"prefix with space", testToken, []Option{WithPathPrefix("/a b")}, `certainly: WithPathPrefix: "/a b": must not hold white space or control characters`},
		{"prefix with dot dot", testToken, []Option{WithPathPrefix("/a/../b")}, `certainly: WithPathPrefix: "/a/../b": has a ".." segment`},
		{"prefix with empty segment", testToken, []Option{WithPathPrefix("/a//b")}, `certainly: WithPathPrefix: "/a//b": has an empty segment`},
		{"prefix with bad escape", testToken, []Option{WithPathPrefix("/a%zz")}, `certainly: WithPathPrefix: "/a%zz": not a valid escaped path`},
		{"nil option", testToken, []Option{nil}, "certainly: nil Option"},
		{"bad base URL", testToken, []Option{WithBaseURL("ftp://x")}, "certainly: base URL ftp://x: scheme must be http or https"},
		{"empty base URL", testToken, []Option{WithBaseURL("")}, "certainly: WithBaseURL: empty URL"},
		{"nil HTTP client", testToken, []Option{WithHTTPClient(nil)}, "certainly: WithHTTPClient: nil client"},
		{"negative retry", testToken, []Option{WithRetry(-1, time.Second)}, "certainly: WithRetry: max -1 is negative"},
		{"negative timeout", testToken, []Option{WithTimeout(-time.Second)}, "certainly: WithTimeout: -1s is negative"},
	} {
		c, err := NewClient(tt.token, tt.opts...)
		assert.Nil(t, c, tt.name)
		assert.EqualError(t, err, tt.want, tt.name)
		if tt.token != "" {
			assert.NotContains(t, err.Error(), tt.token, tt.name)
		}
	}
}

// Certainly documents no answer body for these calls: whatever a 2xx
// carries is fine.
func TestClientIgnoresSuccessBodies(t *testing.T) {
	t.Parallel()
	for _, body := range []string{"", "OK", "<html>ok</html>", `{"status":"listening"}`, `[1,2`} {
		m := newClientMock(t, answer(http.StatusOK, body))
		c := newTestClient(t, m)
		assert.NoError(t, c.Handover(context.Background(), testBot, testUser), body)
		assert.NoError(t, c.SendMessage(context.Background(), testBot, testUser, "Hi"), body)
	}
}

func TestClientConfig(t *testing.T) {
	t.Parallel()
	const cfg = `{"persistent_menu":[{"title":"Start over"}],"styles":{"color":"#0a5"},"name":"Support bot"}`
	m := newClientMock(t, answer(http.StatusOK, cfg))
	c := newTestClient(t, m)
	got, err := c.Config(context.Background(), testBot)
	require.NoError(t, err)
	assert.JSONEq(t, cfg, string(got.Raw))
	styles, ok := got.Field("styles")
	require.True(t, ok)
	assert.JSONEq(t, `{"color":"#0a5"}`, string(styles))
	_, ok = got.Field("missing")
	assert.False(t, ok)
	var typed struct {
		Name string `json:"name"`
	}
	require.NoError(t, got.Decode(&typed))
	assert.Equal(t, "Support bot", typed.Name)

	for _, body := range []string{"", "[]", `"x"`, "<html>", `{"a":`} {
		m := newClientMock(t, answer(http.StatusOK, body))
		c := newTestClient(t, m)
		got, err := c.Config(context.Background(), testBot)
		assert.Nil(t, got, body)
		assert.ErrorContains(t, err, "certainly: GET /webbot/api/webchat/"+testBot+"/config/: ", body)
	}
}

// Certainly's errors become *APIError, with Django REST framework's
// "detail" as the message, and never show the token, even when the server
// echoes it.
func TestClientErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tt := range []struct {
		status   int
		body     string
		sentinel error
		want     string
	}{
		{http.StatusNotFound, `{"detail":"Not found."}`, ErrNotFound,
			"certainly: GET /webbot/api/webchat/" + testBot + "/handover/" + testUser + "/: 404 Not Found: Not found."},
		{http.StatusUnauthorized, `{"detail":"Invalid token ` + testToken + `"}`, ErrUnauthorized,
			"certainly: GET /webbot/api/webchat/" + testBot + "/handover/" + testUser + "/: 401 Unauthorized: Invalid token [REDACTED]"},
		{http.StatusForbidden, `<html>Forbidden</html>`, ErrForbidden,
			"certainly: GET /webbot/api/webchat/" + testBot + "/handover/" + testUser + "/: 403 Forbidden"},
	} {
		m := newClientMock(t, answer(tt.status, tt.body))
		c := newTestClient(t, m)
		err := c.Handover(ctx, testBot, testUser)
		var apiErr *APIError
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, tt.status, apiErr.StatusCode)
		assert.ErrorIs(t, err, tt.sentinel)
		// The base URL's /base is not part of the call's name.
		assert.Equal(t, tt.want, err.Error())
		assert.NotContains(t, string(apiErr.Body), testToken)
	}
}

// No fmt verb shows the token.
func TestClientRedactsToken(t *testing.T) {
	t.Parallel()
	m := newClientMock(t)
	c := newTestClient(t, m)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		s := fmt.Sprintf(verb, c)
		assert.NotContains(t, s, testToken, verb)
		assert.Equal(t, "certainly.Client{https://certainly.test/base/, prefix /webbot/api/webchat, authorization: bearer [REDACTED]}", s, verb)
	}
	c2, err := NewClient("", WithoutAuthorization())
	require.NoError(t, err)
	assert.Equal(t, "certainly.Client{https://app.certainly.io/, prefix /webbot/api/webchat, no authorization}", c2.String())
	assert.Equal(t, "certainly.Client{}", fmt.Sprint(&Client{}))
}
