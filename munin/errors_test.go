package munin

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/internal/clienttest"
)

// errorShape is one error answer Munin sends (§1, §2.1, §4, §7), with
// the headers it comes with (name, value pairs), and what the SDK makes of
// it: want's Code, Message and Is; the tests fill in the rest.
type errorShape struct {
	name   string
	status int
	body   string
	header []string
	want   clienttest.WantAPIError
	retry  time.Duration
}

// errorShapes are every error body the reference shows.
var errorShapes = []errorShape{
	{
		name: "NestJS usual", status: 403,
		body: `{"statusCode":403,"message":"origin_not_allowed","error":"Forbidden"}`,
		want: clienttest.WantAPIError{Code: "origin_not_allowed", Message: "origin_not_allowed", Is: []error{ErrForbidden, ErrOriginNotAllowed}},
	},
	{
		name: "origin required", status: 403,
		body: `{"statusCode":403,"message":"origin_required","error":"Forbidden"}`,
		want: clienttest.WantAPIError{Code: "origin_required", Message: "origin_required", Is: []error{ErrForbidden, ErrOriginRequired}},
	},
	{
		name: "allowlist required at ingest", status: 403,
		body: `{"statusCode":403,"message":"origin_allowlist_required","error":"Forbidden"}`,
		want: clienttest.WantAPIError{Code: "origin_allowlist_required", Message: "origin_allowlist_required", Is: []error{ErrForbidden, ErrOriginAllowlistRequired}},
	},
	{
		name: "widget input", status: 403,
		body: `{"statusCode":403,"message":"invalid_widget_input: [{\"code\":\"too_big\",\"maximum\":1000,\"path\":[\"messages\",0,\"body\"]}]","error":"Forbidden"}`,
		want: clienttest.WantAPIError{Code: "invalid_widget_input", Message: `invalid_widget_input: [{"code":"too_big","maximum":1000,"path":["messages",0,"body"]}]`, Is: []error{ErrForbidden, ErrInvalidWidgetInput}},
	},
	{
		name: "widget query", status: 403,
		body: `{"statusCode":403,"message":"invalid_widget_query: [{\"code\":\"invalid_string\"}]","error":"Forbidden"}`,
		want: clienttest.WantAPIError{Code: "invalid_widget_query", Message: `invalid_widget_query: [{"code":"invalid_string"}]`, Is: []error{ErrForbidden, ErrInvalidWidgetInput}},
	},
	{
		name: "widget key required", status: 403,
		body: `{"statusCode":403,"message":"widget_key_required","error":"Forbidden"}`,
		want: clienttest.WantAPIError{Code: "widget_key_required", Message: "widget_key_required", Is: []error{ErrForbidden, ErrWidgetKeyRequired}},
	},
	{
		name: "channel mismatch", status: 403,
		body: `{"statusCode":403,"message":"widget_channel_mismatch","error":"Forbidden"}`,
		want: clienttest.WantAPIError{Code: "widget_channel_mismatch", Message: "widget_channel_mismatch", Is: []error{ErrForbidden, ErrWidgetChannelMismatch}},
	},
	{
		name: "channel inactive", status: 403,
		body: `{"statusCode":403,"message":"channel cch_0123456789abcdefghijkl is inactive","error":"Forbidden"}`,
		want: clienttest.WantAPIError{Code: "channel_inactive", Message: "channel cch_0123456789abcdefghijkl is inactive", Is: []error{ErrForbidden, ErrChannelInactive}},
	},
	{
		name: "identity partial", status: 403,
		body: `{"statusCode":403,"message":"identity_partial","error":"Forbidden"}`,
		want: clienttest.WantAPIError{Code: "identity_partial", Message: "identity_partial", Is: []error{ErrForbidden, ErrIdentityVerificationFailed}},
	},
	{
		name: "control-plane scope", status: 403,
		body: `{"statusCode":403,"message":"control-plane routes require an unrestricted admin key (scope \"*\")","error":"Forbidden"}`,
		want: clienttest.WantAPIError{Code: "scope_missing", Message: `control-plane routes require an unrestricted admin key (scope "*")`, Is: []error{ErrForbidden, ErrScopeMissing}},
	},
	{
		name: "missing required scope", status: 403,
		body: `{"statusCode":403,"message":"Missing required scope: conv:write","error":"Forbidden"}`,
		want: clienttest.WantAPIError{Code: "scope_missing", Message: "Missing required scope: conv:write", Is: []error{ErrForbidden, ErrScopeMissing}},
	},
	{
		name: "widget actor on control plane", status: 403,
		body: `{"statusCode":403,"message":"actor type \"widget_agent\" cannot access control-plane routes","error":"Forbidden"}`,
		want: clienttest.WantAPIError{Message: `actor type "widget_agent" cannot access control-plane routes`, Is: []error{ErrForbidden}},
	},
	{
		name: "bad key", status: 401,
		body: `{"statusCode":401,"message":"invalid or expired credential","error":"Unauthorized"}`,
		want: clienttest.WantAPIError{Message: "invalid or expired credential", Is: []error{ErrUnauthorized}},
	},
	{
		name: "conflict handover", status: 409,
		body: `{"message":"handover_active: a human holds this conversation","code":"handover_active"}`,
		want: clienttest.WantAPIError{Code: "handover_active", Message: "handover_active: a human holds this conversation", Is: []error{ErrConflict, ErrHandoverActive}},
	},
	{
		name: "conflict claim", status: 409,
		body: `{"message":"claim_held_by_other: held by another user","code":"claim_held_by_other"}`,
		want: clienttest.WantAPIError{Code: "claim_held_by_other", Message: "claim_held_by_other: held by another user", Is: []error{ErrConflict, ErrClaimHeldByOther}},
	},
	{
		name: "conflict race", status: 409,
		body: `{"message":"agent_reply_race: a newer agent message exists","code":"agent_reply_race"}`,
		want: clienttest.WantAPIError{Code: "agent_reply_race", Message: "agent_reply_race: a newer agent message exists", Is: []error{ErrConflict, ErrAgentReplyRace}},
	},
	{
		name: "validation with fieldErrors", status: 400,
		body: `{"message":"validation_failed: url: webhook URL must use https://; events.0: too long","fieldErrors":[{"field":"url","message":"webhook URL must use https://"},{"field":"events.0","message":"too long"}]}`,
		want: clienttest.WantAPIError{Code: "validation_failed", Message: "validation_failed: url: webhook URL must use https://; events.0: too long", Is: []error{ErrValidation}},
	},
	{
		name: "raw 400 without prefix", status: 400,
		body: `{"statusCode":400,"message":"status must be one of the following values: pending, delivered, failed","error":"Bad Request"}`,
		want: clienttest.WantAPIError{Message: "status must be one of the following values: pending, delivered, failed", Is: []error{ErrValidation}},
	},
	{
		name: "NestJS message list", status: 400,
		body: `{"statusCode":400,"message":["limit must not be greater than 200","limit must be an integer"],"error":"Bad Request"}`,
		want: clienttest.WantAPIError{Message: "limit must not be greater than 200; limit must be an integer", Is: []error{ErrValidation}},
	},
	{
		name: "not found", status: 404,
		body: `{"statusCode":404,"message":"conv_not_found: conversation ccv_x","error":"Not Found"}`,
		want: clienttest.WantAPIError{Code: "conv_not_found", Message: "conv_not_found: conversation ccv_x", Is: []error{ErrNotFound, ErrConversationNotFound}},
	},
	{
		name: "channel not found", status: 404,
		body: `{"statusCode":404,"message":"channel cch_x not found","error":"Not Found"}`,
		want: clienttest.WantAPIError{Message: "channel cch_x not found", Is: []error{ErrNotFound}},
	},
	{
		name: "session not found", status: 404,
		body: `{"statusCode":404,"message":"session_not_found","error":"Not Found"}`,
		want: clienttest.WantAPIError{Code: "session_not_found", Message: "session_not_found", Is: []error{ErrNotFound, ErrSessionNotFound}},
	},
	{
		name: "widget 429", status: 429,
		body:   `{"statusCode":429,"message":"ThrottlerException: Too Many Requests"}`,
		header: []string{"retry-after-public-minute", "42"},
		want:   clienttest.WantAPIError{Code: "rate_limited", Message: "ThrottlerException: Too Many Requests", Is: []error{ErrRateLimited}},
		retry:  42 * time.Second,
	},
	{
		name: "widget 429 hourly", status: 429,
		body:   `{"statusCode":429,"message":"ThrottlerException: Too Many Requests"}`,
		header: []string{"Retry-After-Public-Hour", "1800"},
		want:   clienttest.WantAPIError{Code: "rate_limited", Message: "ThrottlerException: Too Many Requests", Is: []error{ErrRateLimited}},
		retry:  30 * time.Minute,
	},
	{
		name: "MCP burst 429", status: 429,
		body:   `{"code":"mcp_burst_limited","retryAfter":17,"message":"Too many MCP requests"}`,
		header: []string{"Retry-After", "17"},
		want:   clienttest.WantAPIError{Code: "mcp_burst_limited", Message: "Too many MCP requests", Is: []error{ErrRateLimited}},
		retry:  17 * time.Second,
	},
	{
		name: "widget 429 both windows", status: 429,
		body:   `{"statusCode":429,"message":"ThrottlerException: Too Many Requests"}`,
		header: []string{"Retry-After-Public-Minute", "20", "Retry-After-Public-Hour", "1800"},
		want:   clienttest.WantAPIError{Code: "rate_limited", Message: "ThrottlerException: Too Many Requests", Is: []error{ErrRateLimited}},
		retry:  30 * time.Minute,
	},
	{
		// A field of an unexpected type must not cost the others.
		name: "numeric code", status: 404,
		body: `{"statusCode":404,"code":404,"message":"conv_not_found: conversation ccv_x"}`,
		want: clienttest.WantAPIError{Code: "conv_not_found", Message: "conv_not_found: conversation ccv_x", Is: []error{ErrNotFound, ErrConversationNotFound}},
	},
	{
		name: "fieldErrors not a list", status: 400,
		body: `{"message":"validation_failed: url: must be https","fieldErrors":"url"}`,
		want: clienttest.WantAPIError{Code: "validation_failed", Message: "validation_failed: url: must be https", Is: []error{ErrValidation}},
	},
	{
		name: "fieldErrors without a code in the message", status: 400,
		body: `{"message":"Bad input","fieldErrors":[{"field":"url","message":"must be https"}]}`,
		want: clienttest.WantAPIError{Code: "validation_failed", Message: "Bad input", Is: []error{ErrValidation}},
	},
	{
		name: "500", status: 500,
		body: `{"statusCode":500,"message":"Internal server error"}`,
		want: clienttest.WantAPIError{Message: "Internal server error", Is: []error{ErrServer}},
	},
	{
		name: "non-JSON", status: 500,
		body: `<html><body>upstream exploded</body></html>`,
		want: clienttest.WantAPIError{Is: []error{ErrServer}},
	},
	{
		name: "empty body", status: 404,
		body: ``,
		want: clienttest.WantAPIError{Is: []error{ErrNotFound}},
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
			m.On(http.MethodGet, "/base/v1/webhooks", reply(tc.status, tc.body, tc.header...))
			_, err := newTestClient(t, m).Webhooks.List(context.Background())
			require.Error(t, err)

			want := tc.want
			want.Status, want.RequestID = tc.status, "req-test-1"
			for _, other := range []error{ErrUnauthorized, ErrForbidden, ErrNotFound, ErrConflict, ErrRateLimited, ErrValidation, ErrServer, ErrHandoverActive, ErrChannelInactive, ErrRESTOnly} {
				if !slices.Contains(want.Is, other) {
					want.IsNot = append(want.IsNot, other)
				}
			}
			apiErr := clienttest.AssertAPIError(t, err, want)
			assert.Equal(t, tc.retry, apiErr.RetryAfter)
			assert.Equal(t, tc.body, string(apiErr.Body))

			msg := err.Error()
			assert.Contains(t, msg, "request id req-test-1")
			assert.True(t, strings.HasPrefix(msg, "munin: GET /v1/webhooks: "), msg)
			// A 429 asking for longer than WithRetry's wait is returned
			// at once, like everything that is not retryable here.
			assert.Len(t, m.Requests(), 1)
		})
	}
}

