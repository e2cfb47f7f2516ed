package munin_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/handoff"
	"github.com/botbridge/botbridge/munin"
	"github.com/botbridge/botbridge/munin/munintest"
)

// escalation is one bot, wired as munin's doc describes, against a fake
// Munin on a fake clock: the widget client pushes what the visitor says,
// the admin client posts the bot's replies, the webhook handler feeds every
// delivery to a handoff.Controller.
type escalation struct {
	t       *testing.T
	ctx     context.Context
	munin   *munintest.Server
	clock   *munintest.Clock
	widget  *munin.WidgetClient
	admin   *munin.Client
	ctl     *handoff.Controller
	session string

	mu       sync.Mutex
	received []string       // event types the callback saw, in order
	calls    map[string]int // callback calls per delivery id
	// hookFails makes the endpoint answer 500 to the next deliveries:
	// before the handler runs, or after it ran (lost answer).
	hookFailsBefore, hookFailsAfter int
}

func newEscalation(t *testing.T) *escalation {
	t.Helper()
	ctx := context.Background()
	clock := munintest.NewClock(time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC))
	srv := munintest.NewServer(t, munintest.WithClock(clock),
		munintest.WithDeliverySchedule(30*time.Second, 60*time.Second))
	ch := srv.Channel()
	// The fake's injected 429 asks for 1 s; a shorter cap would give up.
	retry := munin.WithRetry(3, time.Second)

	widget, err := munin.NewWidgetClient(ch.WidgetKey, munin.WithBaseURL(srv.URL),
		munin.WithOrigin(munintest.DefaultOrigin), munin.WithChannel(ch.ID), retry)
	require.NoError(t, err)
	admin, err := munin.NewClient(srv.AdminKey(), munin.WithBaseURL(srv.URL), retry)
	require.NoError(t, err)
	ctl, err := handoff.New(nil, handoff.WithClock(clock.Now))
	require.NoError(t, err)

	e := &escalation{t: t, ctx: ctx, munin: srv, clock: clock, widget: widget, admin: admin, ctl: ctl, session: "vis_abc123"}

	sub, err := admin.Webhooks.Create(ctx, munin.CreateWebhookRequest{URL: "http://placeholder.invalid/"})
	require.NoError(t, err)
	h, err := munin.NewWebhookHandler(sub.Secret.Value(), e.onEvent, munin.WithClock(clock.Now))
	require.NoError(t, err)
	e.calls = map[string]int{}
	hook := httptest.NewServer(e.flaky(h))
	t.Cleanup(hook.Close)
	url := hook.URL + "/webhooks/munin"
	_, err = admin.Webhooks.Update(ctx, sub.ID, munin.UpdateWebhookRequest{URL: &url})
	require.NoError(t, err)
	return e
}

// flaky wraps the webhook endpoint with the failures hookFails* ask for.
func (e *escalation) flaky(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		before := e.hookFailsBefore > 0
		after := !before && e.hookFailsAfter > 0
		if before {
			e.hookFailsBefore--
		} else if after {
			e.hookFailsAfter--
		}
		e.mu.Unlock()
		switch {
		case before:
			http.Error(w, "down", http.StatusInternalServerError)
		case after:
			h.ServeHTTP(httptest.NewRecorder(), r) // processed, answer lost
			http.Error(w, "lost", http.StatusBadGateway)
		default:
			h.ServeHTTP(w, r)
		}
	})
}

// onEvent is the bot's webhook callback.
func (e *escalation) onEvent(ctx context.Context, ev munin.Event) error {
	e.mu.Lock()
	e.received = append(e.received, ev.EventEnvelope().Type)
	e.calls[munin.DeliveryID(ctx)]++
	e.mu.Unlock()
	if hev, ok := munin.HandoffEvent(ev); ok {
		_, err := e.ctl.Observe(ctx, hev)
		return err
	}
	return nil
}

