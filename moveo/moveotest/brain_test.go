package moveotest_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/moveo/moveotest"
)

func TestBrainReplyIsASignedBrainSend(t *testing.T) {
	t.Parallel()
	clock := moveotest.NewClock(t0)
	rc := newReceiver(t)
	s := moveotest.NewServer(t, moveotest.WithClock(clock), moveotest.WithWebhook(rc.URL, "whsec-test"))
	id := newSession(t, s, map[string]any{
		"external_session_id": "your-session-789",
		"context":             map[string]any{"user": map[string]any{"user_id": "user-789"}},
	})
	requestID := say(t, s, id, "Hello")
	wait(t, s)

	got := rc.Calls()
	require.Len(t, got, 1)
	d := got[0]
	assert.Equal(t, "application/json", d.Header.Get("Content-Type"))
	sig := d.Header.Get("X-Moveo-Signature")
	assert.Regexp(t, `^[0-9a-f]{64}$`, sig, "bare lowercase hex, no sha256= prefix")
	assert.Equal(t, moveotest.Sign("whsec-test", d.Body), sig)

	want := `{
		"event_type": "message:brain_send",
		"request_id": "` + requestID + `",
		"session_id": "` + id + `",
		"external_session_id": "your-session-789",
		"integration_id": "` + s.IntegrationID() + `",
		"desk_id": "` + s.DeskID() + `",
		"context": {"user": {"user_id": "user-789"}},
		"timestamp": ` + jsonNumber(t0.UnixMilli()) + `,
		"output": {"responses": [{"type": "text", "text": "Hello"}]}
	}`
	assert.JSONEq(t, want, string(d.Body))
	assert.Regexp(t, `^\{"event_type":"message:brain_send","request_id":`, string(d.Body), "the base fields in the page's order")

	ss, _ := s.Session(id)
	require.Len(t, ss.Messages, 2)
	assert.Equal(t, moveotest.AuthorUser, ss.Messages[0].Author)
	assert.Equal(t, "Hello", ss.Messages[0].Text)
	assert.Equal(t, moveotest.AuthorBrain, ss.Messages[1].Author)
	assert.Equal(t, requestID, ss.Messages[1].RequestID)

	dl := s.Deliveries()
	require.Len(t, dl, 1)
	assert.Equal(t, moveotest.DeliveryDelivered, dl[0].Status)
	assert.Equal(t, d.Body, dl[0].Body)
}

func jsonNumber(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func TestEventsOfOneInstantHaveIncreasingTimestamps(t *testing.T) {
	t.Parallel()
	s := moveotest.NewServer(t, moveotest.WithClock(moveotest.NewClock(t0)))
	id := newSession(t, s, nil)
	say(t, s, id, "a")
	say(t, s, id, "b")
	ev := s.Events()
	require.Len(t, ev, 2)
	assert.Equal(t, t0, ev[0].Timestamp)
	assert.Equal(t, t0.Add(time.Millisecond), ev[1].Timestamp)
}

func TestScriptedBrain(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t)
	var seen []moveotest.BrainInput
	brain := func(in moveotest.BrainInput) []json.RawMessage {
		seen = append(seen, in)
		switch in.Text {
		case "quiet":
			return nil
		case "menu":
			return []json.RawMessage{
				moveotest.TextResponse("Pick one", moveotest.QuickReply{Label: "Track Order", Text: "Track my order"}),
				json.RawMessage(`{"type": "pause"}`),
			}
		}
		return moveotest.EchoBrain(in)
	}
	s := moveotest.NewServer(t, moveotest.WithWebhook(rc.URL, "k"), moveotest.WithBrain(brain))
	id := newSession(t, s, map[string]any{"external_session_id": "e"})
	say(t, s, id, "quiet")
	say(t, s, id, "menu")
	wait(t, s)
	got := rc.JSON(t)
	require.Len(t, got, 1, "a brain that returns nothing sends no event")
	assert.Equal(t, []any{
		map[string]any{"type": "text", "text": "Pick one", "options": []any{map[string]any{"label": "Track Order", "text": "Track my order"}}},
		map[string]any{"type": "pause"},
	}, got[0]["output"].(map[string]any)["responses"])
	require.Len(t, seen, 2)
	assert.Equal(t, "e", seen[1].ExternalSessionID)
	assert.Len(t, seen[1].History, 1, "the quiet message; no brain reply to it")
}

