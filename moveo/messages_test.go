package moveo

import (
	"context"
	"net/http"
	"testing"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/internal/clienttest"
)

// messageCalls are the calls of messages.go, with the bodies and answers
// of moveo-api-notes.md.
var messageCalls = []callCase{
	{
		name: "SendMessage text",
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.SendMessage(ctx, testSession, UserMessage{Text: "I want to check my order"})
		},
		method: http.MethodPost, path: testOnPath + "/messages",
		body:   `{"input":{"text":"I want to check my order"}}`,
		status: http.StatusAccepted, reply: `{"request_id":"req-123"}`, want: "req-123",
	},
	{
		name: "SendMessage attachments and context",
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.SendMessage(ctx, testSession, UserMessage{
				Attachments: []Attachment{{Type: AttachmentImage, MimeType: "image/jpeg", URL: "https://example.com/image.jpg", Filename: "image.jpg"}},
				Context:     map[string]any{"page": "checkout"},
			})
		},
		method: http.MethodPost, path: testOnPath + "/messages",
		body:   `{"input":{"attachments":[{"type":"image","mime_type":"image/jpeg","url":"https://example.com/image.jpg","filename":"image.jpg"}]},"context":{"page":"checkout"}}`,
		status: http.StatusAccepted, reply: `{"request_id":"req-124"}`, want: "req-124",
	},
	{
		name: "SendAgentMessage",
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.SendAgentMessage(ctx, testSession, AgentMessage{
				Text:  "Hi! I'm Sarah from support.",
				Agent: Agent{ID: "agent-123", Name: "Sarah Johnson", Avatar: "https://example.com/avatars/sarah.jpg"},
			})
		},
		method: http.MethodPost, path: testOnPath + "/messages/agent",
		body:   `{"input":{"text":"Hi! I'm Sarah from support."},"agent":{"agent_id":"agent-123","agent_name":"Sarah Johnson","agent_avatar":"https://example.com/avatars/sarah.jpg"}}`,
		status: http.StatusAccepted, reply: `{"request_id":"req-125"}`, want: "req-125",
	},
	{
		name: "MarkRead",
		call: func(ctx context.Context, c *Client) (any, error) {
			return nil, c.MarkRead(ctx, testSession)
		},
		method: http.MethodPost, path: testOnPath + "/messages/read", body: `{}`,
		status: http.StatusOK, reply: `{}`, idempotent: true,
	},
	{
		name: "MarkDelivered",
		call: func(ctx context.Context, c *Client) (any, error) {
			return nil, c.MarkDelivered(ctx, testSession)
		},
		method: http.MethodPost, path: testOnPath + "/messages/delivered", body: `{}`,
		status: http.StatusOK, reply: `{}`, idempotent: true,
	},
}

func TestMessageCalls(t *testing.T) {
	t.Parallel()
	runCalls(t, messageCalls)
}

// A session id is one path segment, whatever it holds.
func TestSessionIDIsEscaped(t *testing.T) {
	t.Parallel()
	m := newClientMock(t)
	m.On(http.MethodPost, testSessions+"/a%2F..%2Fb/messages/read", answer(http.StatusOK, `{}`))
	require.NoError(t, newTestClient(t, m).MarkRead(t.Context(), "a/../b"))
}