// visitorSays pushes one visitor message with the id the bot's own channel
// gave it, as a widget bot does.
func (e *escalation) visitorSays(id, body string) munin.PushResult {
	e.t.Helper()
	res, err := e.widget.Push(e.ctx, munin.Push{
		SessionID: e.session,
		Visitor:   &munin.Visitor{Name: "Vita", Email: "vita@example.com"},
		URL:       "https://shop.example/checkout",
		Messages:  []munin.WidgetMessage{{Body: body, ProviderMessageID: e.session + ":" + id}},
	})
	require.NoError(e.t, err)
	e.deliver()
	return res
}

// botAnswers replies through the Decide → Commit fence when the bot may.
func (e *escalation) botAnswers(conv, body string) bool {
	e.t.Helper()
	d, err := e.ctl.Decide(e.ctx, conv)
	require.NoError(e.t, err)
	if !d.Allow {
		return false
	}
	require.NoError(e.t, e.ctl.Commit(e.ctx, d))
	_, err = e.admin.Conversations.SendMessage(e.ctx, conv, munin.SendMessageRequest{Body: body})
	require.NoError(e.t, err)
	e.deliver()
	return true
}

// deliver waits until the fake has delivered every due webhook.
func (e *escalation) deliver() {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(e.ctx, 10*time.Second)
	defer cancel()
	require.NoError(e.t, e.munin.WaitDeliveries(ctx))
}

// bodies returns the public message bodies of conv, in order.
func (e *escalation) bodies(conv string) []string {
	c, ok := e.munin.Conversation(conv)
	require.True(e.t, ok)
	var out []string
	for _, m := range c.PublicMessages() {
		out = append(out, m.AuthorType+": "+m.Body)
	}
	return out
}

func TestEscalationFlow(t *testing.T) {
	t.Parallel()
	e := newEscalation(t)

	conv := e.visitorSays("1", "Where is my order?").ConversationID
	require.True(t, e.botAnswers(conv, "It ships tomorrow."), "nobody else spoke: the bot answers")
	// The bot's own post came back as message.sent by agent: still the bot's.
	d, err := e.ctl.Decide(e.ctx, conv)
	require.NoError(t, err)
	assert.True(t, d.Allow, "the bot's echo must not silence it")

	e.visitorSays("2", "Can I talk to a person?")
	_, err = e.munin.Dashboard().Reply(conv, "Hi Vita, Sam here. Let me look.")
	require.NoError(t, err)
	e.deliver()

	d, err = e.ctl.Decide(e.ctx, conv)
	require.NoError(t, err)
	assert.False(t, d.Allow, "a human replied: the bot stays quiet")
	assert.Equal(t, handoff.Human, d.State)

	// The webhook has no body: the bot reads the reply from the widget feed.
	var human []string
	for m, err := range e.widget.Messages(e.ctx, munin.MessagesRequest{SessionID: e.session}) {
		require.NoError(t, err)
		if m.AuthorKind == "human" {
			human = append(human, m.Body)
		}
	}
	assert.Equal(t, []string{"Hi Vita, Sam here. Let me look."}, human)

	e.visitorSays("3", "Thanks!")
	assert.False(t, e.botAnswers(conv, "You're welcome!"), "the human still owns the conversation")

	// Munin's claim and the bot's grace period both end 30 minutes after
	// the human's reply; neither sends an event.
	e.clock.Advance(31 * time.Minute)
	e.visitorSays("4", "Hello? Anyone?")
	assert.True(t, e.botAnswers(conv, "I'm back: how can I help?"), "the grace period is over")

	assert.Equal(t, []string{
		"end_user: Where is my order?",
		"agent: It ships tomorrow.",
		"end_user: Can I talk to a person?",
		"user: Hi Vita, Sam here. Let me look.",
		"end_user: Thanks!",
		"end_user: Hello? Anyone?",
		"agent: I'm back: how can I help?",
	}, e.bodies(conv))
	e.mu.Lock()
	assert.Contains(t, e.received, "conversation.taken_over")
	e.mu.Unlock()
}

