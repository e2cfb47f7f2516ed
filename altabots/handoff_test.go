package altabots

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/handoff"
)

func mustEstablish(t *testing.T, body string) *EstablishRequest {
	t.Helper()
	req, err := ParseEstablish([]byte(body))
	require.NoError(t, err)
	return req
}

func TestHandoffEvents(t *testing.T) {
	t.Parallel()
	establishAt := docTimestamp.Time()
	chat, err := ParseChat([]byte(docChat))
	require.NoError(t, err)
	userClosed, err := ParseClose([]byte(docClose))
	require.NoError(t, err)
	timedOut, err := ParseClose([]byte(strings.Replace(docClose, "USER_CLOSED", "TIMEOUT", 1)))
	require.NoError(t, err)
	noTime := mustEstablish(t, strings.Replace(docEstablish, `"timestamp": 1742265090895,`, ``, 1))
	botMeta := map[string]string{MetaBotID: docBotID}

	for _, tc := range []struct {
		name string
		req  any
		want []handoff.Event
	}{
		{"establish", mustEstablish(t, docEstablish), []handoff.Event{
			{
				ID: "altabots:67d8db020fa31d1ef64f53dg:establish.requested:1742265090895", Conversation: docConversation,
				Kind: handoff.HandoffRequested, Actor: ActorAltaBots, OccurredAt: establishAt, Meta: botMeta,
			},
			{
				ID: "altabots:67d8db020fa31d1ef64f53dg:establish.joined:1742265090895", Conversation: docConversation,
				Kind: handoff.HumanJoined, Actor: ActorDesk, OccurredAt: establishAt, Meta: botMeta,
			},
		}},
		{"establish without timestamp", noTime, []handoff.Event{
			{Conversation: docConversation, Kind: handoff.HandoffRequested, Actor: ActorAltaBots, Meta: botMeta},
			{Conversation: docConversation, Kind: handoff.HumanJoined, Actor: ActorDesk, Meta: botMeta},
		}},
		{"chat", chat, []handoff.Event{{
			ID: chatID(chat), Conversation: docConversation, Kind: handoff.UserMessage, Actor: ActorUser,
			OccurredAt: time.UnixMilli(1742265150895).UTC(),
		}}},
		{"user closed", userClosed, []handoff.Event{{
			ID: "altabots:67d8db020fa31d1ef64f53dg:close:1742265390895", Conversation: docConversation, Kind: handoff.Closed,
			Actor: ActorUser, OccurredAt: time.UnixMilli(1742265390895).UTC(), Meta: map[string]string{MetaReason: "USER_CLOSED"},
		}}},
		{"timed out", timedOut, []handoff.Event{{
			ID: "altabots:67d8db020fa31d1ef64f53dg:close:1742265390895", Conversation: docConversation, Kind: handoff.Closed,
			Actor: ActorAltaBots, OccurredAt: time.UnixMilli(1742265390895).UTC(), Meta: map[string]string{MetaReason: "TIMEOUT"},
		}}},
		{"nil establish", (*EstablishRequest)(nil), nil},
		{"nil chat", (*ChatRequest)(nil), nil},
		{"nil close", (*CloseRequest)(nil), nil},
		{"value, not pointer", *chat, nil},
		{"something else", "establish", nil},
		{"nil", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, HandoffEvents(tc.req))
		})
	}
}

func chatID(req *ChatRequest) string {
	return eventID(req.ConversationID, "chat", req.Timestamp, req.Body)
}

// The same call gives the same IDs; two messages in one millisecond do
// not.
func TestHandoffEventIDs(t *testing.T) {
	t.Parallel()
	a := HandoffEvents(mustEstablish(t, docEstablish))
	b := HandoffEvents(mustEstablish(t, docEstablish))
	assert.Equal(t, a, b)
	assert.NotEqual(t, a[0].ID, a[1].ID)

	first, err := ParseChat([]byte(docChat))
	require.NoError(t, err)
	second, err := ParseChat([]byte(strings.Replace(docChat, "My order never arrived.", "Hello?", 1)))
	require.NoError(t, err)
	assert.Equal(t, HandoffEvents(first)[0].ID, HandoffEvents(first)[0].ID)
	assert.NotEqual(t, HandoffEvents(first)[0].ID, HandoffEvents(second)[0].ID)
	assert.True(t, strings.HasPrefix(HandoffEvents(first)[0].ID, "altabots:67d8db020fa31d1ef64f53dg:chat:1742265150895:"))
}

func TestDeskEvents(t *testing.T) {
	t.Parallel()
	at := time.Date(2025, 3, 18, 2, 32, 0, 0, time.UTC)
	assert.Equal(t, handoff.Event{Conversation: "c1", Kind: handoff.HumanMessage, Actor: ActorDesk, OccurredAt: at}, ReplyEvent("c1", at))
	assert.Equal(t, handoff.Event{
		Conversation: "c1", Kind: handoff.Closed, Actor: ActorDesk, OccurredAt: at,
		Meta: map[string]string{MetaReason: ReasonDesk},
	}, DeskClosedEvent("c1", at))
}

// Driven through a handoff.Controller: an accepted establish gives the
// conversation to a human, a redelivered establish changes nothing, the
// user's message keeps it there, the desk's reply extends it, and a close
// hands it back to the bot.
func TestHandoffEventsDriveController(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	now := docTimestamp.Time().Add(time.Second)
	ctl, err := handoff.New(nil, handoff.WithClock(func() time.Time { return now }))
	require.NoError(t, err)
	state := func() handoff.State {
		d, err := ctl.Decide(ctx, docConversation)
		require.NoError(t, err)
		return d.State
	}
	observe := func(req any) {
		for _, ev := range HandoffEvents(req) {
			_, err := ctl.Observe(ctx, ev)
			require.NoError(t, err)
		}
	}

	assert.Equal(t, handoff.Bot, state())
	observe(mustEstablish(t, docEstablish))
	assert.Equal(t, handoff.Human, state())
	observe(mustEstablish(t, docEstablish))
	assert.Equal(t, handoff.Human, state())

	chat, err := ParseChat([]byte(docChat))
	require.NoError(t, err)
	observe(chat)
	assert.Equal(t, handoff.Human, state())
	_, err = ctl.Observe(ctx, ReplyEvent(docConversation, now))
	require.NoError(t, err)
	assert.Equal(t, handoff.Human, state())

	cl, err := ParseClose([]byte(docClose))
	require.NoError(t, err)
	now = cl.Timestamp.Time().Add(time.Second)
	observe(cl)
	assert.Equal(t, handoff.Bot, state())

	// The desk closing a new handoff hands it back as well.
	later := strings.Replace(docEstablish, "1742265090895", "1742265490895", 1)
	now = time.UnixMilli(1742265490895 + 1000)
	observe(mustEstablish(t, later))
	assert.Equal(t, handoff.Human, state())
	_, err = ctl.Observe(ctx, DeskClosedEvent(docConversation, now))
	require.NoError(t, err)
	assert.Equal(t, handoff.Bot, state())
}