func TestSendMessageRefusesInput(t *testing.T) {
	t.Parallel()
	ok := Attachment{Type: AttachmentFile, URL: "https://example.com/document.pdf"}
	for _, tc := range []struct {
		name  string
		msg   func(*UserMessage)
		field string
	}{
		{"empty", func(m *UserMessage) { m.Text = "" }, "Text"},
		{"bad type", func(m *UserMessage) { m.Attachments = []Attachment{ok, {Type: "gif", URL: ok.URL}} }, "Attachments[1].Type"},
		{"no type", func(m *UserMessage) { m.Attachments = []Attachment{{URL: ok.URL}} }, "Attachments[0].Type"},
		{"no URL", func(m *UserMessage) { m.Attachments = []Attachment{{Type: AttachmentVideo}} }, "Attachments[0].URL"},
		{"relative URL", func(m *UserMessage) { m.Attachments = []Attachment{{Type: AttachmentAudio, URL: "/files/a.mp3"}} }, "Attachments[0].URL"},
		{"no host", func(m *UserMessage) { m.Attachments = []Attachment{{Type: AttachmentAudio, URL: "https:///a.mp3"}} }, "Attachments[0].URL"},
		{"unparsable URL", func(m *UserMessage) {
			m.Attachments = []Attachment{{Type: AttachmentImage, URL: "https://exa mple.com/%zz"}}
		}, "Attachments[0].URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := newClientMock(t) // any request fails the test
			c := newTestClient(t, m)
			msg := UserMessage{Text: "hello"}
			tc.msg(&msg)
			_, err := c.SendMessage(t.Context(), testSession, msg)
			require.ErrorIs(t, err, ErrValidation)
			assert.ErrorContains(t, err, "moveo: SendMessage: "+tc.field+": ")
			_, err = c.SendAgentMessage(t.Context(), testSession, AgentMessage{Text: msg.Text, Attachments: msg.Attachments, Agent: Agent{ID: "a"}})
			assert.ErrorContains(t, err, "moveo: SendAgentMessage: "+tc.field+": ")
			assert.Empty(t, m.Requests())
		})
	}
}

func TestSendMessageAcceptsOtherAbsoluteURIs(t *testing.T) {
	t.Parallel()
	m := newClientMock(t)
	m.On(http.MethodPost, testOnPath+"/messages", answer(http.StatusAccepted, `{"request_id":"r"}`))
	_, err := newTestClient(t, m).SendMessage(t.Context(), testSession, UserMessage{
		Attachments: []Attachment{{Type: AttachmentFile, URL: "http://files.example/a.pdf"}},
	})
	require.NoError(t, err)
}

// SendMessage is not idempotent: after a 502 or a connection that broke
// once the request was out, Moveo may have the message, so it is not sent
// again; after a 429 or 503 (not processed) or a refused dial (never sent)
// it is.
func TestSendMessageRetriesOnlyWhenSafe(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		first    httpmock.Responder
		dialErrs int64
		attempts int
		wantKind error // when not retried
	}{
		{name: "429 retried", first: answer(http.StatusTooManyRequests, `{}`), attempts: 2},
		{name: "503 retried", first: answer(http.StatusServiceUnavailable, `{}`), attempts: 2},
		{name: "dial error retried", dialErrs: 1, attempts: 1},
		{name: "502 not retried", first: answer(http.StatusBadGateway, `<html>bad gateway</html>`), attempts: 1, wantKind: ErrServer},
		{name: "504 not retried", first: answer(http.StatusGatewayTimeout, ``), attempts: 1, wantKind: ErrServer},
		{name: "500 not retried", first: answer(http.StatusInternalServerError, `{"error_code":"internal_error","error_message":"boom"}`), attempts: 1, wantKind: ErrServer},
		{name: "broken connection not retried", first: clienttest.BrokenConnection, attempts: 1, wantKind: nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := newClientMock(t)
			ok := answer(http.StatusAccepted, `{"request_id":"req-9"}`)
			if tc.first != nil {
				m.On(http.MethodPost, testOnPath+"/messages", tc.first, ok)
			} else {
				m.On(http.MethodPost, testOnPath+"/messages", ok)
			}
			rt := clienttest.RefuseDials(tc.dialErrs, m.Transport())
			c := newTestClientOn(t, &http.Client{Transport: rt})
			id, err := c.SendMessage(t.Context(), testSession, UserMessage{Text: "hi"})
			assert.Len(t, m.Requests(), tc.attempts)
			wantFailure := tc.attempts == 1 && tc.dialErrs == 0
			if !wantFailure {
				require.NoError(t, err)
				assert.Equal(t, "req-9", id)
				return
			}
			require.Error(t, err)
			if tc.wantKind != nil {
				assert.ErrorIs(t, err, tc.wantKind)
			}
		})
	}
}