// TestEscalationFlowUnderFaults runs the visitor's side of the flow while
// the fake refuses, fails after storing, and drops connections, and the
// webhook receiver fails once: no message is stored twice, none is lost,
// and the bot still goes quiet and comes back.
func TestEscalationFlowUnderFaults(t *testing.T) {
	t.Parallel()
	e := newEscalation(t)
	const push = "POST /v1/widget/messages"

	conv := e.visitorSays("1", "Where is my order?").ConversationID

	e.munin.FailNext(push, http.StatusTooManyRequests, 1) // with retry-after-public-minute
	e.visitorSays("2", "Hello?")
	e.munin.FailNextAfterCommit(push, http.StatusBadGateway, 1) // stored, then 502
	e.visitorSays("3", "Still there?")
	e.munin.DropNext(push, 1) // connection closed before Munin read it
	e.visitorSays("4", "I need a human.")
	e.munin.DropNextAfterCommit(push, 1) // stored, then the connection closed
	e.visitorSays("5", "Please.")

	// A batch bigger than one push, whose second request fails after
	// storing: the retry skips what was stored.
	var batch []munin.WidgetMessage
	for i := range 60 {
		batch = append(batch, munin.WidgetMessage{Body: fmt.Sprintf("line %d", i)})
	}
	e.munin.FailNextAfterCommit(push, http.StatusBadGateway, 1)
	res, err := e.widget.Push(e.ctx, munin.Push{SessionID: e.session, Messages: batch})
	require.NoError(t, err)
	assert.Equal(t, 60, res.Inserted+res.Skipped)
	e.deliver()

	// The human replies. The bot's endpoint is down for the first
	// deliveries (taken_over, message.sent), so the bot does not know yet.
	e.mu.Lock()
	e.hookFailsBefore = 2
	e.mu.Unlock()
	_, err = e.munin.Dashboard().Reply(conv, "Sam here.")
	require.NoError(t, err)
	e.deliver()
	d, err := e.ctl.Decide(e.ctx, conv)
	require.NoError(t, err)
	assert.True(t, d.Allow, "no delivery arrived yet")

	// Munin delivers again 30 s later; this time the bot processes them but
	// its answers are lost, so Munin delivers a third time, and the
	// handler drops those repeats instead of calling the bot again.
	e.mu.Lock()
	e.hookFailsAfter = 2
	e.mu.Unlock()
	e.clock.Advance(30 * time.Second)
	e.deliver()
	d, err = e.ctl.Decide(e.ctx, conv)
	require.NoError(t, err)
	assert.False(t, d.Allow, "the redelivered human reply silences the bot")
	e.clock.Advance(60 * time.Second)
	e.deliver()
	e.mu.Lock()
	for id, n := range e.calls {
		assert.Equal(t, 1, n, "delivery %s reached the bot %d times", id, n)
	}
	e.mu.Unlock()
	for _, dl := range e.munin.Deliveries() {
		assert.Equal(t, "delivered", dl.Status, "delivery %s of %s", dl.ID, dl.EventType)
	}

	// Every fault was hit: the pushes saw a 429, two 502s and two dropped
	// connections before succeeding.
	faults := map[int]int{}
	for _, r := range e.munin.Requests() {
		if r.Route == push && r.Status != http.StatusCreated {
			faults[r.Status]++
		}
	}
	assert.Equal(t, map[int]int{http.StatusTooManyRequests: 1, http.StatusBadGateway: 2, 0: 2}, faults)

	// Every message is there exactly once, in order.
	want := []string{
		"end_user: Where is my order?",
		"end_user: Hello?",
		"end_user: Still there?",
		"end_user: I need a human.",
		"end_user: Please.",
	}
	for i := range 60 {
		want = append(want, fmt.Sprintf("end_user: line %d", i))
	}
	want = append(want, "user: Sam here.")
	assert.Equal(t, want, e.bodies(conv))

	e.clock.Advance(31 * time.Minute)
	e.visitorSays("6", "Anyone?")
	assert.True(t, e.botAnswers(conv, "Back again."))
}
