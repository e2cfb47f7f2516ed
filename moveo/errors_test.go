package moveo

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/botbridge/botbridge/internal/clienttest"
)

// errorShape is one error answer Moveo sends (moveo-api-notes.md,
// "Errors") or a proxy in front of it may send, and what the SDK makes of
// it on a session route: want's Code, Message, Is and IsNot; the tests
// fill in the rest.
type errorShape struct {
	name   string
	status int
	body   string
	want   clienttest.WantAPIError
}

var errorShapes = []errorShape{
	{
		name: "invalid payload", status: 400,
		body: `{"error_code":"invalid_payload","error_message":"input.text or input.attachments is required"}`,
		want: clienttest.WantAPIError{
			Code: "invalid_payload", Message: "input.text or input.attachments is required",
			Is: []error{ErrValidation}, IsNot: []error{ErrSessionNotFound, ErrNotFound},
		},
	},
	{
		name: "unauthorized", status: 401,
		body: `{"error_code":"unauthorized","error_message":"Invalid API key"}`,
		want: clienttest.WantAPIError{Code: "unauthorized", Message: "Invalid API key", Is: []error{ErrUnauthorized}},
	},
	{
		name: "session not found", status: 404,
		body: `{"error_code":"session_not_found","error_message":"Session not found"}`,
		want: clienttest.WantAPIError{Code: "session_not_found", Message: "Session not found", Is: []error{ErrNotFound, ErrSessionNotFound}},
	},
	{
		name: "404 without body", status: 404, body: ``,
		want: clienttest.WantAPIError{Is: []error{ErrNotFound, ErrSessionNotFound}},
	},
	{
		name: "server error", status: 500,
		body: `{"error_code":"internal_error","error_message":"Something went wrong"}`,
		want: clienttest.WantAPIError{
			Code: "internal_error", Message: "Something went wrong", Is: []error{ErrServer},
			IsNot: []error{ErrSessionNotFound},
		},
	},
	{
		name: "numeric code", status: 400, body: `{"error_code":4001,"error_message":"bad"}`,
		want: clienttest.WantAPIError{Code: "4001", Message: "bad", Is: []error{ErrValidation}},
	},
	{
		name: "code with spaces", status: 400, body: `{"error_code":"not a code","error_message":"bad"}`,
		want: clienttest.WantAPIError{Message: "bad", Is: []error{ErrValidation}},
	},
	{
		name: "code of another type", status: 400, body: `{"error_code":{"x":1},"error_message":["a","b"]}`,
		want: clienttest.WantAPIError{Message: "a; b", Is: []error{ErrValidation}},
	},
	{
		name: "gateway message shape", status: 429, body: `{"message":"Too Many Requests"}`,
		want: clienttest.WantAPIError{Message: "Too Many Requests", Is: []error{ErrRateLimited}},
	},
	{
		name: "html from a proxy", status: 502, body: `<html><body>Bad Gateway</body></html>`,
		want: clienttest.WantAPIError{Is: []error{ErrServer}},
	},
	{
		name: "forbidden", status: 403, body: `{"error_code":"forbidden","error_message":"IP not allowed"}`,
		want: clienttest.WantAPIError{Code: "forbidden", Message: "IP not allowed", Is: []error{ErrForbidden}},
	},
}

func TestDecodeError(t *testing.T) {
	t.Parallel()
	for _, tc := range errorShapes {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, message, kind := decodeError(tc.status, http.Header{}, []byte(tc.body))
			assert.Equal(t, tc.want.Code, code)
			assert.Equal(t, tc.want.Message, message)
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
			m.On(http.MethodPost, testOnPath+"/messages", answer(tc.status, tc.body))
			_, err := newTestClient(t, m, WithRetry(0, time.Millisecond)).SendMessage(t.Context(), testSession, UserMessage{Text: "hi"})
			want := tc.want
			want.Status, want.RequestID = tc.status, "req-test-1"
			want.Path = "/v1/custom/" + testIntegration + "/sessions/" + testSession + "/messages"
			clienttest.AssertAPIError(t, err, want)
		})
	}
}

func TestAPIErrorMessage(t *testing.T) {
	t.Parallel()
	m := newClientMock(t)
	m.On(http.MethodPost, testOnPath+"/handover", answer(404, `{"error_code":"session_not_found","error_message":"Session not found"}`))
	err := newTestClient(t, m).Handover(t.Context(), testSession, HandoverRequest{})
	assert.EqualError(t, err, "moveo: POST /v1/custom/"+testIntegration+"/sessions/"+testSession+"/handover: 404 session_not_found: Session not found (request id req-test-1)")
}
