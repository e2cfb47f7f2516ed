package moveo_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/handoff"
	"github.com/botbridge/botbridge/moveo"
	"github.com/botbridge/botbridge/moveo/moveotest"
)

// The end-to-end flow of a custom channel against the fake Moveo: the
// client opens a session and sends the user's message, the brain's reply
// arrives through the webhook handler, the brain hands over, a desk agent
// joins and speaks (the bot must keep quiet), the agent closes the
// conversation (the bot may speak again).

// e2eSecret is the integration's webhook_secret in these tests.
const e2eSecret = "whsec_e2e-test-secret"

// channel is the program under test: a webhook handler that feeds a
// handoff controller and remembers what it was given.
type channel struct {
	t       *testing.T
	clock   *moveotest.Clock
	moveo   *moveotest.Server
	client  *moveo.Client
	handoff *handoff.Controller

	mu      sync.Mutex
	handled []moveo.Event
	failFn  map[string]int // event type → calls of fn to fail first
}

// newChannel starts the fake Moveo and the channel's webhook endpoint.
// wrap, if not nil, stands between Moveo and the handler (a flaky proxy).
func newChannel(t *testing.T, brain moveotest.Brain, wrap func(http.Handler) http.Handler) *channel {
	t.Helper()
	ch := &channel{t: t, clock: moveotest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)), failFn: map[string]int{}}
	var err error
	ch.handoff, err = handoff.New(nil, handoff.WithClock(ch.clock.Now))
	require.NoError(t, err)
	h, err := moveo.NewWebhookHandler(e2eSecret, ch.handle, moveo.WithClock(ch.clock.Now))
	require.NoError(t, err)
	if wrap != nil {
		h = wrap(h)
	}
	endpoint := httptest.NewServer(h)
	t.Cleanup(endpoint.Close)

	ch.moveo = moveotest.NewServer(t, moveotest.WithClock(ch.clock), moveotest.WithBrain(brain),
		moveotest.WithWebhook(endpoint.URL, e2eSecret))
	ch.client, err = moveo.NewClient(ch.moveo.APIKey(), ch.moveo.IntegrationID(),
		moveo.WithBaseURL(ch.moveo.URL), moveo.WithHTTPClient(ch.moveo.Client()))
	require.NoError(t, err)
	return ch
}

// handle is the webhook handler's fn: observe, then remember.
func (ch *channel) handle(ctx context.Context, ev moveo.Event) error {
	ch.mu.Lock()
	typ := ev.EventBase().Type
	if ch.failFn[typ] > 0 {
		ch.failFn[typ]--
		ch.mu.Unlock()
		return assert.AnError // a transient failure: the handler answers 500
	}
	ch.mu.Unlock()
	if hev, ok := moveo.HandoffEvent(ev); ok {
		if _, err := ch.handoff.Observe(ctx, hev); err != nil {
			return err
		}
	}
	ch.mu.Lock()
	defer ch.mu.Unlock()
	ch.handled = append(ch.handled, ev)
	return nil
}

func (ch *channel) events() []moveo.Event {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	return append([]moveo.Event(nil), ch.handled...)
}

// wait lets every due delivery finish.
func (ch *channel) wait() {
	ch.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	require.NoError(ch.t, ch.moveo.WaitDeliveries(ctx))
}

// allowed asks the controller whether the bot may speak in sessionID.
func (ch *channel) allowed(sessionID string) handoff.Decision {
	ch.t.Helper()
	d, err := ch.handoff.Decide(context.Background(), sessionID)
	require.NoError(ch.t, err)
	return d
}

// handoverBrain echoes, and hands over when asked for a human.
func handoverBrain(in moveotest.BrainInput) []json.RawMessage {
	if in.Text == "I want a human" {
		return []json.RawMessage{moveotest.HandoverResponse("Transferring you to a human agent...", "", "support")}
	}
	return moveotest.EchoBrain(in)
}

