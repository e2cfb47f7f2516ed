package altabots

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/internal/clienttest"
)

// errorShape is one error answer AltaBots documents (the endpoint pages'
// {code, message}, the overview's {error: {code, message, status}}) or a
// proxy in front of it may send, and what the SDK makes of it: want's
// Code, Message, Is and IsNot; the tests fill in the rest.
type errorShape struct {
	name   string
	status int
	body   string
	want   clienttest.WantAPIError
}

var errorShapes = []errorShape{
	{
		name: "parameter error", status: 400, body: `{"code":40000,"message":"parameter error"}`,
		want: clienttest.WantAPIError{
			Code: "40000", Message: "parameter error", Is: []error{ErrParameter, ErrValidation},
			IsNot: []error{ErrAuthentication, ErrAgentDeleted},
		},
	},
	{
		name: "authentication failed", status: 401, body: `{"code":40127,"message":"authentication failed"}`,
		want: clienttest.WantAPIError{
			Code: "40127", Message: "authentication failed", Is: []error{ErrAuthentication, ErrUnauthorized},
			IsNot: []error{ErrParameter},
		},
	},
	{
		name: "agent deleted", status: 403, body: `{"code":40378,"message":"agent deleted"}`,
		want: clienttest.WantAPIError{Code: "40378", Message: "agent deleted", Is: []error{ErrAgentDeleted, ErrForbidden}},
	},
	{
		name: "overview shape", status: 400,
		body: `{"error":{"code":40000,"message":"conversation_id is invalid","status":"INVALID_ARGUMENT"}}`,
		want: clienttest.WantAPIError{Code: "40000", Message: "conversation_id is invalid", Is: []error{ErrParameter, ErrValidation}},
	},
	{
		name: "overview shape, string code", status: 401,
		body: `{"error":{"code":"40127","message":"authentication failed","status":"UNAUTHENTICATED"}}`,
		want: clienttest.WantAPIError{Code: "40127", Message: "authentication failed", Is: []error{ErrAuthentication, ErrUnauthorized}},
	},
	{
		name: "overview shape, status only", status: 403, body: `{"error":{"code":40378,"status":"PERMISSION_DENIED"}}`,
		want: clienttest.WantAPIError{Code: "40378", Message: "PERMISSION_DENIED", Is: []error{ErrAgentDeleted, ErrForbidden}},
	},
	{
		name: "mixed shapes, code at the top", status: 400, body: `{"code":40000,"error":{"message":"bad"}}`,
		want: clienttest.WantAPIError{Code: "40000", Message: "bad", Is: []error{ErrParameter, ErrValidation}},
	},
	{
		name: "mixed shapes, status nested", status: 403,
		body: `{"code":40378,"message":"agent deleted","error":{"status":"PERMISSION_DENIED"}}`,
		want: clienttest.WantAPIError{Code: "40378", Message: "PERMISSION_DENIED", Is: []error{ErrAgentDeleted, ErrForbidden}},
	},
	{
		name: "mixed shapes, nested wins", status: 401,
		body: `{"code":40000,"message":"top","error":{"code":40127,"message":"authentication failed"}}`,
		want: clienttest.WantAPIError{Code: "40127", Message: "authentication failed", Is: []error{ErrAuthentication}, IsNot: []error{ErrParameter}},
	},
	{
		name: "other code", status: 404, body: `{"code":40400,"message":"conversation not found"}`,
		want: clienttest.WantAPIError{
			Code: "40400", Message: "conversation not found", Is: []error{ErrNotFound},
			IsNot: []error{ErrParameter, ErrAuthentication, ErrAgentDeleted},
		},
	},
	{
		name: "code with spaces", status: 400, body: `{"code":"not a code","message":"bad"}`,
		want: clienttest.WantAPIError{Message: "bad", Is: []error{ErrValidation}, IsNot: []error{ErrParameter}},
	},
	{
		name: "error as a string", status: 400, body: `{"error":"bad_request","message":"bad"}`,
		want: clienttest.WantAPIError{Code: "bad_request", Message: "bad", Is: []error{ErrValidation}},
	},
	{
		name: "html from a proxy", status: 502, body: `<html><body>Bad Gateway</body></html>`,
		want: clienttest.WantAPIError{Is: []error{ErrServer}},
	},
	{
		name: "no body", status: 404, want: clienttest.WantAPIError{Is: []error{ErrNotFound}},
	},
}

func TestDecodeError(t *testing.T) {
	t.Parallel()
	for _, tc := range errorShapes {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, message, _ := decodeError(tc.status, http.Header{}, []byte(tc.body))
			assert.Equal(t, tc.want.Code, code)
			assert.Equal(t, tc.want.Message, message)
		})
	}
}

