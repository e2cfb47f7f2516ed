package altabots

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/internal/clienttest"
)

func TestNewClientRefuses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, key string
		opts      []Option
		want      string
	}{
		{"empty key", "", nil, "altabots: API key is empty"},
		{"key with space", "abc def", nil, "white space"},
		{"key with newline", "abc\ndef", nil, "control character"},
		{"nil option", testAPIKey, []Option{nil}, "altabots: nil Option"},
		{"empty base", testAPIKey, []Option{WithBaseURL("")}, "WithBaseURL: empty URL"},
		{"relative base", testAPIKey, []Option{WithBaseURL("altatech.ai")}, "base URL"},
		{"base with credentials", testAPIKey, []Option{WithBaseURL("https://u:p@altatech.ai/")}, "must not hold credentials"},
		{"nil HTTP client", testAPIKey, []Option{WithHTTPClient(nil)}, "WithHTTPClient: nil client"},
		{"negative retry", testAPIKey, []Option{WithRetry(-1, time.Second)}, "WithRetry"},
		{"zero retry wait", testAPIKey, []Option{WithRetry(1, 0)}, "WithRetry"},
		{"negative timeout", testAPIKey, []Option{WithTimeout(-time.Second)}, "WithTimeout"},
		{"user agent line break", testAPIKey, []Option{WithUserAgent("a\r\nb")}, "user agent"},
		{"nil clock", testAPIKey, []Option{WithNow(nil)}, "WithNow: nil func"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := NewClient(tc.key, tc.opts...)
			assert.Nil(t, c)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, err.Error(), testAPIKey)
		})
	}
}

func TestNewClientDefaults(t *testing.T) {
	t.Parallel()
	c, err := NewClient(testAPIKey, WithLogger(nil))
	require.NoError(t, err)
	assert.Equal(t, "altabots.Client{https://altatech.ai/}", c.String())
	assert.Equal(t, "altabots.Client{}", (&Client{}).String())

	g, err := NewClient(testAPIKey, WithBaseURL(GPTBotsBaseURL))
	require.NoError(t, err)
	assert.Equal(t, "altabots.Client{https://api.gptbots.ai/}", g.String())
}

// SendMessage posts the page's three parameters, with the time of the
// call in milliseconds, to /v1/human/message/receive.
func TestSendMessage(t *testing.T) {
	t.Parallel()
	m := newClientMock(t)
	m.On(http.MethodPost, testMessagePath, ok)
	c := newTestClient(t, m, WithUserAgent("support-desk/1.2"))
	require.NoError(t, c.SendMessage(t.Context(), docConversation, "Hi, I'm Dana. How can I help?"))
	r := m.Only()
	assertAPIRequest(t, r, testMessagePath, fmt.Sprintf(`{"conversation_id":%q,"timestamp":%d,"body":"Hi, I'm Dana. How can I help?"}`,
		docConversation, testNow.UnixMilli()))
	assert.True(t, strings.HasPrefix(r.Header.Get("User-Agent"), "support-desk/1.2 botbridge/"), r.Header.Get("User-Agent"))
}

// Close posts the conversation and the time to /v1/human/close.
func TestClose(t *testing.T) {
	t.Parallel()
	m := newClientMock(t)
	m.On(http.MethodPost, testClosePath, ok)
	require.NoError(t, newTestClient(t, m).Close(t.Context(), docConversation))
	assertAPIRequest(t, m.Only(), testClosePath, fmt.Sprintf(`{"conversation_id":%q,"timestamp":%d}`, docConversation, testNow.UnixMilli()))
}

// WithNow's clock gives the requests' timestamps: a desk on a fake clock
// sends the fake time.
func TestWithNow(t *testing.T) {
	t.Parallel()
	m := newClientMock(t)
	m.OnURL(http.MethodPost, "https://altatech.ai/v1/human/close", ok)
	fake := time.Date(2031, 5, 6, 7, 8, 9, 10_000_000, time.UTC)
	c, err := NewClient(testAPIKey, WithHTTPClient(m.HTTPClient()), WithNow(func() time.Time { return fake }))
	require.NoError(t, err)
	require.NoError(t, c.Close(t.Context(), docConversation))
	assert.JSONEq(t, fmt.Sprintf(`{"conversation_id":%q,"timestamp":%d}`, docConversation, fake.UnixMilli()), string(m.Only().Body))
}

// The real clock is used unless a test replaces it.
func TestTimestampIsNow(t *testing.T) {
	t.Parallel()
	m := newClientMock(t)
	m.OnURL(http.MethodPost, "https://altatech.ai/v1/human/close", ok)
	c, err := NewClient(testAPIKey, WithHTTPClient(m.HTTPClient()))
	require.NoError(t, err)
	before := time.Now().UnixMilli()
	require.NoError(t, c.Close(t.Context(), docConversation))
	after := time.Now().UnixMilli()
	var body struct{ Timestamp int64 }
	require.NoError(t, json.Unmarshal(m.Only().Body, &body))
	assert.GreaterOrEqual(t, body.Timestamp, before)
	assert.LessOrEqual(t, body.Timestamp, after)
}

