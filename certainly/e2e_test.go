package certainly_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/certainly"
	"github.com/botbridge/botbridge/certainly/certainlytest"
	"github.com/botbridge/botbridge/handoff"
	"github.com/botbridge/botbridge/webhookverify"
)

// The end-to-end handover flow of certainly-handover-flow.txt against the
// fake Certainly. The program under test is a third-party agent system: a
// certainly.Relay behind certainly.NewWebhookHandler, with a "human agent"
// inbox for the user's messages. The fake plays the end user and the bot:
// the user talks to the bot, asks for a human (the claim webhook), the
// relay hands over (the bot listens), the user's messages reach the agent,
// the agent replies, and the conversation goes back to the bot — by the
// agent's Release, or by the grace period running out.

const (
	e2eWebhookToken = "whk_e2e-webhook-builder-token"
	e2eBotID        = "botdep-4711"
	// e2eUser holds "/" and a space: it travels escaped in every path.
	e2eUser     = "web user/42"
	e2eClaimEnd = "agent-timeout"
)

var e2eT0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// e2eProgram is the agent system under test and the fake it talks to.
type e2eProgram struct {
	t     *testing.T
	clock *certainlytest.Clock
	fake  *certainlytest.Server
	relay *certainly.Relay
	conv  certainly.Conversation
	// endpoint is the program's webhook server.
	endpoint string

	mu        sync.Mutex
	inbox     []*certainly.Message // what reached the human agent
	claims    []*certainly.Claim   // OnClaim
	failInbox int                  // OnUserMessage calls to fail first
	asyncErrs []error              // OnError
}

// newE2E starts the program's webhook endpoint, the fake Certainly calling
// it with a bearer credential, and the relay on the fake's clock.
func newE2E(t *testing.T, opts ...certainlytest.Option) *e2eProgram {
	t.Helper()
	p := &e2eProgram{t: t, clock: certainlytest.NewClock(e2eT0)}
	p.conv = certainly.Conversation{BotID: e2eBotID, UserID: e2eUser}

	var handler http.Handler // set below, before any webhook call
	endpoint := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handler.ServeHTTP(w, r)
	}))
	t.Cleanup(endpoint.Close)
	p.endpoint = endpoint.URL

	p.fake = certainlytest.NewServer(t, append([]certainlytest.Option{
		certainlytest.WithClock(p.clock), certainlytest.WithBotID(e2eBotID),
		certainlytest.WithWebhooks(endpoint.URL+"/certainly/claim", endpoint.URL+"/certainly/messages",
			certainlytest.BearerAuth(e2eWebhookToken)),
	}, opts...)...)

	client, err := certainly.NewClient(p.fake.Token(), certainly.WithBaseURL(p.fake.URL),
		certainly.WithHTTPClient(p.fake.Client()), certainly.WithRetry(2, time.Millisecond))
	require.NoError(t, err)
	p.relay, err = certainly.NewRelay(certainly.RelayConfig{
		Client:        client,
		Now:           p.clock.Now,
		ClaimEnd:      e2eClaimEnd,
		OnClaim:       p.onClaim,
		OnUserMessage: p.onUserMessage,
		OnError:       p.onError,
	})
	require.NoError(t, err)
	t.Cleanup(p.relay.Close) // before the fake closes: it waits for automatic takeovers

	bearer, err := webhookverify.BearerToken(e2eWebhookToken)
	require.NoError(t, err)
	handler, err = certainly.NewWebhookHandler(p.relay.Handle, certainly.WithAuthenticator(bearer))
	require.NoError(t, err)
	return p
}

func (p *e2eProgram) onClaim(_ context.Context, conv certainly.Conversation, c *certainly.Claim) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	assert.Equal(p.t, p.conv, conv)
	p.claims = append(p.claims, c)
	return nil
}

func (p *e2eProgram) onUserMessage(_ context.Context, conv certainly.Conversation, m *certainly.Message) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.failInbox > 0 {
		p.failInbox--
		return errors.New("the agents' desk is down")
	}
	assert.Equal(p.t, p.conv, conv)
	p.inbox = append(p.inbox, m)
	return nil
}

func (p *e2eProgram) onError(_ certainly.Conversation, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.asyncErrs = append(p.asyncErrs, err)
}

// agentInbox returns the texts that reached the human agent.
func (p *e2eProgram) agentInbox() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, m := range p.inbox {
		out = append(out, m.Text)
	}
	return out
}

