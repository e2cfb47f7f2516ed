package munin

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// errorShape is one error answer Munin sends (§1, §2.1, §4, §7) and what
// the SDK makes of it.
type errorShape struct {
	name    string
	status  int
	body    string
	header  []string
	code    string
	message string
	kinds   []error
	retry   time.Duration
}

// errorShapes are every error body the reference shows.
var errorShapes = []errorShape{
	{
		name: "NestJS usual", status: 403,
		body: `{"statusCode":403,"message":"origin_not_allowed","error":"Forbidden"}`,
		code: "origin_not_allowed", message: "origin_not_allowed", kinds: []error{ErrForbidden, ErrOriginNotAllowed},
	},
	{
		name: "origin required", status: 403,
		body: `{"statusCode":403,"message":"origin_required","error":"Forbidden"}`,
		code: "origin_required", kinds: []error{ErrForbidden, ErrOriginRequired},
	},
	{
		name: "allowlist required at ingest", status: 403,
		body: `{"statusCode":403,"message":"origin_allowlist_required","error":"Forbidden"}`,
		code: "origin_allowlist_required", kinds: []error{ErrForbidden, ErrOriginAllowlistRequired},
	},
	{
		name: "widget input", status: 403,
		body: `{"statusCode":403,"message":"invalid_widget_input: [{\"code\":\"too_big\",\"maximum\":1000,\"path\":[\"messages\",0,\"body\"]}]","error":"Forbidden"}`,
		code: "invalid_widget_input", kinds: []error{ErrForbidden, ErrInvalidWidgetInput},
	},
	{
		name: "widget query", status: 403,
		body: `{"statusCode":403,"message":"invalid_widget_query: [{\"code\":\"invalid_string\"}]","error":"Forbidden"}`,
		code: "invalid_widget_query", kinds: []error{ErrForbidden, ErrInvalidWidgetInput},
	},
	{
		name: "widget key required", status: 403,
		body: `{"statusCode":403,"message":"widget_key_required","error":"Forbidden"}`,
		code: "widget_key_required", kinds: []error{ErrForbidden, ErrWidgetKeyRequired},
	},
	{
		name: "channel mismatch", status: 403,
		body: `{"statusCode":403,"message":"widget_channel_mismatch","error":"Forbidden"}`,
		code: "widget_channel_mismatch", kinds: []error{ErrForbidden, ErrWidgetChannelMismatch},
	},
	{
		name: "channel inactive", status: 403,
		body: `{"statusCode":403,"message":"channel cch_0123456789abcdefghijkl is inactive","error":"Forbidden"}`,
		code: "channel_inactive", message: "channel cch_0123456789abcdefghijkl is inactive", kinds: []error{ErrForbidden, ErrChannelInactive},
	},
	{
		name: "identity partial", status: 403,
		body: `{"statusCode":403,"message":"identity_partial","error":"Forbidden"}`,
		code: "identity_partial", kinds: []error{ErrForbidden, ErrIdentityVerificationFailed},
	},
	{
		name: "control-plane scope", status: 403,
		body: `{"statusCode":403,"message":"control-plane routes require an unrestricted admin key (scope \"*\")","error":"Forbidden"}`,
		code: "scope_missing", kinds: []error{ErrForbidden, ErrScopeMissing},
	},
	{
		name: "missing required scope", status: 403,
		body: `{"statusCode":403,"message":"Missing required scope: conv:write","error":"Forbidden"}`,
		code: "scope_missing", kinds: []error{ErrForbidden, ErrScopeMissing},
	},
	{
		name: "widget actor on control plane", status: 403,
		body: `{"statusCode":403,"message":"actor type \"widget_agent\" cannot access control-plane routes","error":"Forbidden"}`,
		code: "", kinds: []error{ErrForbidden},
	},
	{
		name: "bad key", status: 401,
		body: `{"statusCode":401,"message":"invalid or expired credential","error":"Unauthorized"}`,
		code: "", message: "invalid or expired credential", kinds: []error{ErrUnauthorized},
	},
	{
		name: "conflict handover", status: 409,
		body: `{"message":"handover_active: a human holds this conversation","code":"handover_active"}`,
		code: "handover_active", kinds: []error{ErrConflict, ErrHandoverActive},
	},
	{
		name: "conflict claim", status: 409,
		body: `{"message":"claim_held_by_other: held by another user","code":"claim_held_by_other"}`,
		code: "claim_held_by_other", kinds: []error{ErrConflict, ErrClaimHeldByOther},
	},
	{
		name: "conflict race", status: 409,
		body: `{"message":"agent_reply_race: a newer agent message exists","code":"agent_reply_race"}`,
		code: "agent_reply_race", kinds: []error{ErrConflict, ErrAgentReplyRace},
	},
	{
		name: "validation with fieldErrors", status: 400,
		body: `{"message":"validation_failed: url: webhook URL must use https://; events.0: too long","fieldErrors":[{"field":"url","message":"webhook URL must use https://"},{"field":"events.0","message":"too long"}]}`,
		code: "validation_failed", kinds: []error{ErrValidation},
	},
	{
		name: "raw 400 without prefix", status: 400,
		body:    `{"statusCode":400,"message":"status must be one of the following values: pending, delivered, failed","error":"Bad Request"}`,
		code:    "",
		message: "status must be one of the following values: pending, delivered, failed",
		kinds:   []error{ErrValidation},
	},
	{
		name: "NestJS message list", status: 400,
		body: `{"statusCode":400,"message":["limit must not be greater than 200","limit must be an integer"],"error":"Bad Request"}`,
		code: "", message: "limit must not be greater than 200; limit must be an integer", kinds: []error{ErrValidation},
	},
	{
		name: "not found", status: 404,
		body: `{"statusCode":404,"message":"conv_not_found: conversation ccv_x","error":"Not Found"}`,
		code: "conv_not_found", message: "conv_not_found: conversation ccv_x", kinds: []error{ErrNotFound, ErrConversationNotFound},
	},
	{
		name: "channel not found", status: 404,
		body: `{"statusCode":404,"message":"channel cch_x not found","error":"Not Found"}`,
		code: "", kinds: []error{ErrNotFound},
	},
	{
		name: "session not found", status: 404,
		body: `{"statusCode":404,"message":"session_not_found","error":"Not Found"}`,
		code: "session_not_found", kinds: []error{ErrNotFound, ErrSessionNotFound},
	},
	{
		name: "widget 429", status: 429,
		body:   `{"statusCode":429,"message":"ThrottlerException: Too Many Requests"}`,
		header: []string{"retry-after-public-minute", "42"},
		code:   "rate_limited", message: "ThrottlerException: Too Many Requests", kinds: []error{ErrRateLimited}, retry: 42 * time.Second,
	},
	{
		name: "widget 429 hourly", status: 429,
		body:   `{"statusCode":429,"message":"ThrottlerException: Too Many Requests"}`,
		header: []string{"Retry-After-Public-Hour", "1800"},
		code:   "rate_limited", kinds: []error{ErrRateLimited}, retry: 30 * time.Minute,
	},
	{
		name: "MCP burst 429", status: 429,
		body:   `{"code":"mcp_burst_limited","retryAfter":17,"message":"Too many MCP requests"}`,
		header: []string{"Retry-After", "17"},
		code:   "mcp_burst_limited", kinds: []error{ErrRateLimited}, retry: 17 * time.Second,
	},
	{
		name: "widget 429 both windows", status: 429,
		body:   `{"statusCode":429,"message":"ThrottlerException: Too Many Requests"}`,
		header: []string{"Retry-After-Public-Minute", "20", "Retry-After-Public-Hour", "1800"},
		code:   "rate_limited", kinds: []error{ErrRateLimited}, retry: 30 * time.Minute,
	},
	{
		// A field of an unexpected type must not cost the others.
		name: "numeric code", status: 404,
		body: `{"statusCode":404,"code":404,"message":"conv_not_found: conversation ccv_x"}`,
		code: "conv_not_found", message: "conv_not_found: conversation ccv_x", kinds: []error{ErrNotFound, ErrConversationNotFound},
	},
	{
		name: "fieldErrors not a list", status: 400,
		body: `{"message":"validation_failed: url: must be https","fieldErrors":"url"}`,
		code: "validation_failed", message: "validation_failed: url: must be https", kinds: []error{ErrValidation},
	},
	{
		name: "fieldErrors without a code in the message", status: 400,
		body: `{"message":"Bad input","fieldErrors":[{"field":"url","message":"must be https"}]}`,
		code: "validation_failed", message: "Bad input", kinds: []error{ErrValidation},
	},
	{
		name: "500", status: 500,
		body: `{"statusCode":500,"message":"Internal server error"}`,
		code: "", message: "Internal server error", kinds: []error{ErrServer},
	},
	{
		name: "non-JSON", status: 500,
		body: `<html><body>upstream exploded</body></html>`,
		code: "", message: "", kinds: []error{ErrServer},
	},
	{
		name: "empty body", status: 404,
		body: ``,
		code: "", kinds: []error{ErrNotFound},
	},
}