func TestHandoverResponseGivesTheSessionToTheDesk(t *testing.T) {
	t.Parallel()
	clock := moveotest.NewClock(t0)
	rc := newReceiver(t)
	s := moveotest.NewServer(t, moveotest.WithClock(clock), moveotest.WithWebhook(rc.URL, "k"),
		moveotest.WithBrain(func(in moveotest.BrainInput) []json.RawMessage {
			if in.Text == "human please" {
				return []json.RawMessage{moveotest.HandoverResponse("Transferring you to a human agent...", "desk-123", "support")}
			}
			return moveotest.EchoBrain(in)
		}))
	id := newSession(t, s, map[string]any{"channel_user_id": "user-789"})
	say(t, s, id, "human please")
	wait(t, s)
	ss, _ := s.Session(id)
	assert.True(t, ss.WithDesk)
	assert.Equal(t, "desk-123", ss.DeskID)
	assert.Equal(t, "support", ss.DepartmentID)

	say(t, s, id, "hello?")
	wait(t, s)
	assert.Equal(t, []string{"message:brain_send"}, eventTypes(t, rc), "the brain does not answer while the desk has it")

	desk := s.Desk()
	require.NoError(t, desk.Join(id))
	require.NoError(t, desk.Type(id))
	require.NoError(t, desk.Say(id, "Hi! I'm Sarah from support. How can I help you?"))
	require.NoError(t, desk.StopTyping(id))
	require.NoError(t, desk.Read(id))
	require.NoError(t, desk.Leave(id))
	require.NoError(t, desk.Close(id))
	wait(t, s)
	got := rc.JSON(t)
	require.Len(t, got, 8)
	base := func(e map[string]any) {
		t.Helper()
		assert.Equal(t, id, e["session_id"])
		assert.Equal(t, "desk-123", e["desk_id"], "the handover's desk")
		assert.Equal(t, s.IntegrationID(), e["integration_id"])
		assert.Regexp(t, uuidPattern, e["request_id"])
		assert.Contains(t, e, "external_session_id")
		assert.Contains(t, e, "context")
		assert.Contains(t, e, "timestamp")
	}
	byType := map[string][]map[string]any{}
	for _, e := range got[1:] {
		base(e)
		byType[e["event_type"].(string)] = append(byType[e["event_type"].(string)], e)
	}
	member := map[string]any{"author_id": "agent-123", "author_name": "Sarah Johnson", "author_type": "agent"}
	assert.Subset(t, byType["conversation:member_join"][0], member)
	assert.Subset(t, byType["conversation:member_leave"][0], member)
	require.Len(t, byType["message:compose"], 2)
	var actions []any
	for _, e := range byType["message:compose"] {
		assert.Subset(t, e, member)
		actions = append(actions, e["action"])
	}
	assert.ElementsMatch(t, []any{"start", "stop"}, actions)
	send := byType["message:send"][0]
	assert.Equal(t, map[string]any{"agent_id": "agent-123", "agent_name": "Sarah Johnson",
		"agent_avatar": "https://example.com/avatars/sarah.jpg", "team_id": "support-team"}, send["from"])
	assert.Equal(t, map[string]any{"user_id": "user-789"}, send["to"])
	assert.Equal(t, map[string]any{"text": "Hi! I'm Sarah from support. How can I help you?", "attachments": []any{}}, send["body"])
	assert.Equal(t, "agent", byType["message:read"][0]["author_type"])
	assert.Subset(t, byType["conversation:closed"][0], map[string]any{"status": "resolved", "agent_id": "agent-123", "agent_name": "Sarah Johnson"})

	ss, _ = s.Session(id)
	assert.False(t, ss.WithDesk)
	assert.True(t, ss.Resolved)
	var authors []string
	for _, m := range ss.Messages {
		authors = append(authors, m.Author)
	}
	assert.Equal(t, []string{"user", "brain", "user", "agent"}, authors)

	say(t, s, id, "thanks")
	wait(t, s)
	assert.Equal(t, "message:brain_send", eventTypes(t, rc)[8], "the brain answers again after the close")
}

