package moveotest_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/moveo/moveotest"
)

const uuidPattern = `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`

func TestAPIKeyIsRequiredAsApikeyScheme(t *testing.T) {
	t.Parallel()
	s := moveotest.NewServer(t)
	assert.Regexp(t, uuidPattern, s.IntegrationID())
	url := s.URL + "/v1/custom/" + s.IntegrationID() + "/sessions"
	for name, auth := range map[string]string{
		"missing":   "",
		"bearer":    "Bearer " + s.APIKey(),
		"wrong key": "apikey nope",
	} {
		r := do(t, s, "POST", url, auth, `{}`)
		assert.Equal(t, http.StatusUnauthorized, r.Status, name)
		assert.Equal(t, "unauthorized", r.JSON(t)["error_code"], name)
		assert.NotEmpty(t, r.JSON(t)["error_message"], name)
	}
	r := do(t, s, "POST", s.URL+"/v1/custom/"+"00000000-0000-4000-8000-000000000000/sessions", "apikey "+s.APIKey(), `{}`)
	assert.Equal(t, http.StatusNotFound, r.Status, "another integration's id")
	assert.Equal(t, "integration_not_found", r.JSON(t)["error_code"])
	assert.Empty(t, s.Sessions())
}

func TestCreateSession(t *testing.T) {
	t.Parallel()
	s := moveotest.NewServer(t, moveotest.WithClock(moveotest.NewClock(t0)))
	r := api(t, s, "POST", "", map[string]any{
		"external_session_id": "your-session-789", "channel_user_id": "user-789",
		"context": map[string]any{"user": map[string]any{"user_id": "user-789"}},
	})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	got := r.JSON(t)
	assert.Regexp(t, uuidPattern, got["session_id"])
	assert.Regexp(t, uuidPattern, got["request_id"])
	assert.Equal(t, got["request_id"], r.Header.Get("X-Request-Id"))
	assert.Equal(t, map[string]any{"user": map[string]any{"user_id": "user-789"}}, got["context"])

	ss, ok := s.Session(got["session_id"].(string))
	require.True(t, ok)
	assert.Equal(t, "your-session-789", ss.ExternalSessionID)
	assert.Equal(t, "user-789", ss.ChannelUserID)
	assert.Equal(t, moveotest.StatusActive, ss.Status)
	assert.Equal(t, t0, ss.CreatedAt)
	assert.Equal(t, s.DeskID(), ss.DeskID)

	r = api(t, s, "POST", "", `{}`)
	assert.Equal(t, http.StatusCreated, r.Status, "{} is enough")
	assert.Equal(t, map[string]any{}, r.JSON(t)["context"])

	for name, body := range map[string]any{
		"no body":      nil,
		"array":        `[]`,
		"not json":     `{`,
		"null context": `{"context":null}`,
		"text context": `{"context":"x"}`,
		"number id":    `{"external_session_id":7}`,
	} {
		r := api(t, s, "POST", "", body)
		assert.Equal(t, http.StatusBadRequest, r.Status, name)
		assert.Equal(t, "invalid_payload", r.JSON(t)["error_code"], name)
	}
	assert.Len(t, s.Sessions(), 2)
}