// TestErrorShapes sends each shape through a real call: the *APIError
// carries the code, the message, the sentinels, x-request-id and the
// retry delay.
func TestErrorShapes(t *testing.T) {
	t.Parallel()
	for _, tc := range errorShapes {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := newAPIMock(t)
			m.on(http.MethodGet, "/base/v1/webhooks", reply(tc.status, tc.body, tc.header...))
			_, err := newTestClient(t, m).Webhooks.List(context.Background())
			require.Error(t, err)

			var apiErr *APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, tc.status, apiErr.StatusCode)
			assert.Equal(t, tc.code, apiErr.Code)
			if tc.message != "" {
				assert.Equal(t, tc.message, apiErr.Message)
			}
			assert.Equal(t, "req-test-1", apiErr.RequestID)
			assert.Equal(t, tc.retry, apiErr.RetryAfter)
			assert.Equal(t, tc.body, string(apiErr.Body))
			for _, kind := range tc.kinds {
				assert.ErrorIs(t, err, kind)
			}
			for _, other := range []error{ErrUnauthorized, ErrForbidden, ErrNotFound, ErrConflict, ErrRateLimited, ErrValidation, ErrServer, ErrHandoverActive, ErrChannelInactive, ErrRESTOnly} {
				if !containsErr(tc.kinds, other) {
					assert.NotErrorIs(t, err, other)
				}
			}

			msg := err.Error()
			assert.NotContains(t, msg, "\n", "one line")
			assert.Contains(t, msg, "request id req-test-1")
			assert.True(t, strings.HasPrefix(msg, "munin: GET /v1/webhooks: "), msg)
			// A 429 asking for longer than WithRetry's wait is returned
			// at once, like everything that is not retryable here.
			assert.Len(t, m.requests(), 1)
		})
	}
}