func TestDeskReopenGoesBackToTheDesk(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t)
	s := moveotest.NewServer(t, moveotest.WithWebhook(rc.URL, "k"))
	id := newSession(t, s, nil)
	desk := s.Desk().As(moveotest.Agent{ID: "agent-9", Name: "Ana"})
	assert.Equal(t, "agent-9", desk.Agent().ID)
	require.NoError(t, desk.Join(id))
	require.NoError(t, desk.Close(id))
	require.NoError(t, desk.Reopen(id))
	wait(t, s)
	ss, _ := s.Session(id)
	assert.True(t, ss.WithDesk)
	assert.False(t, ss.Resolved)
	say(t, s, id, "still there?")
	wait(t, s)
	assert.ElementsMatch(t, []string{"conversation:member_join", "conversation:closed", "conversation:reopened"}, eventTypes(t, rc))
	assert.ErrorIs(t, desk.Join("nope"), moveotest.ErrSessionNotFound)
}

func TestChannelCallsDriveTheConversation(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t)
	s := moveotest.NewServer(t, moveotest.WithWebhook(rc.URL, "k"))
	id := newSession(t, s, nil)
	r := api(t, s, "POST", "/"+id+"/handover", map[string]any{"desk_id": "desk-2", "department_id": "billing"})
	require.Equal(t, 200, r.Status, "%s", r.Body)
	ss, _ := s.Session(id)
	assert.True(t, ss.WithDesk)
	assert.Equal(t, "desk-2", ss.DeskID)
	say(t, s, id, "anyone?")
	wait(t, s)
	assert.Empty(t, rc.Calls(), "a handover call emits nothing, and the brain is quiet")

	require.Equal(t, 200, api(t, s, "POST", "/"+id+"/conversation/close", `{}`).Status)
	wait(t, s)
	got := rc.JSON(t)
	require.Len(t, got, 1)
	assert.Equal(t, "conversation:closed", got[0]["event_type"])
	assert.Equal(t, "resolved", got[0]["status"])
	assert.NotContains(t, got[0], "agent_id", "no agent closed it")

	require.Equal(t, 200, api(t, s, "POST", "/"+id+"/conversation/reopen", `{}`).Status)
	wait(t, s)
	assert.Equal(t, []string{"conversation:closed", "conversation:reopened"}, eventTypes(t, rc))
	ss, _ = s.Session(id)
	assert.True(t, ss.WithDesk, "back to the desk that had it")
}

func TestBrokenBrainFailsTheTest(t *testing.T) {
	t.Parallel()
	rec := &recordingTB{TB: t}
	s := moveotest.NewServer(rec, moveotest.WithBrain(func(moveotest.BrainInput) []json.RawMessage {
		return []json.RawMessage{json.RawMessage(`"just text"`)}
	}))
	id := newSession(t, s, nil)
	r := api(t, s, "POST", "/"+id+"/messages", map[string]any{"input": map[string]any{"text": "hi"}})
	assert.Equal(t, 500, r.Status)
	assert.Equal(t, "internal_error", r.JSON(t)["error_code"])
	assert.True(t, rec.failed())

	s.SetBrain(func(moveotest.BrainInput) []json.RawMessage { panic("boom") })
	r = api(t, s, "POST", "/"+id+"/messages", map[string]any{"input": map[string]any{"text": "hi"}})
	assert.Equal(t, 500, r.Status)
}
