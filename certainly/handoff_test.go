package certainly

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/handoff"
)

func TestHandoffEvent(t *testing.T) {
	t.Parallel()
	key := ConversationKey(testBot, testUser)
	parse := func(body string) Event {
		t.Helper()
		ev, err := ParseEvent([]byte(body))
		require.NoError(t, err)
		return ev
	}
	for _, tt := range []struct {
		name  string
		ev    Event
		kind  handoff.Kind
		actor string
		meta  map[string]string
		ok    bool
	}{
		{"claim", parse(filledClaim), handoff.HandoffRequested, ActorBot,
			map[string]string{MetaModuleID: "mod-handover", MetaSessionID: "sess-81"}, true},
		{"user message", parse(userMessage), handoff.UserMessage, ActorUser, map[string]string{MetaSessionID: "sess-81"}, true},
		{"agent message", parse(`{"interlocutor":"agent","message":"Hi","botId":"` + testBot + `","to":"` + testUser + `"}`),
			handoff.HumanMessage, ActorAgent, nil, true},
		{"bot message", parse(`{"interlocutor":"bot","message":"Hi","botId":"` + testBot + `","to":"` + testUser + `"}`),
			handoff.BotMessage, ActorBot, nil, true},
		{"another interlocutor", parse(`{"interlocutor":"system","botId":"b","userId":"u"}`), 0, "", nil, false},
		{"message without a user", parse(`{"interlocutor":"user","botId":"b"}`), 0, "", nil, false},
		{"message without a bot", parse(`{"interlocutor":"user","userId":"u"}`), 0, "", nil, false},
		{"the page's claim, placeholders", parse(docClaim), 0, "", nil, false},
		{"unknown", parse(`{"event":"x"}`), 0, "", nil, false},
		{"nil", nil, 0, "", nil, false},
		{"nil claim", (*Claim)(nil), 0, "", nil, false},
	} {
		got, ok := HandoffEvent(tt.ev)
		require.Equal(t, tt.ok, ok, tt.name)
		if !ok {
			assert.Equal(t, handoff.Event{}, got, tt.name)
			continue
		}
		assert.Equal(t, key, got.Conversation, tt.name)
		assert.Equal(t, tt.kind, got.Kind, tt.name)
		assert.Equal(t, tt.actor, got.Actor, tt.name)
		assert.Equal(t, tt.meta, got.Meta, tt.name)
		assert.True(t, got.OccurredAt.IsZero(), "Certainly's payloads carry no time")
		assert.NotEmpty(t, got.ID)
	}
}

// Certainly sends no ids: the event ID comes from the body, so the same
// body posted again is the same event, and another body another one.
func TestHandoffEventIDs(t *testing.T) {
	t.Parallel()
	id := func(body string) string {
		ev, err := ParseEvent([]byte(body))
		require.NoError(t, err)
		hev, ok := HandoffEvent(ev)
		require.True(t, ok)
		return hev.ID
	}
	first := id(filledClaim)
	assert.Regexp(t, `^claim:[0-9a-f]{24}$`, first)
	assert.Equal(t, first, id(filledClaim), "a redelivered claim is the same event")
	assert.NotEqual(t, first, id(strings.Replace(filledClaim, "sess-81", "sess-82", 1)))
	assert.Regexp(t, `^message:[0-9a-f]{24}$`, id(userMessage))

	// A claim the program built itself, without Raw, gets an ID from its
	// fields.
	c := &Claim{BotID: testBot, To: testUser}
	a, _ := HandoffEvent(c)
	b, _ := HandoffEvent(&Claim{BotID: testBot, To: testUser})
	assert.Equal(t, a.ID, b.ID)
}

func TestOwnEvents(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	key := ConversationKey(testBot, testUser)
	for _, tt := range []struct {
		make   func(string, string, time.Time) handoff.Event
		kind   handoff.Kind
		prefix string
	}{
		{HandoverEvent, handoff.TakeOver, "handover:"},
		{AgentMessageEvent, handoff.HumanMessage, "agent-message:"},
		{TakeoverEvent, handoff.HandBack, "takeover:"},
	} {
		a, b := tt.make(testBot, testUser, at), tt.make(testBot, testUser, at)
		assert.Equal(t, tt.kind, a.Kind)
		assert.Equal(t, key, a.Conversation)
		assert.Equal(t, ActorAgent, a.Actor)
		assert.Equal(t, at, a.OccurredAt)
		assert.Zero(t, a.Hold, "a take-over lasts the grace period")
		assert.True(t, strings.HasPrefix(a.ID, tt.prefix), a.ID)
		assert.NotEqual(t, a.ID, b.ID, "each call is its own event")
	}
}

// Keys never collide, whatever the ids hold, and parse back.
func TestConversationKey(t *testing.T) {
	t.Parallel()
	pairs := []Conversation{
		{"a", "b/c"}, {"a/b", "c"}, {"a%2Fb", "c"}, {"a", "b%2Fc"}, {"a b", "c"}, {"a+b", "c"},
		{"..", "."}, {"ünï", "😀"}, {testBot, testUser},
	}
	seen := map[string]Conversation{}
	for _, c := range pairs {
		key := ConversationKey(c.BotID, c.UserID)
		assert.Equal(t, key, c.Key())
		if prev, dup := seen[key]; dup {
			t.Errorf("%v and %v share the key %q", prev, c, key)
		}
		seen[key] = c
		back, err := ParseConversationKey(key)
		require.NoError(t, err, key)
		assert.Equal(t, c, back)
	}
	assert.Equal(t, "a%2Fb/c", ConversationKey("a/b", "c"))
	for _, bad := range []string{"", "a", "a/b/c", "/b", "a/", "a%zz/b", "a/%"} {
		_, err := ParseConversationKey(bad)
		assert.Error(t, err, bad)
	}
}
