package moveo

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// callCase is one client method: what it must send and what it makes of
// Moveo's answer. Every file of calls has a table of them; client_test.go
// runs all of them through the retry rule as well.
type callCase struct {
	name       string
	call       func(ctx context.Context, c *Client) (any, error)
	method     string
	path       string // escaped, from the host on
	body       string // JSON the call must send
	status     int    // Moveo's answer
	reply      string
	want       any  // the method's result (nil for error-only methods)
	idempotent bool // retried after a 502
}

// sessionCalls are the calls of sessions.go, with the bodies and answers of
// moveo-api-notes.md.
var sessionCalls = []callCase{
	{
		name: "CreateSession",
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.CreateSession(ctx, CreateSessionRequest{
				ExternalSessionID: "your-session-789",
				ChannelUserID:     "user-789",
				Context:           map[string]any{"user": map[string]any{"user_id": "user-789"}},
			})
		},
		method: http.MethodPost, path: testSessions,
		body:   `{"external_session_id":"your-session-789","channel_user_id":"user-789","context":{"user":{"user_id":"user-789"}}}`,
		status: http.StatusCreated,
		reply:  `{"request_id":"req-1","session_id":"` + testSession + `","context":{"user":{"user_id":"user-789"}}}`,
		want: &Session{RequestID: "req-1", SessionID: testSession,
			Context: map[string]any{"user": map[string]any{"user_id": "user-789"}}},
	},
	{
		name: "CreateSession empty",
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.CreateSession(ctx, CreateSessionRequest{})
		},
		method: http.MethodPost, path: testSessions, body: `{}`,
		status: http.StatusCreated, reply: `{"request_id":"req-1","session_id":"` + testSession + `","context":{}}`,
		want: &Session{RequestID: "req-1", SessionID: testSession, Context: map[string]any{}},
	},
	{
		name: "UpdateContext",
		call: func(ctx context.Context, c *Client) (any, error) {
			return nil, c.UpdateContext(ctx, testSession, map[string]any{"order_id": "A-17", "vip": true})
		},
		method: http.MethodPatch, path: testOnPath + "/context", body: `{"order_id":"A-17","vip":true}`,
		status: http.StatusOK, reply: `{"request_id":"req-2"}`, idempotent: true,
	},
	{
		name: "UpdateContext empty object",
		call: func(ctx context.Context, c *Client) (any, error) {
			return nil, c.UpdateContext(ctx, testSession, map[string]any{})
		},
		method: http.MethodPatch, path: testOnPath + "/context", body: `{}`,
		status: http.StatusOK, reply: ``, idempotent: true,
	},
	{
		name: "Handover",
		call: func(ctx context.Context, c *Client) (any, error) {
			return nil, c.Handover(ctx, testSession, HandoverRequest{})
		},
		method: http.MethodPost, path: testOnPath + "/handover", body: `{}`,
		status: http.StatusOK, reply: `{}`,
	},
	{
		name: "Handover to a desk",
		call: func(ctx context.Context, c *Client) (any, error) {
			return nil, c.Handover(ctx, testSession, HandoverRequest{DeskID: "desk-123", DepartmentID: "support"})
		},
		method: http.MethodPost, path: testOnPath + "/handover", body: `{"desk_id":"desk-123","department_id":"support"}`,
		status: http.StatusOK, reply: `{}`,
	},
	{
		name: "CloseConversation",
		call: func(ctx context.Context, c *Client) (any, error) {
			return nil, c.CloseConversation(ctx, testSession)
		},
		method: http.MethodPost, path: testOnPath + "/conversation/close", body: `{}`,
		status: http.StatusOK, reply: `{}`, idempotent: true,
	},
	{
		name: "ReopenConversation",
		call: func(ctx context.Context, c *Client) (any, error) {
			return nil, c.ReopenConversation(ctx, testSession)
		},
		method: http.MethodPost, path: testOnPath + "/conversation/reopen", body: `{}`,
		status: http.StatusOK, reply: `{}`, idempotent: true,
	},
	{
		name: "CloseSession",
		call: func(ctx context.Context, c *Client) (any, error) {
			return nil, c.CloseSession(ctx, testSession)
		},
		method: http.MethodPost, path: testOnPath + "/close", body: `{}`,
		status: http.StatusOK, reply: `{}`, idempotent: true,
	},
}