func containsErr(list []error, target error) bool {
	for _, e := range list {
		if e == target {
			return true
		}
	}
	return false
}

// TestAuthErrorsNeverRetried: 401 and 403 are final, even on a call that
// may be retried (a GET, a push with ids).
func TestAuthErrorsNeverRetried(t *testing.T) {
	t.Parallel()
	for _, status := range []int{http.StatusUnauthorized, http.StatusForbidden} {
		m := newAPIMock(t)
		m.on(http.MethodGet, "/base/v1/conversations/"+convID, reply(status, `{"statusCode":0,"message":"no"}`))
		m.on(http.MethodPost, pushPath, reply(status, `{"statusCode":0,"message":"no"}`))
		_, err := newTestClient(t, m, WithRetry(5, time.Millisecond)).Conversations.Get(context.Background(), convID)
		require.Error(t, err)
		_, err = newTestWidget(t, m, WithRetry(5, time.Millisecond)).Push(context.Background(), Push{SessionID: "s", Messages: []WidgetMessage{{Body: "x"}}})
		require.Error(t, err)
		assert.Equal(t, map[string]int{
			"GET " + testHost + "/base/v1/conversations/" + convID: 1,
			"POST " + testHost + pushPath:                          1,
		}, callCounts(m.mt))
	}
}

