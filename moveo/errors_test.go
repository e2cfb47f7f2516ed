package moveo

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// errorShape is one error answer Moveo sends (moveo-api-notes.md,
// "Errors") or a proxy in front of it may send, and what the SDK makes of
// it on a session route.
type errorShape struct {
	name    string
	status  int
	body    string
	code    string
	message string
	kinds   []error
	not     []error
}

var errorShapes = []errorShape{
	{
		name: "invalid payload", status: 400,
		body: `{"error_code":"invalid_payload","error_message":"input.text or input.attachments is required"}`,
		code: "invalid_payload", message: "input.text or input.attachments is required",
		kinds: []error{ErrValidation}, not: []error{ErrSessionNotFound, ErrNotFound},
	},
	{
		name: "unauthorized", status: 401,
		body: `{"error_code":"unauthorized","error_message":"Invalid API key"}`,
		code: "unauthorized", message: "Invalid API key", kinds: []error{ErrUnauthorized},
	},
	{
		name: "session not found", status: 404,
		body: `{"error_code":"session_not_found","error_message":"Session not found"}`,
		code: "session_not_found", message: "Session not found", kinds: []error{ErrNotFound, ErrSessionNotFound},
	},
	{
		name: "404 without body", status: 404, body: ``,
		kinds: []error{ErrNotFound, ErrSessionNotFound},
	},
	{
		name: "server error", status: 500,
		body: `{"error_code":"internal_error","error_message":"Something went wrong"}`,
		code: "internal_error", message: "Something went wrong", kinds: []error{ErrServer},
		not: []error{ErrSessionNotFound},
	},
	{
		name: "numeric code", status: 400, body: `{"error_code":4001,"error_message":"bad"}`,
		code: "4001", message: "bad", kinds: []error{ErrValidation},
	},
	{
		name: "code with spaces", status: 400, body: `{"error_code":"not a code","error_message":"bad"}`,
		message: "bad", kinds: []error{ErrValidation},
	},
	{
		name: "code of another type", status: 400, body: `{"error_code":{"x":1},"error_message":["a","b"]}`,
		message: "a; b", kinds: []error{ErrValidation},
	},
	{
		name: "gateway message shape", status: 429, body: `{"message":"Too Many Requests"}`,
		message: "Too Many Requests", kinds: []error{ErrRateLimited},
	},
	{
		name: "html from a proxy", status: 502, body: `<html><body>Bad Gateway</body></html>`,
		kinds: []error{ErrServer},
	},
	{
		name: "forbidden", status: 403, body: `{"error_code":"forbidden","error_message":"IP not allowed"}`,
		code: "forbidden", message: "IP not allowed", kinds: []error{ErrForbidden},
	},
}

func TestDecodeError(t *testing.T) {
	t.Parallel()
	for _, tc := range errorShapes {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, message, kind := decodeError(tc.status, http.Header{}, []byte(tc.body))
			assert.Equal(t, tc.code, code)
			assert.Equal(t, tc.message, message)
			assert.Nil(t, kind)
		})
	}
}

// Each shape, answered to a call on a session, becomes an *APIError with
// Moveo's code and message and the right sentinels.
func TestErrorShapesThroughTheClient(t *testing.T) {
	t.Parallel()
	for _, tc := range errorShapes {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := newClientMock(t)
			m.on(http.MethodPost, testOnPath+"/messages", answer(tc.status, tc.body))
			_, err := newTestClient(t, m, WithRetry(0, time.Millisecond)).SendMessage(t.Context(), testSession, UserMessage{Text: "hi"})
			var apiErr *APIError
			require.True(t, errors.As(err, &apiErr), "%v", err)
			assert.Equal(t, tc.status, apiErr.StatusCode)
			assert.Equal(t, tc.code, apiErr.Code)
			assert.Equal(t, tc.message, apiErr.Message)
			assert.Equal(t, "req-test-1", apiErr.RequestID)
			assert.Equal(t, "/v1/custom/"+testIntegration+"/sessions/"+testSession+"/messages", apiErr.Path)
			for _, kind := range tc.kinds {
				assert.ErrorIs(t, err, kind)
			}
			for _, kind := range tc.not {
				assert.NotErrorIs(t, err, kind)
			}
			assert.NotContains(t, err.Error(), "\n")
		})
	}
}

func TestAPIErrorMessage(t *testing.T) {
	t.Parallel()
	m := newClientMock(t)
	m.on(http.MethodPost, testOnPath+"/handover", answer(404, `{"error_code":"session_not_found","error_message":"Session not found"}`))
	err := newTestClient(t, m).Handover(t.Context(), testSession, HandoverRequest{})
	assert.EqualError(t, err, "moveo: POST /v1/custom/"+testIntegration+"/sessions/"+testSession+"/handover: 404 session_not_found: Session not found (request id req-test-1)")
}