func (p *e2eProgram) user() certainlytest.User {
	p.t.Helper()
	u, ok := p.fake.User(e2eUser)
	require.True(p.t, ok)
	return u
}

// state is who owns the conversation for the relay's controller.
func (p *e2eProgram) state() handoff.State {
	p.t.Helper()
	d, err := p.relay.Controller().Decide(context.Background(), p.conv.Key())
	require.NoError(p.t, err)
	return d.State
}

// routes lists the routes the fake answered, with their statuses.
func (p *e2eProgram) routes() []string {
	var out []string
	for _, r := range p.fake.Requests() {
		out = append(out, r.Route+" "+http.StatusText(r.Status))
	}
	return out
}

func e2eCtx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}

// claim → handover → user message relayed → agent replies → takeover → bot
// answers again; with the message webhook posted in listen mode only, and
// for every message (WithEveryMessage, as Certainly's notes describe it),
// where the relay must ignore what the bot's conversations carry.
func TestRelayFlow(t *testing.T) {
	t.Parallel()
	t.Run("listen mode only", func(t *testing.T) {
		t.Parallel()
		testRelayFlow(t, false)
	})
	t.Run("every message", func(t *testing.T) {
		t.Parallel()
		testRelayFlow(t, true)
	})
}

func testRelayFlow(t *testing.T, every bool) {
	var opts []certainlytest.Option
	if every {
		opts = append(opts, certainlytest.WithEveryMessage())
	}
	p := newE2E(t, opts...)
	ctx := e2eCtx(t)

	// The user talks to the bot, in normal mode.
	r, err := p.fake.UserSays(ctx, e2eUser, "Where is my order?")
	require.NoError(t, err)
	assert.Equal(t, certainlytest.ModeNormal, r.Mode)
	assert.Equal(t, "Bot: you said Where is my order?", r.Text)
	assert.Equal(t, handoff.Bot, p.state())

	// Step 1B: the flow reaches the Webhook module and claims a human. The
	// relay answers the claim only after Handover (step 2) succeeded.
	require.NoError(t, p.fake.UserAsksForHuman(ctx, e2eUser))
	require.NoError(t, p.fake.WaitMode(ctx, e2eUser, certainlytest.ModeListen))
	assert.Equal(t, handoff.Human, p.state())
	require.Len(t, p.claims, 1)
	assert.Equal(t, e2eBotID, p.claims[0].BotID)
	assert.Equal(t, e2eUser, p.claims[0].To)
	assert.Equal(t, "VarWebhook", p.claims[0].Reply)
	assert.Equal(t, p.fake.ModuleID(), p.claims[0].ModuleID)
	assert.Equal(t, p.user().SessionID, p.claims[0].SessionID)

	// Steps 3–4: the user writes; the bot keeps quiet and the message
	// reaches the human agent through the message webhook.
	r, err = p.fake.UserSays(ctx, e2eUser, "Hello? Is anyone there?")
	require.NoError(t, err)
	assert.Equal(t, certainlytest.ModeListen, r.Mode)
	assert.Empty(t, r.Text, "the bot did not answer")
	assert.Equal(t, []string{"Hello? Is anyone there?"}, p.agentInbox())
	p.mu.Lock()
	assert.Equal(t, certainly.InterlocutorUser, p.inbox[0].Interlocutor)
	assert.Equal(t, p.user().SessionID, p.inbox[0].SessionID)
	p.mu.Unlock()

	// Step 5: the agent replies through the relay.
	p.clock.Advance(time.Minute)
	require.NoError(t, p.relay.Reply(ctx, p.conv, "Hi, I'm Sam. Your order ships today."))
	got, err := p.fake.WaitAgentMessages(ctx, e2eUser, 1)
	require.NoError(t, err)
	assert.Equal(t, []string{"Hi, I'm Sam. Your order ships today."}, got)

	// The agent is done: takeover with ClaimEnd, the bot resumes.
	p.clock.Advance(time.Minute)
	require.NoError(t, p.relay.Release(ctx, p.conv, "done"))
	require.NoError(t, p.fake.WaitMode(ctx, e2eUser, certainlytest.ModeNormal))
	assert.Equal(t, handoff.Bot, p.state())
	assert.ErrorIs(t, p.relay.Release(ctx, p.conv, "done"), certainly.ErrBotOwnsConversation,
		"a second Release calls no second Takeover")
	assert.ErrorIs(t, p.relay.Reply(ctx, p.conv, "one more thing"), certainly.ErrBotOwnsConversation)

	r, err = p.fake.UserSays(ctx, e2eUser, "Thanks!")
	require.NoError(t, err)
	assert.Equal(t, "Bot: you said Thanks!", r.Text, "the bot answers again")
	assert.Len(t, p.agentInbox(), 1, "nothing more reached the agent")

	u := p.user()
	assert.Equal(t, []string{"done"}, u.ClaimEnds, "exactly one takeover, with ClaimEnd done")
	assert.Equal(t, []certainlytest.Message{
		{Interlocutor: certainly.InterlocutorUser, Text: "Where is my order?", At: e2eT0},
		{Interlocutor: certainly.InterlocutorBot, Text: "Bot: you said Where is my order?", At: e2eT0},
		{Interlocutor: certainly.InterlocutorUser, Text: "Hello? Is anyone there?", At: e2eT0},
		{Interlocutor: certainly.InterlocutorAgent, Text: "Hi, I'm Sam. Your order ships today.", At: e2eT0.Add(time.Minute)},
		{Interlocutor: certainly.InterlocutorBot, Text: "Moving on to the next module: done", At: e2eT0.Add(2 * time.Minute)},
		{Interlocutor: certainly.InterlocutorUser, Text: "Thanks!", At: e2eT0.Add(2 * time.Minute)},
		{Interlocutor: certainly.InterlocutorBot, Text: "Bot: you said Thanks!", At: e2eT0.Add(2 * time.Minute)},
	}, u.Transcript)

	assert.Equal(t, []string{"handover OK", "send OK", "takeover OK"}, p.routes())
	for _, req := range p.fake.Requests() {
		assert.Equal(t, "bearer [REDACTED]", req.Header.Get("Authorization"))
		assert.Equal(t, e2eUser, req.UserID, "the id went through escaped and came back whole")
	}
	want := []string{certainlytest.WebhookClaim, certainlytest.WebhookMessage}
	if every { // and the two exchanges with the bot, before and after
		want = []string{
			certainlytest.WebhookMessage, certainlytest.WebhookMessage, certainlytest.WebhookClaim,
			certainlytest.WebhookMessage, certainlytest.WebhookMessage, certainlytest.WebhookMessage,
		}
	}
	deliveries := p.fake.Deliveries()
	var webhooks []string
	for _, d := range deliveries {
		webhooks = append(webhooks, d.Webhook)
	}
	assert.Equal(t, want, webhooks)
	for _, d := range deliveries {
		assert.Equal(t, http.StatusNoContent, d.StatusCode)
		assert.Equal(t, "Bearer [REDACTED]", d.Header.Get("Authorization"))
	}
	assert.Empty(t, p.asyncErrs)
}