func TestGPTBotsBaseURL(t *testing.T) {
	t.Parallel()
	m := newClientMock(t)
	m.OnURL(http.MethodPost, "https://api.gptbots.ai/v1/human/message/receive", ok)
	c, err := NewClient(testAPIKey, WithBaseURL(GPTBotsBaseURL), WithHTTPClient(m.HTTPClient()))
	require.NoError(t, err)
	require.NoError(t, c.SendMessage(t.Context(), docConversation, "hello"))
	assert.Equal(t, "/v1/human/message/receive", m.Only().Path)
}

// Missing fields are refused before anything is sent, naming the field.
func TestClientRefusesInput(t *testing.T) {
	t.Parallel()
	m := newClientMock(t)
	c := newTestClient(t, m)
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"SendMessage without conversation", c.SendMessage(t.Context(), "", "hi"), "altabots: SendMessage: conversation_id is required"},
		{"SendMessage without body", c.SendMessage(t.Context(), docConversation, ""), "altabots: SendMessage: body is required"},
		{"Close without conversation", c.Close(t.Context(), ""), "altabots: Close: conversation_id is required"},
		{"SendMessage to a blank conversation", c.SendMessage(t.Context(), " \t", "hi"), "altabots: SendMessage: conversation_id is required"},
		{"Close of a blank conversation", c.Close(t.Context(), "  "), "altabots: Close: conversation_id is required"},
	} {
		assert.EqualError(t, tc.err, tc.want, tc.name)
		assert.ErrorIs(t, tc.err, ErrValidation, tc.name)
		var apiErr *APIError
		assert.False(t, errors.As(tc.err, &apiErr), tc.name)
	}
	assert.Empty(t, m.Requests())
}

// A conversation id is sent in the JSON body, never in the path: any
// value reaches AltaBots as it is.
func TestConversationIDInBodyOnly(t *testing.T) {
	t.Parallel()
	m := newClientMock(t)
	m.On(http.MethodPost, testClosePath, ok)
	require.NoError(t, newTestClient(t, m).Close(t.Context(), "../a/b?c#d"))
	r := m.Only()
	assert.Equal(t, testClosePath, r.Path)
	assert.Contains(t, string(r.Body), `"conversation_id":"../a/b?c#d"`)
}

// SendMessage is not idempotent: after a 502, a 504, a 500 or a connection
// that broke once the request was out, AltaBots may have shown the reply,
// so it is not sent again; after a 429 or 503 (not processed) or a refused
// dial (never sent) it is. Close is idempotent and is retried after a 502
// and a 504 too.
func TestRetriesOnlyWhenSafe(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name        string
		first       httpmock.Responder
		dialErrs    int64
		sendRetried bool
		closeRetry  bool
	}{
		{name: "429", first: answer(http.StatusTooManyRequests, `{"code":42900,"message":"too many"}`), sendRetried: true, closeRetry: true},
		{name: "503", first: answer(http.StatusServiceUnavailable, ``), sendRetried: true, closeRetry: true},
		{name: "dial error", dialErrs: 1, sendRetried: true, closeRetry: true},
		{name: "502", first: answer(http.StatusBadGateway, `<html>bad gateway</html>`), closeRetry: true},
		{name: "504", first: answer(http.StatusGatewayTimeout, ``), closeRetry: true},
		{name: "broken connection", first: clienttest.BrokenConnection, closeRetry: true},
		{name: "500", first: answer(http.StatusInternalServerError, `{"code":50000,"message":"boom"}`)},
		{name: "400", first: answer(http.StatusBadRequest, `{"code":40000,"message":"bad"}`)},
	} {
		for _, op := range []string{"SendMessage", "Close"} {
			t.Run(tc.name+"/"+op, func(t *testing.T) {
				t.Parallel()
				m := newClientMock(t)
				path := testMessagePath
				if op == "Close" {
					path = testClosePath
				}
				if tc.first != nil {
					m.On(http.MethodPost, path, tc.first, ok)
				} else {
					m.On(http.MethodPost, path, ok)
				}
				rt := clienttest.RefuseDials(tc.dialErrs, m.Transport())
				c := newTestClientOn(t, &http.Client{Transport: rt})
				var err error
				if op == "Close" {
					err = c.Close(t.Context(), docConversation)
				} else {
					err = c.SendMessage(t.Context(), docConversation, "hi")
				}
				retried := tc.sendRetried || (op == "Close" && tc.closeRetry)
				switch {
				case tc.dialErrs > 0:
					require.NoError(t, err)
					assert.Len(t, m.Requests(), 1, "the refused dial never reached the mock")
				case retried:
					require.NoError(t, err)
					assert.Len(t, m.Requests(), 2)
				default:
					require.Error(t, err)
					assert.Len(t, m.Requests(), 1)
				}
			})
		}
	}
}