func TestUpdateContextMergesAnObject(t *testing.T) {
	t.Parallel()
	s := moveotest.NewServer(t)
	id := newSession(t, s, map[string]any{"context": map[string]any{"a": 1, "b": 2}})
	r := api(t, s, "PATCH", "/"+id+"/context", map[string]any{"b": 3, "c": "x"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	assert.Equal(t, map[string]any{"a": 1.0, "b": 3.0, "c": "x"}, r.JSON(t)["context"])
	ss, _ := s.Session(id)
	assert.Len(t, ss.Context, 3)

	r = api(t, s, "PATCH", "/"+id+"/context", `null`)
	assert.Equal(t, http.StatusBadRequest, r.Status, "null is rejected")
	r = api(t, s, "PATCH", "/00000000-0000-4000-8000-000000000000/context", `{}`)
	assert.Equal(t, http.StatusNotFound, r.Status)
	assert.Equal(t, "session_not_found", r.JSON(t)["error_code"])
}

func TestSendMessageValidation(t *testing.T) {
	t.Parallel()
	s := moveotest.NewServer(t)
	id := newSession(t, s, nil)
	valid := func() map[string]any {
		return map[string]any{"input": map[string]any{"text": "hi"}}
	}
	for _, tc := range []struct {
		name   string
		mutate func(m map[string]any)
	}{
		{"no input", func(m map[string]any) { delete(m, "input") }},
		{"empty text", func(m map[string]any) { m["input"] = map[string]any{"text": ""} }},
		{"empty input", func(m map[string]any) { m["input"] = map[string]any{} }},
		{"text not a string", func(m map[string]any) { m["input"] = map[string]any{"text": 1} }},
		{"attachments not an array", func(m map[string]any) { m["input"] = map[string]any{"attachments": "x"} }},
		{"bad attachment type", func(m map[string]any) {
			m["input"] = map[string]any{"attachments": []any{map[string]any{"type": "sticker", "url": "https://x.example/a.png"}}}
		}},
		{"attachment url not a URI", func(m map[string]any) {
			m["input"] = map[string]any{"attachments": []any{map[string]any{"type": "image", "url": "a.png"}}}
		}},
		{"attachment without url", func(m map[string]any) {
			m["input"] = map[string]any{"attachments": []any{map[string]any{"type": "image"}}}
		}},
		{"null context", func(m map[string]any) { m["context"] = nil }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := valid()
			tc.mutate(body)
			r := api(t, s, "POST", "/"+id+"/messages", body)
			assert.Equal(t, http.StatusBadRequest, r.Status, "%s", r.Body)
			assert.Equal(t, "invalid_payload", r.JSON(t)["error_code"])
		})
	}

	r := api(t, s, "POST", "/"+id+"/messages", map[string]any{"input": map[string]any{"attachments": []any{
		map[string]any{"type": "file", "mime_type": "application/pdf", "url": "https://example.com/document.pdf", "filename": "Invoice.pdf"},
	}}, "context": map[string]any{"order": "A-1"}})
	require.Equal(t, http.StatusAccepted, r.Status, "attachments alone are enough: %s", r.Body)
	ss, _ := s.Session(id)
	require.Len(t, ss.Messages, 2, "the user's and the echo")
	assert.Equal(t, []moveotest.Attachment{{Type: "file", MimeType: "application/pdf", URL: "https://example.com/document.pdf", Filename: "Invoice.pdf"}}, ss.Messages[0].Attachments)
	assert.JSONEq(t, `{"type":"file","url":"https://example.com/document.pdf","name":"Invoice.pdf"}`, string(ss.Messages[1].Responses[0]))
	assert.Equal(t, "A-1", ss.Context["order"], "the message's context is merged")
}

func TestAgentMessageIsRecorded(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t)
	s := moveotest.NewServer(t, moveotest.WithWebhook(rc.URL, "k"))
	id := newSession(t, s, nil)
	r := api(t, s, "POST", "/"+id+"/messages/agent", map[string]any{
		"input": map[string]any{"text": "Refund sent"},
		"agent": map[string]any{"agent_id": "crm-7", "agent_name": "Bo"},
	})
	require.Equal(t, http.StatusAccepted, r.Status, "%s", r.Body)
	r = api(t, s, "POST", "/"+id+"/messages/agent", map[string]any{"input": map[string]any{"text": "x"}, "agent": map[string]any{}})
	assert.Equal(t, http.StatusBadRequest, r.Status, "agent_id is required")
	wait(t, s)
	assert.Empty(t, rc.Calls(), "no event and no brain reply")
	ss, _ := s.Session(id)
	require.Len(t, ss.Messages, 1)
	assert.Equal(t, moveotest.AuthorExternalAgent, ss.Messages[0].Author)
	assert.Equal(t, &moveotest.Agent{ID: "crm-7", Name: "Bo"}, ss.Messages[0].Agent)
}

