package moveo_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/handoff"
	"github.com/botbridge/botbridge/moveo"
)

func mustParse(t *testing.T, payload string) moveo.Event {
	t.Helper()
	ev, err := moveo.ParseEvent([]byte(payload))
	require.NoError(t, err)
	return ev
}

func TestHandoffEvent(t *testing.T) {
	t.Parallel()
	meta := func(typ string, kv ...string) map[string]string {
		m := map[string]string{moveo.MetaEventType: typ}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	hev := func(id string, kind handoff.Kind, actor string, m map[string]string) handoff.Event {
		return handoff.Event{ID: id, Conversation: "sess-456", Kind: kind, Actor: actor, OccurredAt: docTime, Meta: m}
	}
	handover := brainSendWith(docText, docHandover)
	handoverNoIDs := brainSendWith(`{"type":"handover","text":"One moment"}`)
	tests := []struct {
		name    string
		payload string
		want    handoff.Event
		ok      bool
	}{
		{"brain_send text", docBrainSend, hev("req-123:message:brain_send", handoff.BotMessage, "brain", meta("message:brain_send")), true},
		{"brain_send handover", handover, hev("req-123:message:brain_send", handoff.HandoffRequested, "brain",
			meta("message:brain_send", moveo.MetaDeskID, "desk-123", moveo.MetaDepartmentID, "support")), true},
		{"brain_send handover without ids", handoverNoIDs, hev("req-123:message:brain_send", handoff.HandoffRequested, "brain", meta("message:brain_send")), true},
		{"agent message", docAgentMessage, hev("req-456:message:send", handoff.HumanMessage, "agent-123", meta("message:send")), true},
		{"agent typing start", docTyping, hev("req-789:message:compose", handoff.HumanTyping, "agent-123", meta("message:compose")), true},
		{"agent typing stop", strings.Replace(docTyping, `"start"`, `"stop"`, 1), handoff.Event{}, false},
		{"brain typing", strings.Replace(docTyping, `"author_type": "agent"`, `"author_type": "brain"`, 1), handoff.Event{}, false},
		{"read", docRead, handoff.Event{}, false},
		{"delivered", docDelivered, handoff.Event{}, false},
		{"member join", docMemberJoin, hev("req-103:conversation:member_join", handoff.HumanJoined, "agent-123", meta("conversation:member_join")), true},
		{"brain joins", strings.Replace(docMemberJoin, `"author_type": "agent"`, `"author_type": "brain"`, 1), handoff.Event{}, false},
		{"member leave", docMemberLeave, hev("req-104:conversation:member_leave", handoff.HumanLeft, "agent-123", meta("conversation:member_leave")), true},
		{"brain leaves", strings.Replace(docMemberLeave, `"author_type": "agent"`, `"author_type": "brain"`, 1), handoff.Event{}, false},
		{"closed", docConversationClosed, hev("req-105:conversation:closed", handoff.Closed, "agent-123", meta("conversation:closed")), true},
		{"reopened", docConversationReopened, hev("req-106:conversation:reopened", handoff.Reopened, "", meta("conversation:reopened")), true},
		{"session closed", docSessionClosed, hev("req-107:session:closed", handoff.SessionEnded, "", meta("session:closed")), true},
		{"session expired", docSessionExpired, hev("req-108:session:expired", handoff.SessionEnded, "", meta("session:expired")), true},
		{"unknown", `{"event_type":"message:reaction","request_id":"r","session_id":"s","timestamp":1}`, handoff.Event{}, false},
		{"no session", strings.Replace(docAgentMessage, `"session_id": "sess-456",`, ``, 1), handoff.Event{}, false},
		{"no request id", strings.Replace(docAgentMessage, `"request_id": "req-456",`, ``, 1),
			hev("", handoff.HumanMessage, "agent-123", meta("message:send")), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := moveo.HandoffEvent(mustParse(t, tt.payload))
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.want, got)
		})
	}
	got, ok := moveo.HandoffEvent(nil)
	assert.False(t, ok)
	assert.Zero(t, got)
}

func TestBrainSendHandover(t *testing.T) {
	t.Parallel()
	ev := mustParse(t, brainSendWith(docText, docHandover, `{"type":"handover","desk_id":"second"}`)).(*moveo.BrainSendEvent)
	h, ok := ev.Handover()
	require.True(t, ok)
	assert.Equal(t, "desk-123", h.DeskID, "the first one")
	_, ok = mustParse(t, docBrainSend).(*moveo.BrainSendEvent).Handover()
	assert.False(t, ok)
}

// The whole story through a real handoff.Controller: the AI agent hands
// over, an agent joins and writes (the bot must not answer), a retry of the
// agent's message changes nothing, the conversation is closed (the bot may
// answer again), reopened (quiet again), and the session ends.
func TestHandoffEventDrivesController(t *testing.T) {
	t.Parallel()
	now := docTime.Add(time.Second)
	ctl, err := handoff.New(nil, handoff.WithClock(func() time.Time { return now }))
	require.NoError(t, err)
	ctx := context.Background()
	observe := func(payload string) handoff.Transition {
		t.Helper()
		hev, ok := moveo.HandoffEvent(mustParse(t, payload))
		require.True(t, ok)
		tr, err := ctl.Observe(ctx, hev)
		require.NoError(t, err)
		return tr
	}
	decide := func() handoff.Decision {
		t.Helper()
		d, err := ctl.Decide(ctx, "sess-456")
		require.NoError(t, err)
		return d
	}
	at := func(payload string, d time.Duration) string {
		ms := docTime.Add(d).UnixMilli()
		return strings.Replace(payload, "1704067200000", strconv.FormatInt(ms, 10), 1)
	}

	assert.True(t, decide().Allow, "no record: the bot")
	observe(docBrainSend)
	assert.True(t, decide().Allow, "the AI agent's own reply changes nothing")

	observe(at(brainSendWith(docHandover), time.Second))
	assert.Equal(t, handoff.Pending, decide().State)
	assert.False(t, decide().Allow, "handover requested: the bot stays quiet")

	now = now.Add(time.Minute)
	observe(at(docMemberJoin, time.Minute))
	observe(at(docAgentMessage, time.Minute+time.Second))
	d := decide()
	assert.Equal(t, handoff.Human, d.State)
	assert.False(t, d.Allow, "a human agent wrote: the bot must not answer")

	// Moveo's retry of the agent's message is a no-op.
	tr := observe(at(docAgentMessage, time.Minute+time.Second))
	assert.Equal(t, tr.From, tr.To)

	now = now.Add(time.Minute)
	observe(at(docConversationClosed, 2*time.Minute))
	assert.True(t, decide().Allow, "closed: the bot answers again")

	now = now.Add(time.Minute)
	observe(at(docConversationReopened, 3*time.Minute))
	assert.False(t, decide().Allow, "reopened by the desk: human activity")

	now = now.Add(time.Minute)
	observe(at(docSessionExpired, 4*time.Minute))
	assert.True(t, decide().Allow, "session ended: the bot owns what comes next")
}