func TestSendMessageOrRenew(t *testing.T) {
	t.Parallel()
	expired := answer(http.StatusNotFound, `{"error_code":"session_not_found","error_message":"Session not found"}`)
	renew := CreateSessionRequest{ExternalSessionID: "your-session-789", Context: map[string]any{"lang": "en"}}
	msg := UserMessage{Text: "still there?"}

	t.Run("live session", func(t *testing.T) {
		t.Parallel()
		m := newClientMock(t)
		m.On(http.MethodPost, testOnPath+"/messages", answer(http.StatusAccepted, `{"request_id":"req-1"}`))
		res, err := newTestClient(t, m).SendMessageOrRenew(t.Context(), testSession, msg, renew)
		require.NoError(t, err)
		assert.Equal(t, &SentMessage{SessionID: testSession, RequestID: "req-1"}, res)
		assert.Len(t, m.Requests(), 1)
	})

	t.Run("expired session renewed", func(t *testing.T) {
		t.Parallel()
		m := newClientMock(t)
		m.On(http.MethodPost, testOnPath+"/messages", expired)
		m.On(http.MethodPost, testSessions, answer(http.StatusCreated, `{"request_id":"req-2","session_id":"`+testNewSession+`","context":{"lang":"en"}}`))
		m.On(http.MethodPost, testSessions+"/"+testNewSession+"/messages", answer(http.StatusAccepted, `{"request_id":"req-3"}`))
		res, err := newTestClient(t, m).SendMessageOrRenew(t.Context(), testSession, msg, renew)
		require.NoError(t, err)
		assert.Equal(t, &SentMessage{
			SessionID: testNewSession, RequestID: "req-3",
			Renewed: &Session{RequestID: "req-2", SessionID: testNewSession, Context: map[string]any{"lang": "en"}},
		}, res)
		reqs := m.Requests()
		require.Len(t, reqs, 3)
		assertAPIRequest(t, reqs[0], http.MethodPost, testOnPath+"/messages", `{"input":{"text":"still there?"}}`)
		assertAPIRequest(t, reqs[1], http.MethodPost, testSessions, `{"external_session_id":"your-session-789","context":{"lang":"en"}}`)
		assertAPIRequest(t, reqs[2], http.MethodPost, testSessions+"/"+testNewSession+"/messages", `{"input":{"text":"still there?"}}`)
	})

	t.Run("other errors are not renewed", func(t *testing.T) {
		t.Parallel()
		m := newClientMock(t)
		m.On(http.MethodPost, testOnPath+"/messages", answer(http.StatusBadRequest, `{"error_code":"invalid_payload","error_message":"bad"}`))
		res, err := newTestClient(t, m).SendMessageOrRenew(t.Context(), testSession, msg, renew)
		assert.Nil(t, res)
		assert.ErrorIs(t, err, ErrValidation)
		assert.Len(t, m.Requests(), 1)
	})

	t.Run("create fails", func(t *testing.T) {
		t.Parallel()
		m := newClientMock(t)
		m.On(http.MethodPost, testOnPath+"/messages", expired)
		m.On(http.MethodPost, testSessions, answer(http.StatusUnauthorized, `{"error_code":"unauthorized","error_message":"Unauthorized"}`))
		res, err := newTestClient(t, m).SendMessageOrRenew(t.Context(), testSession, msg, renew)
		assert.Nil(t, res)
		assert.ErrorIs(t, err, ErrUnauthorized)
		assert.ErrorContains(t, err, "session expired; creating a new one")
		assert.Len(t, m.Requests(), 2)
	})

	t.Run("send to the new session fails", func(t *testing.T) {
		t.Parallel()
		m := newClientMock(t)
		m.On(http.MethodPost, testOnPath+"/messages", expired)
		m.On(http.MethodPost, testSessions, answer(http.StatusCreated, `{"request_id":"req-2","session_id":"`+testNewSession+`"}`))
		m.On(http.MethodPost, testSessions+"/"+testNewSession+"/messages", answer(http.StatusInternalServerError, `{"error_code":"internal_error"}`))
		res, err := newTestClient(t, m).SendMessageOrRenew(t.Context(), testSession, msg, renew)
		assert.ErrorIs(t, err, ErrServer)
		require.NotNil(t, res)
		require.NotNil(t, res.Renewed)
		assert.Equal(t, testNewSession, res.Renewed.SessionID)
		assert.Equal(t, testNewSession, res.SessionID)
		assert.Empty(t, res.RequestID)
	})

	t.Run("bad input sends nothing", func(t *testing.T) {
		t.Parallel()
		m := newClientMock(t)
		_, err := newTestClient(t, m).SendMessageOrRenew(t.Context(), testSession, UserMessage{}, renew)
		assert.ErrorIs(t, err, ErrValidation)
		assert.Empty(t, m.Requests())
	})
}