func TestReceiptsAreRecorded(t *testing.T) {
	t.Parallel()
	clock := moveotest.NewClock(t0)
	s := moveotest.NewServer(t, moveotest.WithClock(clock))
	id := newSession(t, s, nil)
	clock.Advance(time.Minute)
	assert.Equal(t, http.StatusOK, api(t, s, "POST", "/"+id+"/messages/read", `{}`).Status)
	clock.Advance(time.Minute)
	assert.Equal(t, http.StatusOK, api(t, s, "POST", "/"+id+"/messages/delivered", nil).Status, "no body is fine")
	ss, _ := s.Session(id)
	assert.Equal(t, t0.Add(time.Minute), ss.ReadAt)
	assert.Equal(t, t0.Add(2*time.Minute), ss.DeliveredAt)
	assert.Equal(t, t0.Add(2*time.Minute), ss.LastActivityAt)
}

func TestCloseSessionEmitsSessionClosed(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t)
	s := moveotest.NewServer(t, moveotest.WithWebhook(rc.URL, "k"), moveotest.WithClock(moveotest.NewClock(t0)))
	id := newSession(t, s, map[string]any{"external_session_id": "ext-1"})
	require.Equal(t, http.StatusOK, api(t, s, "POST", "/"+id+"/close", `{}`).Status)
	wait(t, s)
	got := rc.JSON(t)
	require.Len(t, got, 1)
	assert.Equal(t, "session:closed", got[0]["event_type"])
	assert.Equal(t, "closed", got[0]["status"])
	assert.Equal(t, "ext-1", got[0]["external_session_id"])

	r := say404(t, s, id)
	assert.Equal(t, "session_not_found", r.JSON(t)["error_code"])
	ss, _ := s.Session(id)
	assert.Equal(t, moveotest.StatusClosed, ss.Status)
	assert.Equal(t, t0, ss.EndedAt)
	assert.ErrorIs(t, s.Desk().Say(id, "hello?"), moveotest.ErrSessionNotFound)
}

func say404(t testing.TB, s *moveotest.Server, id string) reply {
	t.Helper()
	r := api(t, s, "POST", "/"+id+"/messages", map[string]any{"input": map[string]any{"text": "hi"}})
	require.Equal(t, http.StatusNotFound, r.Status, "%s", r.Body)
	return r
}

func TestSessionExpiresAfterTheTimeoutOfInactivity(t *testing.T) {
	t.Parallel()
	clock := moveotest.NewClock(t0)
	rc := newReceiver(t)
	s := moveotest.NewServer(t, moveotest.WithClock(clock), moveotest.WithWebhook(rc.URL, "k"),
		moveotest.WithSessionTimeout(time.Hour), moveotest.WithSubscribedEvents("session:expired"))
	id := newSession(t, s, nil)
	other := newSession(t, s, nil)

	clock.Advance(59 * time.Minute)
	say(t, s, id, "still here") // activity: id now expires at 1h59m
	clock.Advance(time.Minute)
	wait(t, s)
	got := rc.JSON(t)
	require.Len(t, got, 1, "the idle session expired, the active one did not")
	assert.Equal(t, other, got[0]["session_id"])
	assert.EqualValues(t, t0.Add(time.Hour).UnixMilli(), got[0]["timestamp"])
	ss, _ := s.Session(other)
	assert.Equal(t, moveotest.StatusExpired, ss.Status)
	assert.Equal(t, t0.Add(time.Hour), ss.EndedAt)
	say404(t, s, other)

	clock.Advance(time.Hour)
	say404(t, s, id)
	wait(t, s)
	assert.Len(t, rc.JSON(t), 2)
	assert.Len(t, s.Events(), 3, "one brain reply and two expiries")
}

func TestExpireSession(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t)
	s := moveotest.NewServer(t, moveotest.WithWebhook(rc.URL, ""))
	id := newSession(t, s, nil)
	require.NoError(t, s.ExpireSession(id))
	assert.ErrorIs(t, s.ExpireSession(id), moveotest.ErrSessionNotFound)
	wait(t, s)
	assert.Equal(t, []string{"session:expired"}, eventTypes(t, rc))
	say404(t, s, id)
}

func TestDefaultSessionTimeoutIsADay(t *testing.T) {
	t.Parallel()
	clock := moveotest.NewClock(t0)
	s := moveotest.NewServer(t, moveotest.WithClock(clock))
	id := newSession(t, s, nil)
	clock.Advance(24*time.Hour - time.Millisecond)
	say(t, s, id, "still here")
	clock.Advance(24 * time.Hour)
	say404(t, s, id)
}