// The key reaches the Authorization header and nothing else: not a verb of
// fmt, not an error (even when AltaBots echoes it, in a 4xx or in a 2xx
// with an error code), not a log line.
func TestKeyNeverLeaks(t *testing.T) {
	t.Parallel()
	echo := `{"code":40127,"message":"bad key Bearer ` + testAPIKey + `"}`
	m := newClientMock(t)
	m.On(http.MethodPost, testClosePath, answer(http.StatusUnauthorized, echo))
	m.On(http.MethodPost, testMessagePath, answer(http.StatusOK, echo))
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := newTestClient(t, m, WithLogger(logger))

	clienttest.AssertNotPrinted(t, testAPIKey, c, *c)
	for _, err := range []error{c.Close(t.Context(), docConversation), c.SendMessage(t.Context(), docConversation, "hi")} {
		require.ErrorIs(t, err, ErrAuthentication)
		require.ErrorIs(t, err, ErrUnauthorized)
		clienttest.AssertRedactedError(t, err, testAPIKey)
	}
	assert.NotEmpty(t, logs.String())
	assert.NotContains(t, logs.String(), testAPIKey)
}

func TestTimeout(t *testing.T) {
	t.Parallel()
	m := newClientMock(t)
	m.On(http.MethodPost, testClosePath, func(req *http.Request) (*http.Response, error) {
		<-req.Context().Done()
		return nil, req.Context().Err()
	})
	err := newTestClient(t, m, WithTimeout(time.Millisecond)).Close(t.Context(), docConversation)
	assert.ErrorContains(t, err, "deadline exceeded")
}

// A 2xx is read only for AltaBots' failure codes: a body that is not JSON
// (a proxy's "OK", an HTML page, nothing) is a success, not a decoding
// error.
func TestSuccessBodiesThatAreNotJSON(t *testing.T) {
	t.Parallel()
	for _, body := range []string{"OK", "<html><body>accepted</body></html>", "", "{", `{"code":0`} {
		t.Run(body, func(t *testing.T) {
			t.Parallel()
			m := newClientMock(t)
			m.On(http.MethodPost, testMessagePath, httpmock.NewStringResponder(http.StatusOK, body))
			m.On(http.MethodPost, testClosePath, httpmock.NewStringResponder(http.StatusOK, body))
			c := newTestClient(t, m)
			assert.NoError(t, c.SendMessage(t.Context(), docConversation, "hi"))
			assert.NoError(t, c.Close(t.Context(), docConversation))
		})
	}
}

// A code or an error member that says nothing (null, "", {}, [], false, 0)
// is absent: frameworks that always send the member do not turn a success
// into a failure. One that says something is a failure.
func TestSuccessBodiesWithEmptyMembers(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		body   string
		status int // 0: a success
		code   string
	}{
		{body: `{"code":0,"message":"success","error":""}`},
		{body: `{"code":0,"message":"success","error":{}}`},
		{body: `{"code":0,"message":"success","error":[]}`},
		{body: `{"code":0,"message":"success","error":false}`},
		{body: `{"code":"","message":"success"}`},
		{body: `{"code":{},"error":null}`},
		{body: `{"error":"bad_request","message":"bad"}`, status: 500, code: "bad_request"},
		{body: `{"code":0,"error":{"code":40127,"message":"authentication failed"}}`, status: 401, code: "40127"},
	} {
		t.Run(tc.body, func(t *testing.T) {
			t.Parallel()
			m := newClientMock(t)
			m.On(http.MethodPost, testClosePath, answer(http.StatusOK, tc.body))
			err := newTestClient(t, m).Close(t.Context(), docConversation)
			if tc.status == 0 {
				assert.NoError(t, err)
				return
			}
			var apiErr *APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, tc.status, apiErr.StatusCode)
			assert.Equal(t, tc.code, apiErr.Code)
		})
	}
}

// A failure in a 2xx that is not about the quota carries no wait, even
// when the quota headers say it is spent: the wait would be a false hint.
func TestFailureInSuccessWithoutWait(t *testing.T) {
	t.Parallel()
	spent := http.Header{"X-Ratelimit-Limit": {"100"}, "X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Reset": {"3600"}}
	m := newClientMock(t)
	m.On(http.MethodPost, testMessagePath, answerWith(http.StatusOK, `{"code":40000,"message":"parameter error"}`, spent))
	err := newTestClient(t, m).SendMessage(t.Context(), docConversation, "hi")
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusBadRequest, apiErr.StatusCode)
	assert.Zero(t, apiErr.RetryAfter)
	require.NotNil(t, apiErr.RateLimit, "the quota is still reported")
	assert.Equal(t, 0, apiErr.RateLimit.Remaining)
}

// A Client that NewClient did not build refuses calls instead of
// panicking; input is still checked first.
func TestZeroClient(t *testing.T) {
	t.Parallel()
	for _, c := range []*Client{{}, nil} {
		assert.EqualError(t, c.SendMessage(t.Context(), docConversation, "hi"), "altabots: Client not built by NewClient")
		assert.EqualError(t, c.Close(t.Context(), docConversation), "altabots: Client not built by NewClient")
		assert.ErrorIs(t, c.Close(t.Context(), ""), ErrValidation)
	}
}