// runCalls checks each case's request and result against a mock.
func runCalls(t *testing.T, cases []callCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := newClientMock(t)
			m.On(tc.method, tc.path, answer(tc.status, tc.reply))
			c := newTestClient(t, m)
			got, err := tc.call(t.Context(), c)
			require.NoError(t, err)
			assertAPIRequest(t, m.Only(), tc.method, tc.path, tc.body)
			if tc.want != nil {
				assert.Equal(t, tc.want, got)
			}
		})
	}
}

func TestSessionCalls(t *testing.T) {
	t.Parallel()
	runCalls(t, sessionCalls)
}

func TestSessionCallsRefuseInput(t *testing.T) {
	t.Parallel()
	m := newClientMock(t) // any request fails the test
	c := newTestClient(t, m)
	ctx := t.Context()
	for name, call := range map[string]func() error{
		"UpdateContext nil":    func() error { return c.UpdateContext(ctx, testSession, nil) },
		"UpdateContext no id":  func() error { return c.UpdateContext(ctx, "", map[string]any{}) },
		"Handover no id":       func() error { return c.Handover(ctx, "", HandoverRequest{}) },
		"CloseConversation":    func() error { return c.CloseConversation(ctx, "") },
		"ReopenConversation":   func() error { return c.ReopenConversation(ctx, "") },
		"CloseSession no id":   func() error { return c.CloseSession(ctx, "") },
		"MarkRead no id":       func() error { return c.MarkRead(ctx, "") },
		"MarkDelivered no id":  func() error { return c.MarkDelivered(ctx, "") },
		"DownloadURL no file":  func() error { _, err := c.DownloadURL(ctx, testSession, ""); return err },
		"UploadURL no name":    func() error { _, err := c.UploadURL(ctx, testSession, "", "image/png"); return err },
		"UploadURL no type":    func() error { _, err := c.UploadURL(ctx, testSession, "a.png", ""); return err },
		"SendMessage no id":    func() error { _, err := c.SendMessage(ctx, "", UserMessage{Text: "hi"}); return err },
		"SendAgentMessage nil": func() error { _, err := c.SendAgentMessage(ctx, testSession, AgentMessage{Text: "hi"}); return err },
	} {
		err := call()
		assert.ErrorIs(t, err, ErrValidation, name)
		var apiErr *APIError
		assert.False(t, errors.As(err, &apiErr), name)
	}
	assert.Empty(t, m.Requests())
	assert.EqualError(t, c.UpdateContext(ctx, testSession, nil), "moveo: UpdateContext: context: must be an object, not nil")
}

func TestCreateSessionWithoutSessionID(t *testing.T) {
	t.Parallel()
	m := newClientMock(t)
	m.On(http.MethodPost, testSessions, answer(http.StatusCreated, `{"request_id":"req-1"}`))
	_, err := newTestClient(t, m).CreateSession(t.Context(), CreateSessionRequest{})
	assert.ErrorContains(t, err, "no session_id")
}

// A 404 from create names no session: it is not ErrSessionNotFound.
func TestCreateSessionNotFoundIsNotAnExpiredSession(t *testing.T) {
	t.Parallel()
	m := newClientMock(t)
	m.On(http.MethodPost, testSessions, answer(http.StatusNotFound, `{"error_code":"not_found","error_message":"integration not found"}`))
	_, err := newTestClient(t, m).CreateSession(t.Context(), CreateSessionRequest{})
	assert.ErrorIs(t, err, ErrNotFound)
	assert.NotErrorIs(t, err, ErrSessionNotFound)
}