// Each shape, answered to either call, becomes an *APIError with
// AltaBots' code and message and the right sentinels.
func TestErrorShapesThroughTheClient(t *testing.T) {
	t.Parallel()
	for _, tc := range errorShapes {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := newClientMock(t)
			m.On(http.MethodPost, testMessagePath, answer(tc.status, tc.body))
			m.On(http.MethodPost, testClosePath, answer(tc.status, tc.body))
			c := newTestClient(t, m, WithRetry(0, time.Millisecond))
			for path, err := range map[string]error{
				"/v1/human/message/receive": c.SendMessage(t.Context(), docConversation, "hi"),
				"/v1/human/close":           c.Close(t.Context(), docConversation),
			} {
				want := tc.want
				want.Status, want.RequestID, want.Path = tc.status, "req-test-1", path
				clienttest.AssertAPIError(t, err, want)
			}
		})
	}
}

func TestAPIErrorMessage(t *testing.T) {
	t.Parallel()
	m := newClientMock(t)
	m.On(http.MethodPost, testMessagePath, answer(http.StatusBadRequest, `{"code":40000,"message":"parameter error"}`))
	err := newTestClient(t, m).SendMessage(t.Context(), docConversation, "hi")
	assert.EqualError(t, err, "altabots: POST /v1/human/message/receive: 400 40000: parameter error (request id req-test-1)")
}

// AltaBots' endpoint pages answer {code, message}: a 2xx whose code is
// neither 0 nor 200 is a failure, with the status its code stands for.
func TestSuccessStatusWithErrorCode(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, body string
		status     int
		code       string
		message    string
		kinds      []error
	}{
		{"parameter error", `{"code":40000,"message":"parameter error"}`, 400, "40000", "parameter error", []error{ErrParameter, ErrValidation}},
		{"authentication failed", `{"code":40127,"message":"authentication failed"}`, 401, "40127", "authentication failed", []error{ErrAuthentication, ErrUnauthorized}},
		{"agent deleted", `{"code":40378,"message":"agent deleted"}`, 403, "40378", "agent deleted", []error{ErrAgentDeleted, ErrForbidden}},
		{"not found", `{"code":40401,"message":"no such conversation"}`, 404, "40401", "no such conversation", []error{ErrNotFound}},
		{"rate limited", `{"code":42900,"message":"too many requests"}`, 429, "42900", "too many requests", []error{ErrRateLimited}},
		{"string code", `{"code":"40000","message":"parameter error"}`, 400, "40000", "parameter error", []error{ErrParameter}},
		{"other code", `{"code":50012,"message":"internal"}`, 500, "50012", "internal", []error{ErrServer}},
		{"bare status as code", `{"code":401,"message":"unauthorized"}`, 401, "401", "unauthorized", []error{ErrUnauthorized}},
		{"code that is not a number", `{"code":"FAILED","message":"nope"}`, 500, "FAILED", "nope", []error{ErrServer}},
		{"code of another type", `{"code":true,"message":"nope"}`, 500, "", "nope", []error{ErrServer}},
		{"overview shape", `{"error":{"code":40127,"message":"authentication failed","status":"UNAUTHENTICATED"}}`, 401, "40127", "authentication failed", []error{ErrAuthentication}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := newClientMock(t)
			m.On(http.MethodPost, testMessagePath, answer(http.StatusOK, tc.body))
			err := newTestClient(t, m).SendMessage(t.Context(), docConversation, "hi")
			apiErr := clienttest.AssertAPIError(t, err, clienttest.WantAPIError{
				Status: tc.status, Code: tc.code, Message: tc.message, RequestID: "req-test-1",
				Method: http.MethodPost, Path: "/v1/human/message/receive", Is: tc.kinds,
			})
			assert.JSONEq(t, tc.body, string(apiErr.Body))
			assert.Len(t, m.Requests(), 1, "a failure in a 2xx is not retried")
		})
	}
}

// Code 0, code 200, no code, and bodies that say nothing are successes.
func TestSuccessBodies(t *testing.T) {
	t.Parallel()
	for _, body := range []string{
		`{"code":0,"message":"success"}`, `{"code":200,"message":"OK"}`, `{"code":"0"}`, `{"code":"200"}`,
		`{"code":0.0}`, `{"message":"success"}`, `{}`, ``, `[]`, `"ok"`, `null`, `{"code":null,"error":null}`,
	} {
		t.Run(body, func(t *testing.T) {
			t.Parallel()
			m := newClientMock(t)
			m.On(http.MethodPost, testClosePath, answer(http.StatusOK, body))
			assert.NoError(t, newTestClient(t, m).Close(t.Context(), docConversation))
		})
	}
}

func TestStatusOfCode(t *testing.T) {
	t.Parallel()
	for code, want := range map[string]int{
		"40000": 400, "40099": 400, "40127": 401, "40378": 403, "40400": 404, "42900": 429,
		"40200": 500, "50000": 500, "10000": 500, "400": 400, "429": 429, "500": 500,
		"1": 500, "": 500, "abc": 500, "4000000": 500,
	} {
		assert.Equal(t, want, statusOfCode(code), code)
	}
}