// The agent goes silent: once the grace period after their last message
// has run out, a sweep hands the conversation back and the relay calls
// Takeover by itself, with RelayConfig.ClaimEnd.
func TestRelayGraceExpiry(t *testing.T) {
	t.Parallel()
	p := newE2E(t)
	ctx := e2eCtx(t)

	require.NoError(t, p.fake.UserAsksForHuman(ctx, e2eUser))
	require.NoError(t, p.fake.WaitMode(ctx, e2eUser, certainlytest.ModeListen))
	p.clock.Advance(10 * time.Minute)
	require.NoError(t, p.relay.Reply(ctx, p.conv, "Let me check."))

	// The grace period (handoff.DefaultGrace) slides from the agent's last
	// message: 25 minutes later the conversation is still theirs.
	p.clock.Advance(25 * time.Minute)
	n, err := p.relay.Sweep(ctx)
	require.NoError(t, err)
	assert.Zero(t, n)
	assert.Equal(t, certainlytest.ModeListen, p.user().Mode)

	p.clock.Advance(handoff.DefaultGrace - 25*time.Minute + time.Second)
	n, err = p.relay.Sweep(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	require.NoError(t, p.fake.WaitMode(ctx, e2eUser, certainlytest.ModeNormal))
	assert.Equal(t, []string{e2eClaimEnd}, p.user().ClaimEnds)
	assert.Equal(t, handoff.Bot, p.state())

	// The agent's late reply is refused; the bot owns the user again.
	assert.ErrorIs(t, p.relay.Reply(ctx, p.conv, "Found it!"), certainly.ErrBotOwnsConversation)
	r, err := p.fake.UserSays(ctx, e2eUser, "Hello?")
	require.NoError(t, err)
	assert.Equal(t, "Bot: you said Hello?", r.Text)
	assert.Equal(t, []string{"Let me check."}, p.fake.AgentMessages(e2eUser))

	n, err = p.relay.Sweep(ctx)
	require.NoError(t, err)
	assert.Zero(t, n, "handed back once")
	assert.Len(t, p.user().ClaimEnds, 1, "one takeover")
	assert.Empty(t, p.asyncErrs)
}

// Faults on the way: Certainly's 503 on handover is retried; a 500 fails
// the claim's processing, so the webhook answers 500 and the fake's claim
// fails, and asking again works; a desk that is down fails the message
// webhook.
func TestRelayFaults(t *testing.T) {
	t.Parallel()

	t.Run("503 on handover is retried", func(t *testing.T) {
		t.Parallel()
		p := newE2E(t)
		ctx := e2eCtx(t)
		p.fake.FailNext(certainlytest.RouteHandover, http.StatusServiceUnavailable, 1)
		require.NoError(t, p.fake.UserAsksForHuman(ctx, e2eUser))
		assert.Equal(t, certainlytest.ModeListen, p.user().Mode)
		assert.Equal(t, handoff.Human, p.state())
		assert.Equal(t, []string{"handover Service Unavailable", "handover OK"}, p.routes())
	})

	t.Run("500 on handover fails the claim, asking again works", func(t *testing.T) {
		t.Parallel()
		p := newE2E(t)
		ctx := e2eCtx(t)
		p.fake.FailNext(certainlytest.RouteHandover, http.StatusInternalServerError, 1)
		err := p.fake.UserAsksForHuman(ctx, e2eUser)
		var de *certainlytest.DeliveryError
		require.ErrorAs(t, err, &de)
		assert.Equal(t, http.StatusInternalServerError, de.Delivery.StatusCode, "the webhook answered 500")
		assert.Equal(t, []string{"handover Internal Server Error"}, p.routes(), "a 500 is not retried")
		assert.Equal(t, certainlytest.ModeNormal, p.user().Mode)
		assert.Equal(t, handoff.Bot, p.state(), "the bot keeps the conversation")
		r, err := p.fake.UserSays(ctx, e2eUser, "Hello?")
		require.NoError(t, err)
		assert.Equal(t, "Bot: you said Hello?", r.Text)
		assert.Empty(t, p.agentInbox())

		require.NoError(t, p.fake.UserAsksForHuman(ctx, e2eUser))
		assert.Equal(t, certainlytest.ModeListen, p.user().Mode)
		assert.Equal(t, handoff.Human, p.state())
		assert.Len(t, p.claims, 1, "OnClaim ran once, after the handover that worked")
		_, err = p.fake.UserSays(ctx, e2eUser, "Still there?")
		require.NoError(t, err)
		assert.Equal(t, []string{"Still there?"}, p.agentInbox())
	})

	t.Run("a failed forward fails the message webhook", func(t *testing.T) {
		t.Parallel()
		p := newE2E(t)
		ctx := e2eCtx(t)
		require.NoError(t, p.fake.UserAsksForHuman(ctx, e2eUser))
		p.mu.Lock()
		p.failInbox = 1
		p.mu.Unlock()
		_, err := p.fake.UserSays(ctx, e2eUser, "Hello?")
		var de *certainlytest.DeliveryError
		require.ErrorAs(t, err, &de)
		assert.Equal(t, certainlytest.WebhookMessage, de.Delivery.Webhook)
		assert.Equal(t, http.StatusInternalServerError, de.Delivery.StatusCode)
		_, err = p.fake.UserSays(ctx, e2eUser, "Hello again?")
		require.NoError(t, err)
		assert.Equal(t, []string{"Hello again?"}, p.agentInbox())
	})

	t.Run("a webhook without the credential is refused", func(t *testing.T) {
		t.Parallel()
		p := newE2E(t)
		ctx := e2eCtx(t)
		for _, auth := range []func(*http.Request){nil, certainlytest.BearerAuth("wrong")} {
			impostor := certainlytest.NewServer(t, certainlytest.WithBotID(e2eBotID),
				certainlytest.WithWebhooks(p.endpoint+"/certainly/claim", "", auth))
			err := impostor.UserAsksForHuman(ctx, e2eUser)
			var de *certainlytest.DeliveryError
			require.ErrorAs(t, err, &de)
			assert.Equal(t, http.StatusUnauthorized, de.Delivery.StatusCode)
		}
		assert.Empty(t, p.claims)
		assert.Empty(t, p.fake.Requests(), "the relay called nothing")
	})
}