func runFlow(t *testing.T, ch *channel, afterEachStep func()) {
	ctx := context.Background()
	sess, err := ch.client.CreateSession(ctx, moveo.CreateSessionRequest{
		ExternalSessionID: "chat-42", ChannelUserID: "user-789",
	})
	require.NoError(t, err)
	sid := sess.SessionID

	// The user asks; the brain's reply arrives, verified and parsed.
	sentAt := ch.clock.Now()
	requestID, err := ch.client.SendMessage(ctx, sid, moveo.UserMessage{Text: "Where is my order?"})
	require.NoError(t, err)
	afterEachStep()
	got := ch.events()
	require.Len(t, got, 1)
	reply, ok := got[0].(*moveo.BrainSendEvent)
	require.True(t, ok, "%T", got[0])
	assert.Equal(t, requestID, reply.RequestID)
	assert.Equal(t, sid, reply.SessionID)
	assert.Equal(t, "chat-42", reply.ExternalSessionID)
	assert.Equal(t, sentAt, reply.Timestamp)
	require.Len(t, reply.Output.Responses, 1)
	assert.Equal(t, moveo.Text{Text: "Where is my order?"}, reply.Output.Responses[0])
	assert.True(t, ch.allowed(sid).Allow, "the bot owns a new conversation")

	// The user asks for a human; the brain hands over.
	_, err = ch.client.SendMessage(ctx, sid, moveo.UserMessage{Text: "I want a human"})
	require.NoError(t, err)
	afterEachStep()
	got = ch.events()
	require.Len(t, got, 2)
	h, ok := got[1].(*moveo.BrainSendEvent).Handover()
	require.True(t, ok)
	assert.Equal(t, "support", h.DepartmentID)
	d := ch.allowed(sid)
	assert.False(t, d.Allow, "a handover was asked for")
	assert.Equal(t, handoff.Pending, d.State)

	// A desk agent joins and speaks.
	desk := ch.moveo.Desk()
	require.NoError(t, desk.Join(sid))
	afterEachStep()
	ch.clock.Advance(time.Second)
	require.NoError(t, desk.Say(sid, "Hi! I'm Sarah from support. How can I help you?"))
	afterEachStep()
	got = ch.events()
	require.Len(t, got, 4)
	assert.IsType(t, &moveo.MemberJoinEvent{}, got[2])
	said, ok := got[3].(*moveo.AgentMessageEvent)
	require.True(t, ok, "%T", got[3])
	assert.Equal(t, "Sarah Johnson", said.From.Name)
	assert.Equal(t, "Hi! I'm Sarah from support. How can I help you?", said.Body.Text)
	d = ch.allowed(sid)
	assert.False(t, d.Allow, "the bot must not talk over the agent")
	assert.Equal(t, handoff.Human, d.State)

	// The user writes meanwhile: Moveo's brain stays quiet too.
	_, err = ch.client.SendMessage(ctx, sid, moveo.UserMessage{Text: "Thanks Sarah"})
	require.NoError(t, err)
	afterEachStep()
	assert.Len(t, ch.events(), 4)

	// The agent closes the conversation: the bot may speak again.
	ch.clock.Advance(time.Second)
	require.NoError(t, desk.Close(sid))
	afterEachStep()
	got = ch.events()
	require.Len(t, got, 5)
	assert.IsType(t, &moveo.ConversationClosedEvent{}, got[4])
	d = ch.allowed(sid)
	assert.True(t, d.Allow, "closed: back to the bot")
	assert.Equal(t, handoff.Bot, d.State)

	_, err = ch.client.SendMessage(ctx, sid, moveo.UserMessage{Text: "One more thing"})
	require.NoError(t, err)
	afterEachStep()
	got = ch.events()
	require.Len(t, got, 6)
	assert.IsType(t, &moveo.BrainSendEvent{}, got[5], "the brain answers again")
}

func TestEndToEndHandoff(t *testing.T) {
	t.Parallel()
	ch := newChannel(t, handoverBrain, nil)
	runFlow(t, ch, ch.wait)
	for _, d := range ch.moveo.Deliveries() {
		assert.Equal(t, moveotest.DeliveryDelivered, d.Status, d.EventType)
		assert.Len(t, d.Attempts, 1, d.EventType)
	}
}

// The same flow behind an endpoint that fails once in two ways: a proxy
// that loses the handler's answer to the first brain_send (the event was
// handled, Moveo retries it: the handler must dedupe), and a handler whose
// first try at message:send fails (Moveo retries it: nothing is lost).
func TestEndToEndHandoffWithRetries(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	lostAnswers := 1
	flaky := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			mu.Lock()
			lose := lostAnswers > 0 && rec.Code < 300
			if lose {
				lostAnswers--
			}
			mu.Unlock()
			if lose {
				w.WriteHeader(http.StatusBadGateway)
				return
			}
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.Code)
			w.Write(rec.Body.Bytes())
		})
	}
	ch := newChannel(t, handoverBrain, flaky)
	ch.failFn[moveo.TypeAgentMessage] = 1

	// After each step: the first attempts, then the retries Moveo makes
	// 250 ms later on the fake clock.
	runFlow(t, ch, func() {
		ch.wait()
		ch.clock.Advance(250 * time.Millisecond)
		ch.wait()
	})

	deliveries := ch.moveo.Deliveries()
	require.Len(t, deliveries, 6)
	retried := map[string][]int{}
	for _, d := range deliveries {
		assert.Equal(t, moveotest.DeliveryDelivered, d.Status, d.EventType)
		for _, a := range d.Attempts {
			retried[d.EventType] = append(retried[d.EventType], a.StatusCode)
		}
	}
	assert.Equal(t, []int{502, 200, 204, 204}, retried[moveotest.EventBrainSend],
		"the first brain_send was handled (204) but its answer lost (502); the retry found it handled (200)")
	assert.Equal(t, []int{500, 204}, retried[moveotest.EventMessageSend], "fn failed once, the retry handled it")
	seen := map[string]int{}
	for _, ev := range ch.events() {
		b := ev.EventBase()
		seen[b.RequestID+":"+b.Type]++
	}
	for key, n := range seen {
		assert.Equal(t, 1, n, "handled once: %s", key)
	}
	assert.Len(t, seen, 6, "nothing lost")
}