// The quota AltaBots announces in X-RateLimit-* comes back in the error.
// A 429 without Retry-After that says the quota is spent waits until the
// reset; one that is further than WithRetry's cap is returned at once,
// with RetryAfter set.
func TestRateLimitHeaders(t *testing.T) {
	t.Parallel()
	limited := http.Header{
		"X-Ratelimit-Limit":     {"1000"},
		"X-Ratelimit-Remaining": {"0"},
		"X-Ratelimit-Reset":     {"30"}, // seconds from now
	}
	m := newClientMock(t)
	m.On(http.MethodPost, testMessagePath, answerWith(http.StatusTooManyRequests, `{"code":42900,"message":"rate limit exceeded"}`, limited), ok)
	err := newTestClient(t, m).SendMessage(t.Context(), docConversation, "hi")
	require.ErrorIs(t, err, ErrRateLimited)
	assert.Len(t, m.Requests(), 1, "a 30 s wait is over the 1 ms cap: not retried")
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	require.NotNil(t, apiErr.RateLimit)
	assert.Equal(t, 1000, apiErr.RateLimit.Limit)
	assert.Equal(t, 0, apiErr.RateLimit.Remaining)
	assert.False(t, apiErr.RateLimit.Reset.IsZero())
	assert.Equal(t, 30*time.Second, apiErr.RetryAfter)
	assert.Contains(t, err.Error(), "retry after 30s")
	assert.Contains(t, err.Error(), "rate limit 0/1000 left")
}

// Within the cap, the client waits for the reset and tries again.
func TestRateLimitResetWithinCapIsRetried(t *testing.T) {
	t.Parallel()
	spent := http.Header{"X-Ratelimit-Limit": {"100"}, "X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Reset": {"0"}}
	m := newClientMock(t)
	m.On(http.MethodPost, testMessagePath, answerWith(http.StatusTooManyRequests, `{"code":42900}`, spent), ok)
	require.NoError(t, newTestClient(t, m).SendMessage(t.Context(), docConversation, "hi"))
	assert.Len(t, m.Requests(), 2)
}

// A 2xx that reports a spent quota carries it too.
func TestRateLimitInSuccessStatus(t *testing.T) {
	t.Parallel()
	spent := http.Header{"X-Ratelimit-Limit": {"100"}, "X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Reset": {"3600"}}
	m := newClientMock(t)
	m.On(http.MethodPost, testMessagePath, answerWith(http.StatusOK, `{"code":42900,"message":"daily quota"}`, spent))
	err := newTestClient(t, m).SendMessage(t.Context(), docConversation, "hi")
	require.ErrorIs(t, err, ErrRateLimited)
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	require.NotNil(t, apiErr.RateLimit)
	assert.Equal(t, 100, apiErr.RateLimit.Limit)
	assert.Equal(t, time.Hour, apiErr.RetryAfter)
	assert.Equal(t, testNow.Add(time.Hour).UTC(), apiErr.RateLimit.Reset)
}

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Unix(1742265090, 0).UTC() // the example establish, in seconds
	for _, tc := range []struct {
		name   string
		header http.Header
		wait   time.Duration
		ok     bool
	}{
		{"nothing", http.Header{}, 0, false},
		{"Retry-After wins", http.Header{"Retry-After": {"5"}, "X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Reset": {"60"}}, 5 * time.Second, true},
		{"spent quota, relative reset", http.Header{"X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Reset": {"60"}}, time.Minute, true},
		{"spent quota, Unix reset", http.Header{"X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Reset": {"1742265150"}}, time.Minute, true},
		{"reset in the past", http.Header{"X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Reset": {"1742265000"}}, 0, true},
		{"reset without remaining", http.Header{"X-Ratelimit-Reset": {"60"}}, time.Minute, true},
		{"quota left", http.Header{"X-Ratelimit-Remaining": {"5"}, "X-Ratelimit-Reset": {"60"}}, 0, false},
		{"no reset", http.Header{"X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Limit": {"100"}}, 0, false},
	} {
		wait, ok := retryAfter(tc.header, now)
		assert.Equal(t, tc.ok, ok, tc.name)
		assert.Equal(t, tc.wait, wait, tc.name)
	}
}

// An *APIError built from a 2xx matches exactly like one from a 4xx.
func TestFailureInSuccessMatchesLikeStatus(t *testing.T) {
	t.Parallel()
	m := newClientMock(t)
	m.On(http.MethodPost, testClosePath, answer(http.StatusOK, `{"code":40378,"message":"agent deleted"}`))
	err := newTestClient(t, m).Close(t.Context(), docConversation)
	assert.True(t, errors.Is(err, ErrAgentDeleted))
	assert.False(t, errors.Is(err, ErrParameter))
	assert.EqualError(t, err, "altabots: POST /v1/human/close: 403 40378: agent deleted (request id req-test-1)")
}