// TestAuthErrorsNeverRetried: 401 and 403 are final, even on a call that
// may be retried (a GET, a push with ids).
func TestAuthErrorsNeverRetried(t *testing.T) {
	t.Parallel()
	for _, status := range []int{http.StatusUnauthorized, http.StatusForbidden} {
		m := newAPIMock(t)
		m.On(http.MethodGet, "/base/v1/conversations/"+convID, reply(status, `{"statusCode":0,"message":"no"}`))
		m.On(http.MethodPost, pushPath, reply(status, `{"statusCode":0,"message":"no"}`))
		_, err := newTestClient(t, m, WithRetry(5, time.Millisecond)).Conversations.Get(context.Background(), convID)
		require.Error(t, err)
		_, err = newTestWidget(t, m, WithRetry(5, time.Millisecond)).Push(context.Background(), Push{SessionID: "s", Messages: []WidgetMessage{{Body: "x"}}})
		require.Error(t, err)
		assert.Equal(t, map[string]int{
			"GET " + testHost + "/base/v1/conversations/" + convID: 1,
			"POST " + testHost + pushPath:                          1,
		}, callCounts(m.Transport()))
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
	m.On(http.MethodPost, pushPath,
		reply(http.StatusTooManyRequests, `{"statusCode":429,"message":"ThrottlerException: Too Many Requests"}`, "retry-after-public-minute", "0"),
		reply(http.StatusCreated, pushAnswer(1, 0)))
	res, err := newTestWidget(t, m).Push(context.Background(), Push{SessionID: "s", Messages: []WidgetMessage{{Body: "x"}}})
	require.NoError(t, err)
	assert.Equal(t, 1, res.Inserted)
	assert.Len(t, m.Requests(), 2)
}

// TestServerErrorsRetriedOnlyWhenSafe: 502, 503 and 504 are retried for a
// GET; a 500 is not (it would repeat, §7).
func TestServerErrorsRetriedOnlyWhenSafe(t *testing.T) {
	t.Parallel()
	for status, calls := range map[int]int{500: 1, 502: 3, 503: 3, 504: 3} {
		m := newAPIMock(t)
		m.On(http.MethodGet, "/base/v1/webhooks/event-types", reply(status, `{"statusCode":0,"message":"x"}`))
		_, err := newTestClient(t, m).Webhooks.EventTypes(context.Background())
		assert.ErrorIs(t, err, ErrServer)
		assert.Len(t, m.Requests(), calls, "status %d", status)
	}
}

// TestDecodeErrorDirect covers what only decodeError sees: the MCP tool
// texts map the same way as the REST bodies.
func TestDecodeErrorDirect(t *testing.T) {
	t.Parallel()
	for _, tc := range errorShapes {
		code, message, kind := decodeError(tc.status, nil, []byte(tc.body))
		assert.Equal(t, tc.want.Code, code, tc.name)
		assert.Equal(t, tc.want.Message, message, tc.name)
		for _, want := range tc.want.Is {
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
	m.On(http.MethodGet, "/base/v1/webhooks", reply(http.StatusUnauthorized,
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