// callCounts is httpmock's count per route that was called.
func callCounts(mt *httpmock.MockTransport) map[string]int {
	out := map[string]int{}
	for k, v := range mt.GetCallCountInfo() {
		if v > 0 && strings.Contains(k, " ") { // "METHOD URL"; the no-route entry has no space
			out[k] = v
		}
	}
	return out
}

// TestRateLimitRetriedWithinWait: a 429 whose retry-after-public-minute is
// within WithRetry's wait is waited out and retried.
func TestRateLimitRetriedWithinWait(t *testing.T) {
	t.Parallel()
	m := newAPIMock(t)
	m.on(http.MethodPost, pushPath,
		reply(http.StatusTooManyRequests, `{"statusCode":429,"message":"ThrottlerException: Too Many Requests"}`, "retry-after-public-minute", "0"),
		reply(http.StatusCreated, pushAnswer(1, 0)))
	res, err := newTestWidget(t, m).Push(context.Background(), Push{SessionID: "s", Messages: []WidgetMessage{{Body: "x"}}})
	require.NoError(t, err)
	assert.Equal(t, 1, res.Inserted)
	assert.Len(t, m.requests(), 2)
}

// TestServerErrorsRetriedOnlyWhenSafe: 502, 503 and 504 are retried for a
// GET; a 500 is not (it would repeat, §7).
func TestServerErrorsRetriedOnlyWhenSafe(t *testing.T) {
	t.Parallel()
	for status, calls := range map[int]int{500: 1, 502: 3, 503: 3, 504: 3} {
		m := newAPIMock(t)
		m.on(http.MethodGet, "/base/v1/webhooks/event-types", reply(status, `{"statusCode":0,"message":"x"}`))
		_, err := newTestClient(t, m).Webhooks.EventTypes(context.Background())
		assert.ErrorIs(t, err, ErrServer)
		assert.Len(t, m.requests(), calls, "status %d", status)
	}
}

// TestDecodeErrorDirect covers what only decodeError sees: the MCP tool
// texts map the same way as the REST bodies.
func TestDecodeErrorDirect(t *testing.T) {
	t.Parallel()
	for _, tc := range errorShapes {
		code, _, kind := decodeError(tc.status, nil, []byte(tc.body))
		assert.Equal(t, tc.code, code, tc.name)
		for _, want := range tc.kinds {
			if want != statusKind(tc.status) {
				assert.True(t, errors.Is(kind, want), "%s: %v is not %v", tc.name, kind, want)
			}
		}
	}
	code, _, _ := decodeError(409, nil, []byte(`{"message":"x","code":"not a code"}`))
	assert.Empty(t, code, "a code with spaces is not a code")
}

// statusKind is the shared sentinel of a status, which the *APIError
// matches by itself (not through decodeError's kind).
func statusKind(status int) error {
	switch status {
	case 400:
		return ErrValidation
	case 401:
		return ErrUnauthorized
	case 403:
		return ErrForbidden
	case 404:
		return ErrNotFound
	case 409:
		return ErrConflict
	case 429:
		return ErrRateLimited
	}
	return ErrServer
}

// TestErrorsRedactKey: a server that echoes the key does not put it in the
// error, its message or its body.
func TestErrorsRedactKey(t *testing.T) {
	t.Parallel()
	m := newAPIMock(t)
	m.on(http.MethodGet, "/base/v1/webhooks", reply(http.StatusUnauthorized,
		`{"statusCode":401,"message":"invalid or expired credential `+testAdminKey+`","error":"Unauthorized"}`,
		"X-Request-Id", testAdminKey))
	_, err := newTestClient(t, m).Webhooks.List(context.Background())
	require.Error(t, err)
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	for _, s := range []string{err.Error(), apiErr.Message, string(apiErr.Body), apiErr.RequestID, apiErr.Code} {
		assert.NotContains(t, s, testAdminKey)
		assert.NotContains(t, s, testAdminKey[len("mn_admin_"):])
	}
	assert.Contains(t, apiErr.Message, "[REDACTED]")
}
