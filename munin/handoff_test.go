package munin_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/handoff"
	"github.com/botbridge/botbridge/munin"
)

func hoParse(t *testing.T, typ, id, payload string) munin.Event {
	t.Helper()
	ev, err := munin.ParseEvent([]byte(evtDelivery(typ, id, payload)))
	require.NoError(t, err)
	return ev
}

func hoMeta(typ string, kv ...string) map[string]string {
	m := map[string]string{munin.MetaType: typ}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

func TestHandoffEventMapping(t *testing.T) {
	const id = "evt_0k2m9x7q1w3e5r7t9y1u3i"
	msg := func(author string) string {
		return `{"internal":false,"messageId":"` + evtMsg + `","authorType":"` + author + `","conversationId":"` + evtConv + `"}`
	}
	base := func(kind handoff.Kind, actor string, meta map[string]string) handoff.Event {
		return handoff.Event{ID: id, Conversation: evtConv, Kind: kind, Actor: actor, OccurredAt: evtCreatedAt, Meta: meta}
	}
	takenOver := func(expires string) string {
		return `{"holderId":"` + evtUser + `","expiresAt":` + expires + `,"holderType":"user","conversationId":"` + evtConv + `"}`
	}
	withHold := func(ev handoff.Event, hold time.Duration) handoff.Event { ev.Hold = hold; return ev }

	cases := []struct {
		name    string
		typ     string
		payload string
		want    handoff.Event
		ok      bool
		// viaFilter is what EchoFilter.HandoffEvent gives when it does not
		// know the message; nil means the same as want.
		viaFilter *handoff.Event
	}{
		{"dashboard reply", munin.TypeMessageSent, msg("user"),
			base(handoff.HumanMessage, "user", hoMeta(munin.TypeMessageSent, munin.MetaMessageID, evtMsg)), true, nil},
		{"agent post", munin.TypeMessageSent, msg("agent"),
			base(handoff.BotMessage, "agent", hoMeta(munin.TypeMessageSent, munin.MetaMessageID, evtMsg)), true,
			ptr(base(handoff.HumanMessage, "agent", hoMeta(munin.TypeMessageSent, munin.MetaMessageID, evtMsg)))},
		{"system post", munin.TypeMessageSent, msg("system"), handoff.Event{}, false, nil},
		{"unknown author type", munin.TypeMessageSent, msg("robot"), handoff.Event{}, false, nil},
		{"visitor message", munin.TypeMessageReceived, msg("end_user"),
			base(handoff.UserMessage, "end_user", hoMeta(munin.TypeMessageReceived, munin.MetaMessageID, evtMsg)), true, nil},
		{"take-over", munin.TypeTakenOver, takenOver(`"` + evtExpires + `"`),
			withHold(base(handoff.TakeOver, evtUser, hoMeta(munin.TypeTakenOver)), 30*time.Minute), true, nil},
		{"four-hour take-over", munin.TypeTakenOver, takenOver(`"2026-07-02T14:00:00.123Z"`),
			withHold(base(handoff.TakeOver, evtUser, hoMeta(munin.TypeTakenOver)), 4*time.Hour), true, nil},
		{"take-over already expired", munin.TypeTakenOver, takenOver(`"2026-07-02T09:00:00.000Z"`),
			base(handoff.TakeOver, evtUser, hoMeta(munin.TypeTakenOver)), true, nil},
		{"take-over without expiry", munin.TypeTakenOver, takenOver(`null`),
			base(handoff.TakeOver, evtUser, hoMeta(munin.TypeTakenOver)), true, nil},
		{"released", munin.TypeReleased, `{"holderId":"` + evtUser + `","holderType":"user","conversationId":"` + evtConv + `"}`,
			base(handoff.HandBack, evtUser, hoMeta(munin.TypeReleased)), true, nil},
		{"assigned", munin.TypeAssigned, `{"assigneeUserId":"` + evtUser + `","conversationId":"` + evtConv + `"}`,
			base(handoff.HumanJoined, evtUser, hoMeta(munin.TypeAssigned)), true, nil},
		{"unassigned", munin.TypeAssigned, `{"assigneeUserId":null,"conversationId":"` + evtConv + `"}`,
			base(handoff.HandBack, "", hoMeta(munin.TypeAssigned)), true, nil},
		{"closed", munin.TypeStatusChanged, `{"status":"closed","conversationId":"` + evtConv + `"}`,
			base(handoff.Closed, "", hoMeta(munin.TypeStatusChanged)), true, nil},
		{"reopened", munin.TypeStatusChanged, `{"status":"open","conversationId":"` + evtConv + `"}`, handoff.Event{}, false, nil},
		{"snoozed", munin.TypeStatusChanged, `{"status":"snoozed","conversationId":"` + evtConv + `"}`, handoff.Event{}, false, nil},
		{"spam", munin.TypeStatusChanged, `{"status":"spam","conversationId":"` + evtConv + `"}`, handoff.Event{}, false, nil},
		{"handover requested", munin.TypeHandoverRequested, `{"reason":"wants a person","conversationId":"` + evtConv + `"}`,
			base(handoff.HandoffRequested, "", hoMeta(munin.TypeHandoverRequested, munin.MetaReason, "wants a person")), true, nil},
		{"handover requested without reason", munin.TypeHandoverRequested, `{"reason":null,"conversationId":"` + evtConv + `"}`,
			base(handoff.HandoffRequested, "", hoMeta(munin.TypeHandoverRequested)), true, nil},
		{"handover resolved", munin.TypeHandoverResolved, `{"messageId":"` + evtMsg + `","authorType":"user","conversationId":"` + evtConv + `"}`,
			handoff.Event{}, false, nil},
		{"created", munin.TypeConversationCreated, `{"displayId":1,"conversationId":"` + evtConv + `"}`, handoff.Event{}, false, nil},
		{"agent mode", munin.TypeAgentModeChanged, `{"agentMode":"off","conversationId":"` + evtConv + `"}`, handoff.Event{}, false, nil},
		{"subject", munin.TypeSubjectChanged, `{"subject":"x","conversationId":"` + evtConv + `"}`, handoff.Event{}, false, nil},
		{"greet", munin.TypeGreetRequested, `{"conversationId":"` + evtConv + `"}`, handoff.Event{}, false, nil},
		{"read", munin.TypeMessageRead, `{"readAt":"` + evtReadAt + `","conversationId":"` + evtConv + `"}`, handoff.Event{}, false, nil},
		{"revised", munin.TypeMessageBodyRevised, `{"conversationId":"` + evtConv + `"}`, handoff.Event{}, false, nil},
		{"opened", munin.TypeMessageOpened, `{"messageId":"` + evtMsg + `"}`, handoff.Event{}, false, nil},
		{"voice", munin.TypeVoiceCallEnded, `{"conversationId":"` + evtConv + `"}`, handoff.Event{}, false, nil},
		{"delivered", munin.TypeMessageDelivered, `{"conversationId":"` + evtConv + `"}`, handoff.Event{}, false, nil},
		{"delivery failed", munin.TypeMessageDeliveryFailed, `{"conversationId":"` + evtConv + `"}`, handoff.Event{}, false, nil},
		{"unknown type", "curator_job.pending", `{"conversationId":"` + evtConv + `"}`, handoff.Event{}, false, nil},
		{"reply without a conversation", munin.TypeMessageSent, `{"authorType":"user","messageId":"` + evtMsg + `"}`, handoff.Event{}, false, nil},
		{"release without a conversation", munin.TypeReleased, `{}`, handoff.Event{}, false, nil},
	}
	empty := munin.NewEchoFilter(0)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ev := hoParse(t, tc.typ, id, tc.payload)

			got, ok := munin.HandoffEvent(ev)
			assert.Equal(t, tc.ok, ok)
			assert.Equal(t, tc.want, got)

			want := tc.want
			if tc.viaFilter != nil {
				want = *tc.viaFilter
			}
			got, ok = empty.HandoffEvent(ev)
			assert.Equal(t, tc.ok, ok)
			assert.Equal(t, want, got, "through a filter that does not know the message")

			var nilFilter *munin.EchoFilter
			got, ok = nilFilter.HandoffEvent(ev)
			assert.Equal(t, tc.ok, ok)
			assert.Equal(t, tc.want, got, "a nil filter maps as the package does")

			if tc.ok {
				assert.NoError(t, validHandoffEvent(got))
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// validHandoffEvent observes hev in a throwaway controller, which checks it.
func validHandoffEvent(hev handoff.Event) error {
	ctl, err := handoff.New(nil, handoff.WithClock(func() time.Time { return evtCreatedAt.Add(time.Minute) }))
	if err != nil {
		return err
	}
	_, err = ctl.Observe(context.Background(), hev)
	return err
}

func TestEchoFilterHandoffEvent(t *testing.T) {
	f := munin.NewEchoFilter(0)
	f.Remember("cvm_bot_post_00000000000")
	bot := hoParse(t, munin.TypeMessageSent, "evt_1",
		`{"internal":false,"messageId":"cvm_bot_post_00000000000","authorType":"agent","conversationId":"`+evtConv+`"}`)
	ai := hoParse(t, munin.TypeMessageSent, "evt_2",
		`{"internal":false,"messageId":"cvm_munin_ai_00000000000","authorType":"agent","conversationId":"`+evtConv+`"}`)

	got, ok := f.HandoffEvent(bot)
	require.True(t, ok)
	assert.Equal(t, handoff.BotMessage, got.Kind, "the bot's own echo")
	got, ok = f.HandoffEvent(ai)
	require.True(t, ok)
	assert.Equal(t, handoff.HumanMessage, got.Kind, "another agent spoke")
	assert.Equal(t, "agent", got.Actor)

	// The package function takes every agent post for the bot's own.
	got, _ = munin.HandoffEvent(ai)
	assert.Equal(t, handoff.BotMessage, got.Kind)
}

func TestHandoffEventOldDocEnvelopeUsesMessageID(t *testing.T) {
	ev, err := munin.ParseEvent([]byte(evtOldDocDelivery))
	require.NoError(t, err)
	got, ok := munin.HandoffEvent(ev)
	require.True(t, ok)
	assert.Equal(t, "cvm_…", got.ID, "no event id: the message id identifies it")
	assert.Equal(t, handoff.HumanMessage, got.Kind)
	assert.Equal(t, time.Date(2026, 4, 30, 10, 0, 0, 0, time.UTC), got.OccurredAt)
}

// hoBot is a bot wired as the package doc recommends: Munin's webhook feeds
// a handoff.Controller through NewWebhookHandler and HandoffEvent, and the
// bot asks the controller before it speaks.
type hoBot struct {
	t       *testing.T
	clock   *whClock
	ctl     *handoff.Controller
	handler http.Handler
	n       int
}

func newHoBot(t *testing.T, mapper func(munin.Event) (handoff.Event, bool)) *hoBot {
	b := &hoBot{t: t, clock: &whClock{now: evtCreatedAt}}
	var err error
	b.ctl, err = handoff.New(nil, handoff.WithClock(b.clock.Now))
	require.NoError(t, err)
	b.handler, err = munin.NewWebhookHandler(whSecret, func(ctx context.Context, ev munin.Event) error {
		if hev, ok := mapper(ev); ok {
			_, err := b.ctl.Observe(ctx, hev)
			return err
		}
		return nil
	}, munin.WithClock(b.clock.Now))
	require.NoError(t, err)
	return b
}

// deliver sends a delivery of typ created now, with a fresh event and
// delivery id, and returns the event id.
func (b *hoBot) deliver(typ string, payload map[string]any) string {
	b.t.Helper()
	b.n++
	id := evtID(1000 + b.n)
	b.deliverAs(id, "whd_"+id[4:], typ, payload)
	return id
}

func (b *hoBot) deliverAs(eventID, deliveryID, typ string, payload map[string]any) {
	b.t.Helper()
	p, err := json.Marshal(payload)
	require.NoError(b.t, err)
	body := `{"type":"` + typ + `","id":"` + eventID + `","orgId":"` + evtOrg + `","correlationId":null,"createdAt":"` +
		b.clock.Now().Format("2006-01-02T15:04:05.000Z") + `","payload":` + string(p) + `}`
	rec := whServe(b.handler, whRequest([]byte(body), whSecret, deliveryID))
	require.Contains(b.t, []int{http.StatusNoContent, http.StatusOK}, rec.Code, body)
}

func (b *hoBot) mayReply() bool {
	b.t.Helper()
	d, err := b.ctl.Decide(context.Background(), evtConv)
	require.NoError(b.t, err)
	return d.Allow
}

func (b *hoBot) advance(d time.Duration) { b.clock.Set(b.clock.Now().Add(d)) }

func hoMessage(author, messageID string) map[string]any {
	return map[string]any{"internal": false, "messageId": messageID, "authorType": author, "conversationId": evtConv}
}

func TestHandoffEndToEnd(t *testing.T) {
	b := newHoBot(t, munin.HandoffEvent)

	b.deliver(munin.TypeMessageReceived, hoMessage("end_user", "cvm_visitor_1"))
	assert.True(t, b.mayReply(), "a visitor message never takes the conversation from the bot")

	b.deliver(munin.TypeMessageSent, hoMessage("agent", "cvm_bot_1"))
	assert.True(t, b.mayReply(), "the bot's own echo does not silence it")

	b.advance(time.Minute)
	reply := b.deliver(munin.TypeMessageSent, hoMessage("user", "cvm_human_1"))
	assert.False(t, b.mayReply(), "a dashboard reply: the bot stays quiet")

	b.advance(29 * time.Minute)
	b.deliver(munin.TypeMessageReceived, hoMessage("end_user", "cvm_visitor_2"))
	assert.False(t, b.mayReply(), "still within Munin's 30 minute claim")

	// Munin redelivers the reply to a second webhook of the same endpoint:
	// same event id, another delivery id. The controller ignores it.
	b.deliverAs(reply, "whd_second_webhook_00000", munin.TypeMessageSent, hoMessage("user", "cvm_human_1"))

	b.advance(time.Minute)
	assert.True(t, b.mayReply(), "the claim expired silently; the grace period ended with it")

	b.deliver(munin.TypeTakenOver, map[string]any{"holderId": evtUser, "expiresAt": b.clock.Now().Add(time.Hour).Format(time.RFC3339Nano),
		"holderType": "user", "conversationId": evtConv})
	assert.False(t, b.mayReply(), "taken over")
	b.advance(45 * time.Minute)
	assert.False(t, b.mayReply(), "the claim lasts an hour, longer than the grace period")

	b.deliver(munin.TypeReleased, map[string]any{"holderId": evtUser, "holderType": "user", "conversationId": evtConv})
	assert.True(t, b.mayReply(), "released: the bot resumes at once")

	b.deliver(munin.TypeAssigned, map[string]any{"assigneeUserId": evtUser, "conversationId": evtConv})
	assert.False(t, b.mayReply(), "assigned to a human")
	b.deliver(munin.TypeAssigned, map[string]any{"assigneeUserId": nil, "conversationId": evtConv})
	assert.True(t, b.mayReply(), "unassigned")

	b.deliver(munin.TypeHandoverRequested, map[string]any{"reason": "wants a person", "conversationId": evtConv})
	assert.False(t, b.mayReply(), "a handover is pending")
	b.advance(time.Minute)
	b.deliver(munin.TypeStatusChanged, map[string]any{"status": "closed", "conversationId": evtConv})
	assert.True(t, b.mayReply(), "closed: the bot answers when the visitor writes again")

	b.deliver(munin.TypeStatusChanged, map[string]any{"status": "open", "conversationId": evtConv})
	assert.True(t, b.mayReply(), "reopened by the visitor's message: still the bot's")
}

func TestHandoffEndToEndWithMuninAIOn(t *testing.T) {
	f := munin.NewEchoFilter(0)
	b := newHoBot(t, f.HandoffEvent)

	f.Remember("cvm_bot_1") // what SendMessage returned
	b.deliver(munin.TypeMessageSent, hoMessage("agent", "cvm_bot_1"))
	assert.True(t, b.mayReply(), "the bot's own echo")

	b.advance(time.Minute)
	b.deliver(munin.TypeMessageSent, hoMessage("agent", "cvm_munin_ai_1"))
	assert.False(t, b.mayReply(), "Munin's AI answered: the bot does not talk over it")

	b.advance(30 * time.Minute)
	assert.True(t, b.mayReply(), "after the grace period")
}
