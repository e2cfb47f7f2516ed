package certainly

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/botbridge/botbridge/handoff"
	"github.com/botbridge/botbridge/internal/fakeserver"
	"github.com/botbridge/botbridge/webhookverify"
)

var relayStart = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

var testConv = Conversation{BotID: testBot, UserID: testUser}

// relayRig is a Relay on a mock Certainly and a fake clock, recording what
// its callbacks get.
type relayRig struct {
	t     *testing.T
	mock  *clientMock
	clock *fakeserver.Clock
	relay *Relay

	mu          sync.Mutex
	claims      []Conversation
	forwarded   []*Message
	errs        []error
	transitions []handoff.Transition

	// status answers Certainly's routes, with or without their query; 200
	// when absent.
	status map[string]int // "GET handover", "POST handover", "GET takeover", "GET takeover?ClaimEnd=…"
}

func newRelayRig(t *testing.T, edit func(*RelayConfig)) *relayRig {
	t.Helper()
	rig := &relayRig{t: t, clock: fakeserver.NewClock(relayStart), status: map[string]int{}}
	rig.mock = newClientMock(t, func(req *http.Request) (*http.Response, error) {
		route := req.Method + " handover"
		if strings.Contains(req.URL.Path, "/takeover/") {
			route = req.Method + " takeover"
		}
		rig.mu.Lock()
		status, ok := rig.status[route+"?"+req.URL.RawQuery]
		if !ok {
			status, ok = rig.status[route]
		}
		rig.mu.Unlock()
		if !ok {
			status = http.StatusOK
		}
		return httpmock.NewStringResponse(status, `{"detail":"`+http.StatusText(status)+`"}`), nil
	})
	cfg := RelayConfig{
		Client:   newTestClient(t, rig.mock),
		Now:      rig.clock.Now,
		ClaimEnd: "after-handover",
		OnClaim: func(_ context.Context, conv Conversation, _ *Claim) error {
			rig.mu.Lock()
			defer rig.mu.Unlock()
			rig.claims = append(rig.claims, conv)
			return nil
		},
		OnUserMessage: func(_ context.Context, _ Conversation, m *Message) error {
			rig.mu.Lock()
			defer rig.mu.Unlock()
			rig.forwarded = append(rig.forwarded, m)
			return nil
		},
		OnError: func(_ Conversation, err error) {
			rig.mu.Lock()
			defer rig.mu.Unlock()
			rig.errs = append(rig.errs, err)
		},
		OnTransition: func(_ Conversation, tr handoff.Transition) {
			rig.mu.Lock()
			defer rig.mu.Unlock()
			rig.transitions = append(rig.transitions, tr)
		},
	}
	if edit != nil {
		edit(&cfg)
	}
	r, err := NewRelay(cfg)
	require.NoError(t, err)
	t.Cleanup(r.Close)
	rig.relay = r
	return rig
}

func (rig *relayRig) setStatus(route string, status int) {
	rig.mu.Lock()
	defer rig.mu.Unlock()
	rig.status[route] = status
}

// handle delivers a webhook body to the relay.
func (rig *relayRig) handle(body string) error {
	rig.t.Helper()
	ev, err := ParseEvent([]byte(body))
	require.NoError(rig.t, err)
	return rig.relay.Handle(context.Background(), ev)
}

// calls lists the requests Certainly got as "METHOD route?query".
func (rig *relayRig) calls() []string {
	var out []string
	for _, r := range rig.mock.Requests() {
		route := "handover"
		if strings.Contains(r.Path, "/takeover/") {
			route = "takeover"
		}
		call := r.Method + " " + route
		if r.RawQuery != "" {
			call += "?" + r.RawQuery
		}
		out = append(out, call)
	}
	return out
}

func (rig *relayRig) state() handoff.State {
	rig.t.Helper()
	d, err := rig.relay.Controller().Decide(context.Background(), testConv.Key())
	require.NoError(rig.t, err)
	return d.State
}

func (rig *relayRig) sweep() int {
	rig.t.Helper()
	n, err := rig.relay.Sweep(context.Background())
	require.NoError(rig.t, err)
	return n
}

func (rig *relayRig) recorded() (claims []Conversation, forwarded []*Message, errs []error, transitions []handoff.Transition) {
	rig.mu.Lock()
	defer rig.mu.Unlock()
	return append(claims, rig.claims...), append(forwarded, rig.forwarded...),
		append(errs, rig.errs...), append(transitions, rig.transitions...)
}

// The whole flow: a claim hands the conversation over, the user's
// messages reach the agent, the agent's replies reach the user and slide
// the grace period, and when the agent has been silent for it, a sweep
// hands the conversation back with one Takeover carrying ClaimEnd.
func TestRelayFlow(t *testing.T) {
	t.Parallel()
	rig := newRelayRig(t, nil)
	ctx := context.Background()

	// Before any claim the bot owns the conversation: nothing is forwarded.
	require.NoError(t, rig.handle(userMessage))
	assert.Empty(t, rig.calls())
	_, forwarded, _, _ := rig.recorded()
	assert.Empty(t, forwarded)

	// The claim: the bot goes into listen mode, the agents are told.
	require.NoError(t, rig.handle(filledClaim))
	assert.Equal(t, []string{"GET handover"}, rig.calls())
	assert.Equal(t, handoff.Human, rig.state())
	claims, _, _, _ := rig.recorded()
	assert.Equal(t, []Conversation{testConv}, claims)

	// The user writes: forwarded. The bot's and an agent's messages, and
	// unknown payloads, are not the relay's business.
	require.NoError(t, rig.handle(userMessage))
	require.NoError(t, rig.handle(`{"interlocutor":"bot","message":"…","botId":"`+testBot+`","to":"`+testUser+`"}`))
	require.NoError(t, rig.handle(`{"interlocutor":"agent","message":"…","botId":"`+testBot+`","to":"`+testUser+`"}`))
	require.NoError(t, rig.handle(`{"event":"typing"}`))
	_, forwarded, _, _ = rig.recorded()
	require.Len(t, forwarded, 1)
	assert.Equal(t, "Where is my parcel?", forwarded[0].Text)

	// The agent answers, twice, 20 minutes apart: each slides the grace.
	require.NoError(t, rig.relay.Reply(ctx, testConv, "Hello from Agent!"))
	rig.clock.Advance(20 * time.Minute)
	require.NoError(t, rig.relay.Reply(ctx, testConv, "It left the depot this morning."))
	reqs := rig.mock.Requests()
	require.Len(t, reqs, 3)
	assertRequest(t, reqs[1], http.MethodPost, testPrefix+"/"+testBot+"/handover/"+testUser+"/", docAgentMessage)

	rig.clock.Advance(29 * time.Minute)
	assert.Zero(t, rig.sweep(), "49 minutes after the claim, 29 after the last reply")
	assert.Equal(t, handoff.Human, rig.state())

	rig.clock.Advance(time.Minute)
	assert.Equal(t, 1, rig.sweep())
	assert.Equal(t, []string{"GET handover", "POST handover", "POST handover", "GET takeover?ClaimEnd=after-handover"}, rig.calls())
	assert.Equal(t, handoff.Bot, rig.state())
	_, _, errs, transitions := rig.recorded()
	assert.Empty(t, errs)
	last := transitions[len(transitions)-1]
	assert.Equal(t, handoff.Expiry, last.Cause)
	assert.Equal(t, handoff.Human, last.From)
	assert.Equal(t, handoff.Bot, last.To)

	// Handed back: nothing more is taken back, forwarded or sent.
	rig.clock.Advance(time.Hour)
	assert.Zero(t, rig.sweep())
	require.NoError(t, rig.handle(userMessage))
	assert.ErrorIs(t, rig.relay.Reply(ctx, testConv, "Anything else?"), ErrBotOwnsConversation)
	assert.ErrorIs(t, rig.relay.Release(ctx, testConv, ""), ErrBotOwnsConversation)
	assert.Len(t, rig.calls(), 4)
	_, forwarded, _, _ = rig.recorded()
	assert.Len(t, forwarded, 1)
}

// Release hands back with exactly one Takeover, and the grace period
// running out later calls none.
func TestRelayRelease(t *testing.T) {
	t.Parallel()
	rig := newRelayRig(t, nil)
	ctx := context.Background()
	require.NoError(t, rig.handle(filledClaim))
	require.NoError(t, rig.relay.Release(ctx, testConv, "survey"))
	assert.Equal(t, []string{"GET handover", "GET takeover?ClaimEnd=survey"}, rig.calls())
	assert.Equal(t, handoff.Bot, rig.state())

	rig.clock.Advance(2 * time.Hour)
	assert.Zero(t, rig.sweep())
	assert.ErrorIs(t, rig.relay.Release(ctx, testConv, "survey"), ErrBotOwnsConversation)
	assert.Len(t, rig.calls(), 2, "one Takeover in all")

	// Handover takes it again, without a claim.
	require.NoError(t, rig.relay.Handover(ctx, testConv))
	assert.Equal(t, handoff.Human, rig.state())
	require.NoError(t, rig.relay.Release(ctx, testConv, ""))
	assert.Equal(t, []string{"GET handover", "GET takeover?ClaimEnd=survey", "GET handover", "GET takeover"}, rig.calls())
}

// A grace period that ran out without a sweep: Release still makes the one
// Takeover, with its own ClaimEnd, and no sweep makes another.
func TestRelayReleaseAfterTheGraceRanOut(t *testing.T) {
	t.Parallel()
	rig := newRelayRig(t, nil)
	require.NoError(t, rig.handle(filledClaim))
	rig.clock.Advance(45 * time.Minute)
	require.NoError(t, rig.relay.Release(context.Background(), testConv, "survey"))
	assert.Zero(t, rig.sweep())
	assert.Equal(t, []string{"GET handover", "GET takeover?ClaimEnd=survey"}, rig.calls())
}

// Reply on a grace period that ran out unswept refuses, and hands back.
func TestRelayReplyAfterTheGraceRanOut(t *testing.T) {
	t.Parallel()
	rig := newRelayRig(t, nil)
	require.NoError(t, rig.handle(filledClaim))
	rig.clock.Advance(31 * time.Minute)
	assert.ErrorIs(t, rig.relay.Reply(context.Background(), testConv, "Still there?"), ErrBotOwnsConversation)
	require.NoError(t, rig.relay.wait(context.Background()))
	assert.Equal(t, []string{"GET handover", "GET takeover?ClaimEnd=after-handover"}, rig.calls())
}

// A Handover Certainly refuses leaves the conversation with the bot and
// fails the webhook, so Certainly may post the claim again; the retry
// succeeds.
func TestRelayHandoverFails(t *testing.T) {
	t.Parallel()
	rig := newRelayRig(t, nil)
	rig.setStatus("GET handover", http.StatusNotFound)
	err := rig.handle(filledClaim)
	require.ErrorIs(t, err, ErrNotFound)
	assert.Equal(t, handoff.Bot, rig.state())
	require.NoError(t, rig.handle(userMessage))
	claims, forwarded, _, _ := rig.recorded()
	assert.Empty(t, claims)
	assert.Empty(t, forwarded, "the bot answers the user")

	rig.setStatus("GET handover", http.StatusOK)
	require.NoError(t, rig.handle(filledClaim), "the same claim, posted again")
	assert.Equal(t, handoff.Human, rig.state())
	claims, _, _, _ = rig.recorded()
	assert.Len(t, claims, 1)
}

// An automatic Takeover that fails is reported, and the conversation stays
// with the human (the bot still listens), so the next grace period tries
// again.
func TestRelayAutomaticTakeoverFails(t *testing.T) {
	t.Parallel()
	rig := newRelayRig(t, nil)
	require.NoError(t, rig.handle(filledClaim))
	rig.setStatus("GET takeover", http.StatusInternalServerError)
	rig.clock.Advance(30 * time.Minute)
	assert.Equal(t, 1, rig.sweep())
	_, _, errs, _ := rig.recorded()
	require.Len(t, errs, 1)
	assert.ErrorIs(t, errs[0], ErrServer)
	assert.ErrorContains(t, errs[0], "certainly: Relay: automatic takeover: ")
	assert.Equal(t, handoff.Human, rig.state())

	require.NoError(t, rig.handle(userMessage))
	_, forwarded, _, _ := rig.recorded()
	assert.Len(t, forwarded, 1, "the user's messages still reach the agent")

	rig.setStatus("GET takeover", http.StatusOK)
	rig.clock.Advance(30 * time.Minute)
	assert.Equal(t, 1, rig.sweep())
	assert.Equal(t, handoff.Bot, rig.state())
	assert.Equal(t, []string{
		"GET handover",
		"GET takeover?ClaimEnd=after-handover", // 500: may have acted, not retried
		"GET takeover",                         // 500 as well: the bot still listens
		"GET takeover?ClaimEnd=after-handover",
	}, rig.calls())

	// A 404 cannot be cured: the conversation is gone at Certainly, and
	// stays with the bot.
	require.NoError(t, rig.handle(strings.Replace(filledClaim, "sess-81", "sess-82", 1)))
	rig.setStatus("GET takeover", http.StatusNotFound)
	rig.clock.Advance(30 * time.Minute)
	assert.Equal(t, 1, rig.sweep())
	assert.Equal(t, handoff.Bot, rig.state())
}

// A takeover with ClaimEnd that Certainly may have carried out (a 502) is
// not sent again, which could move the user on twice: a plain Takeover
// makes sure the bot answers, and OnError hears that ClaimEnd may be lost.
func TestRelayTakeoverWithClaimEndNeverSentTwice(t *testing.T) {
	t.Parallel()
	for _, release := range []bool{false, true} {
		rig := newRelayRig(t, nil)
		require.NoError(t, rig.handle(filledClaim))
		rig.setStatus("GET takeover?ClaimEnd=after-handover", http.StatusBadGateway)
		if release {
			require.NoError(t, rig.relay.Release(context.Background(), testConv, "after-handover"))
		} else {
			rig.clock.Advance(30 * time.Minute)
			assert.Equal(t, 1, rig.sweep())
		}
		assert.Equal(t, handoff.Bot, rig.state(), "release=%v", release)
		assert.Equal(t, []string{"GET handover", "GET takeover?ClaimEnd=after-handover", "GET takeover"}, rig.calls(),
			"release=%v", release)
		_, _, errs, _ := rig.recorded()
		require.Len(t, errs, 1)
		assert.ErrorIs(t, errs[0], ErrServer)
		assert.ErrorContains(t, errs[0], "certainly: Relay: the bot answers again, but Certainly may not have applied ClaimEnd: ")
	}
}

// A Release whose Takeover fails (after the retries) leaves the
// conversation with the human, so Release can be called again.
func TestRelayReleaseFails(t *testing.T) {
	t.Parallel()
	rig := newRelayRig(t, nil)
	require.NoError(t, rig.handle(filledClaim))
	rig.setStatus("GET takeover", http.StatusServiceUnavailable)
	err := rig.relay.Release(context.Background(), testConv, "")
	assert.ErrorIs(t, err, ErrServer)
	assert.Equal(t, handoff.Human, rig.state())
	assert.Len(t, rig.calls(), 4, "the Takeover GET was retried twice")

	rig.setStatus("GET takeover", http.StatusOK)
	require.NoError(t, rig.relay.Release(context.Background(), testConv, ""))
	assert.Equal(t, handoff.Bot, rig.state())
	_, _, errs, _ := rig.recorded()
	assert.Empty(t, errs, "a Release's failure is returned, not reported")
}

// Outside business hours the claim is refused: no Handover, the bot keeps
// the conversation.
func TestRelayClaimOutsideHours(t *testing.T) {
	t.Parallel()
	rig := newRelayRig(t, func(cfg *RelayConfig) {
		cfg.Policy.Calendar = handoff.CalendarFunc(func(time.Time) bool { return false })
	})
	require.NoError(t, rig.handle(filledClaim))
	assert.Empty(t, rig.calls())
	assert.Equal(t, handoff.Bot, rig.state())
	claims, _, _, _ := rig.recorded()
	assert.Empty(t, claims)
}

func TestRelayCallbackErrors(t *testing.T) {
	t.Parallel()
	boom := errors.New("desk unavailable")
	rig := newRelayRig(t, func(cfg *RelayConfig) {
		cfg.OnClaim = func(context.Context, Conversation, *Claim) error { return boom }
		cfg.OnUserMessage = func(context.Context, Conversation, *Message) error { return boom }
	})
	err := rig.handle(filledClaim)
	assert.ErrorIs(t, err, boom)
	assert.EqualError(t, err, "certainly: Relay: OnClaim: desk unavailable")
	assert.Equal(t, handoff.Human, rig.state(), "the bot is in listen mode all the same")
	err = rig.handle(userMessage)
	assert.EqualError(t, err, "certainly: Relay: OnUserMessage: desk unavailable")

	assert.EqualError(t, rig.relay.Handle(context.Background(), nil), "certainly: Relay: unexpected event <nil>")
	assert.EqualError(t, rig.relay.Reply(context.Background(), Conversation{BotID: testBot}, "hi"), "certainly: Relay.Reply: UserID: required")
	assert.ErrorIs(t, rig.relay.Release(context.Background(), testConv, "a\nb"), ErrValidation)
}

// A claim or user message without the ids of its conversation can never be
// acted on: through the webhook it gets 400 (not 500, which would ask for a
// retry), the log names the field, and the Relay calls nothing. The handover
// page's own example claim, with its empty botId, is one.
func TestRelayRefusesPayloadsWithoutConversation(t *testing.T) {
	t.Parallel()
	rig := newRelayRig(t, nil)
	var logs bytes.Buffer
	bearer, err := webhookverify.BearerToken(hookToken)
	require.NoError(t, err)
	h, err := NewWebhookHandler(rig.relay.Handle, WithAuthenticator(bearer),
		WithWebhookLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	require.NoError(t, err)
	for _, tt := range []struct {
		name, body, field string
	}{
		{"the page's example claim", docClaim, "the claim has no botId"},
		{"claim with an empty to", strings.Replace(filledClaim, `"to":"`+testUser+`"`, `"to":""`, 1), "the claim has no to"},
		{"user message without botId", `{"interlocutor":"user","message":"hi","userId":"` + testUser + `"}`, "the user message has no botId"},
		{"user message without userId", `{"interlocutor":"user","message":"hi","botId":"` + testBot + `"}`, "the user message has no userId"},
	} {
		logs.Reset()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, hookRequest(tt.body))
		assert.Equal(t, http.StatusBadRequest, rec.Code, tt.name)
		assert.Contains(t, logs.String(), "certainly: Relay: "+tt.field+": no conversation to act on", tt.name)

		err := rig.handle(tt.body)
		assert.True(t, webhookverify.IsRefusal(err), tt.name)
	}
	assert.Empty(t, rig.calls(), "no call to Certainly")
	claims, forwarded, _, _ := rig.recorded()
	assert.Empty(t, claims)
	assert.Empty(t, forwarded)
	// A bot's or agent's message without ids is not the Relay's to act on.
	require.NoError(t, rig.handle(`{"interlocutor":"bot","message":"hi"}`))
}

func TestNewRelayRefuses(t *testing.T) {
	t.Parallel()
	client, err := NewClient(testToken)
	require.NoError(t, err)
	fwd := func(context.Context, Conversation, *Message) error { return nil }
	for _, tt := range []struct {
		name string
		cfg  RelayConfig
		want string
	}{
		{"no client", RelayConfig{OnUserMessage: fwd}, "certainly: NewRelay: Client is nil (build one with NewClient)"},
		{"zero client", RelayConfig{Client: &Client{}, OnUserMessage: fwd}, "certainly: NewRelay: Client is nil (build one with NewClient)"},
		{"no OnUserMessage", RelayConfig{Client: client}, "certainly: NewRelay: OnUserMessage is nil"},
		{"ClaimEnd", RelayConfig{Client: client, OnUserMessage: fwd, ClaimEnd: "a\x00"}, "certainly: NewRelay: ClaimEnd contains a control character"},
		{"timeout", RelayConfig{Client: client, OnUserMessage: fwd, TakeoverTimeout: -1}, "certainly: NewRelay: TakeoverTimeout -1ns is negative"},
		{"policy", RelayConfig{Client: client, OnUserMessage: fwd, Policy: handoff.Policy{Grace: -time.Minute}},
			"certainly: NewRelay: handoff: Policy.Grace -1m0s is negative"},
	} {
		r, err := NewRelay(tt.cfg)
		assert.Nil(t, r, tt.name)
		assert.EqualError(t, err, tt.want, tt.name)
	}
}

// Close waits for the automatic Takeovers in flight and leaves no
// goroutine behind; one due after Close is reported, not made.
func TestRelayClose(t *testing.T) {
	// Not parallel: goleak looks at every goroutine in the process.
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	rig := newRelayRig(t, nil)
	release, arrived := rig.blockTakeovers()

	require.NoError(t, rig.handle(filledClaim))
	rig.clock.Advance(30 * time.Minute)
	n, err := rig.relay.ctl.Sweep(context.Background()) // starts the Takeover, does not wait
	require.NoError(t, err)
	require.Equal(t, 1, n)
	<-arrived // the Takeover is at Certainly

	closed := make(chan struct{})
	go func() {
		rig.relay.Close()
		close(closed)
	}()
	select {
	case <-closed:
		t.Fatal("Close returned while a Takeover was in flight")
	default:
	}
	close(release)
	<-closed
	assert.Equal(t, []string{"GET handover", "GET takeover?ClaimEnd=after-handover"}, rig.calls())

	// After Close a sweep hands nothing back, and Run stops; Release still
	// works.
	require.NoError(t, rig.handle(strings.Replace(filledClaim, "sess-81", "sess-82", 1)))
	rig.clock.Advance(30 * time.Minute)
	n, err = rig.relay.Sweep(context.Background())
	assert.Zero(t, n)
	assert.ErrorIs(t, err, ErrRelayClosed)
	assert.ErrorIs(t, rig.relay.Run(context.Background(), time.Nanosecond), ErrRelayClosed)
	_, _, errs, _ := rig.recorded()
	assert.Empty(t, errs)

	// An event that stores the expiry: no Takeover, OnError is told.
	require.NoError(t, rig.handle(userMessage))
	_, _, errs, _ = rig.recorded()
	require.Len(t, errs, 1)
	assert.ErrorIs(t, errs[0], ErrRelayClosed)
	assert.Len(t, rig.calls(), 3)

	require.NoError(t, rig.relay.Handover(context.Background(), testConv))
	require.NoError(t, rig.relay.Release(context.Background(), testConv, ""))
	assert.Equal(t, []string{"GET handover", "GET takeover?ClaimEnd=after-handover", "GET handover", "GET handover", "GET takeover"}, rig.calls())
}

// blockingTransport holds takeover requests until release is closed, and
// tells arrived about each.
type blockingTransport struct {
	next    http.RoundTripper
	release chan struct{}
	arrived chan struct{}
}

// blockTakeovers makes rig's relay use a client whose takeover requests
// wait for the returned release to be closed; arrived gets a value as each
// one reaches Certainly.
func (rig *relayRig) blockTakeovers() (release, arrived chan struct{}) {
	rig.t.Helper()
	b := &blockingTransport{next: rig.mock.Transport(), release: make(chan struct{}), arrived: make(chan struct{}, 16)}
	client, err := NewClient(testToken, WithBaseURL(testBase), WithHTTPClient(&http.Client{Transport: b}))
	require.NoError(rig.t, err)
	rig.relay.client = client
	return b.release, b.arrived
}

func (b *blockingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if strings.Contains(req.URL.Path, "/takeover/") {
		b.arrived <- struct{}{}
		<-b.release
	}
	return b.next.RoundTrip(req)
}

// Run sweeps on its own until its context ends.
func TestRelayRun(t *testing.T) {
	t.Parallel()
	rig := newRelayRig(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	assert.Error(t, rig.relay.Run(ctx, 0))
	done := make(chan error, 1)
	go func() { done <- rig.relay.Run(ctx, time.Millisecond) }()
	cancel()
	assert.ErrorIs(t, <-done, context.Canceled)
}

// Neither a Relay nor its config, printed, shows the token.
func TestRelayRedactsToken(t *testing.T) {
	t.Parallel()
	rig := newRelayRig(t, nil)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		s := fmt.Sprintf(verb, rig.relay)
		assert.NotContains(t, s, testToken, verb)
		assert.Equal(t, "certainly.Relay{certainly.Client{https://certainly.test/base/, prefix /webbot/api/webchat, authorization: bearer [REDACTED]}}", s)
		assert.NotContains(t, fmt.Sprintf(verb, RelayConfig{Client: rig.relay.client}), testToken, verb)
	}
}

// takeovers counts the Takeover requests Certainly got for user, by query.
func (rig *relayRig) takeovers(user string) []string {
	var out []string
	for _, r := range rig.mock.Requests() {
		if strings.HasSuffix(r.Path, "/takeover/"+user+"/") {
			out = append(out, r.RawQuery)
		}
	}
	return out
}

// Releases racing sweeps on conversations whose grace period ran out:
// whatever the interleaving, each hand-back gets exactly one Takeover —
// the Release's (with its ClaimEnd) when its event stored the hand-back,
// the automatic one (RelayConfig.ClaimEnd) when a sweep did, and then the
// Release reports ErrBotOwnsConversation.
func TestRelayReleaseRacesTheSweep(t *testing.T) {
	t.Parallel()
	rig := newRelayRig(t, nil)
	ctx := context.Background()
	const n = 24
	convs := make([]Conversation, n)
	for i := range convs {
		convs[i] = Conversation{BotID: testBot, UserID: fmt.Sprintf("user-%d", i)}
		require.NoError(t, rig.handle(strings.Replace(filledClaim, `"to":"`+testUser+`"`, `"to":"`+convs[i].UserID+`"`, 1)))
	}
	rig.clock.Advance(30 * time.Minute)

	released := make([]error, n)
	var wg sync.WaitGroup
	for i, conv := range convs {
		wg.Add(2)
		go func() {
			defer wg.Done()
			released[i] = rig.relay.Release(ctx, conv, "survey")
		}()
		go func() {
			defer wg.Done()
			_, err := rig.relay.Sweep(ctx)
			assert.NoError(t, err)
		}()
	}
	wg.Wait()
	require.NoError(t, rig.relay.wait(ctx))

	for i, conv := range convs {
		got := rig.takeovers(conv.UserID)
		switch {
		case released[i] == nil:
			assert.Equal(t, []string{"ClaimEnd=survey"}, got, conv.UserID)
		case errors.Is(released[i], ErrBotOwnsConversation):
			assert.Equal(t, []string{"ClaimEnd=after-handover"}, got, conv.UserID)
		default:
			t.Errorf("%s: Release: %v", conv.UserID, released[i])
		}
		d, err := rig.relay.Controller().Decide(ctx, conv.Key())
		require.NoError(t, err)
		assert.Equal(t, handoff.Bot, d.State, conv.UserID)
	}
	_, _, errs, _ := rig.recorded()
	assert.Empty(t, errs)
}

// The agent's reply raced the automatic Takeover: it went out before the
// hand-back was stored and is observed while the Takeover is on its way,
// which gives the conversation back to the agent. Once the bot answers
// again, the Relay records the hand-back as of the Takeover: the
// conversation is the bot's, as it is at Certainly.
func TestRelayTakeoverRacedByTheAgentsReply(t *testing.T) {
	t.Parallel()
	rig := newRelayRig(t, nil)
	ctx := context.Background()
	require.NoError(t, rig.handle(filledClaim))
	release, arrived := rig.blockTakeovers()
	rig.clock.Advance(30 * time.Minute)
	n, err := rig.relay.Controller().Sweep(ctx) // starts the automatic Takeover, which waits
	require.NoError(t, err)
	require.Equal(t, 1, n)
	<-arrived

	_, err = rig.relay.Controller().Observe(ctx, AgentMessageEvent(testBot, testUser, rig.clock.Now().Add(-time.Second)))
	require.NoError(t, err)
	require.Equal(t, handoff.Human, rig.state())
	close(release)
	require.NoError(t, rig.relay.wait(ctx))
	assert.Equal(t, handoff.Bot, rig.state())
	assert.Equal(t, []string{"ClaimEnd=after-handover"}, rig.takeovers(testUser))
	assert.ErrorIs(t, rig.relay.Reply(ctx, testConv, "Still there?"), ErrBotOwnsConversation)
}

// A new claim while the automatic Takeover was on its way stands: its
// Handover came after the Takeover began.
func TestRelayClaimWhileTheTakeoverIsOnItsWay(t *testing.T) {
	t.Parallel()
	rig := newRelayRig(t, nil)
	ctx := context.Background()
	require.NoError(t, rig.handle(filledClaim))
	release, arrived := rig.blockTakeovers()
	rig.clock.Advance(30 * time.Minute)
	_, err := rig.relay.Controller().Sweep(ctx)
	require.NoError(t, err)
	<-arrived

	rig.clock.Advance(time.Minute)
	require.NoError(t, rig.handle(strings.Replace(filledClaim, "sess-81", "sess-82", 1)))
	close(release)
	require.NoError(t, rig.relay.wait(ctx))
	assert.Equal(t, handoff.Human, rig.state())
	assert.Equal(t, []string{"GET handover", "GET handover", "GET takeover?ClaimEnd=after-handover"}, rig.calls())
	claims, _, _, _ := rig.recorded()
	assert.Len(t, claims, 2)
}

// Certainly's claims carry no id: the same claim posted again is a request
// for a human all the same, after a release too — but not outside business
// hours.
func TestRelayClaimPostedAgain(t *testing.T) {
	t.Parallel()
	var open atomic.Bool
	open.Store(true)
	rig := newRelayRig(t, func(cfg *RelayConfig) {
		cfg.Policy.Calendar = handoff.CalendarFunc(func(time.Time) bool { return open.Load() })
	})
	ctx := context.Background()
	require.NoError(t, rig.handle(filledClaim))
	require.NoError(t, rig.handle(filledClaim), "posted again while handed over")
	assert.Equal(t, handoff.Human, rig.state())
	require.NoError(t, rig.relay.Release(ctx, testConv, ""))

	open.Store(false)
	require.NoError(t, rig.handle(filledClaim))
	assert.Equal(t, handoff.Bot, rig.state(), "refused outside business hours")
	assert.Equal(t, []string{"GET handover", "GET handover", "GET takeover"}, rig.calls())

	open.Store(true)
	require.NoError(t, rig.handle(filledClaim))
	assert.Equal(t, handoff.Human, rig.state())
	assert.Equal(t, []string{"GET handover", "GET handover", "GET takeover", "GET handover"}, rig.calls())
	claims, _, _, _ := rig.recorded()
	assert.Len(t, claims, 3)
}

// A Release whose time is before the agent's last message (a clock behind
// another replica's) changes nothing and says so.
func TestRelayReleaseBeforeTheAgentsLastMessage(t *testing.T) {
	t.Parallel()
	rig := newRelayRig(t, nil)
	ctx := context.Background()
	require.NoError(t, rig.handle(filledClaim))
	rig.clock.Advance(10 * time.Minute)
	require.NoError(t, rig.relay.Reply(ctx, testConv, "One moment."))
	rig.clock.Set(relayStart.Add(5 * time.Minute))
	err := rig.relay.Release(ctx, testConv, "")
	assert.EqualError(t, err, "certainly: Relay.Release: the agent wrote after the release began; the conversation stays with the agent")
	assert.Equal(t, handoff.Human, rig.state())
	assert.Empty(t, rig.takeovers(testUser))
}

// A Relay not made by NewRelay refuses every call instead of panicking.
func TestRelayNotMadeByNewRelay(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, r := range []*Relay{nil, {}} {
		assert.EqualError(t, r.Handle(ctx, &Claim{}), "certainly: Relay: the Relay was not made by NewRelay")
		assert.EqualError(t, r.Handover(ctx, testConv), "certainly: Relay.Handover: the Relay was not made by NewRelay")
		assert.EqualError(t, r.Reply(ctx, testConv, "hi"), "certainly: Relay.Reply: the Relay was not made by NewRelay")
		assert.EqualError(t, r.Release(ctx, testConv, ""), "certainly: Relay.Release: the Relay was not made by NewRelay")
		_, err := r.Sweep(ctx)
		assert.EqualError(t, err, "certainly: Relay.Sweep: the Relay was not made by NewRelay")
		assert.EqualError(t, r.Run(ctx, time.Second), "certainly: Relay.Run: the Relay was not made by NewRelay")
		assert.NotPanics(t, r.Close)
		assert.NotPanics(t, func() { _ = fmt.Sprint(r) })
	}
}

// A grace period that ran out without a sweep: the user's next message
// arrives through the message webhook (Certainly still has the bot
// listening, so the bot never sees it). It reaches the agent instead of
// nobody, and the Relay takes the conversation back.
func TestRelayUserMessageAfterTheGraceRanOutUnswept(t *testing.T) {
	t.Parallel()
	rig := newRelayRig(t, nil)
	require.NoError(t, rig.handle(filledClaim))
	rig.clock.Advance(31 * time.Minute)

	require.NoError(t, rig.handle(userMessage))
	_, forwarded, _, _ := rig.recorded()
	require.Len(t, forwarded, 1, "the message the listening bot never saw")
	assert.Equal(t, "Where is my parcel?", forwarded[0].Text)

	assert.Zero(t, rig.sweep(), "the message's own Observe handed back; the sweep only waits for the Takeover")
	assert.Equal(t, []string{"GET handover", "GET takeover?ClaimEnd=after-handover"}, rig.calls())
	assert.Equal(t, handoff.Bot, rig.state())

	// From now on the bot answers: the next message is not forwarded.
	require.NoError(t, rig.handle(userMessage))
	_, forwarded, _, _ = rig.recorded()
	assert.Len(t, forwarded, 1)
}

// Certainly's message bodies carry no id or time, so a user who writes
// the same thing twice ("ok", "ok") posts two identical bodies, with the
// same handoff event ID. Both must reach the agent: the ID dedupes the
// controller's bookkeeping, never the forwarding.
func TestRelayForwardsARepeatedUserMessage(t *testing.T) {
	t.Parallel()
	rig := newRelayRig(t, nil)
	require.NoError(t, rig.handle(filledClaim))
	require.NoError(t, rig.handle(userMessage))
	rig.clock.Advance(time.Minute)
	require.NoError(t, rig.handle(userMessage))
	_, forwarded, _, _ := rig.recorded()
	require.Len(t, forwarded, 2)
	assert.Equal(t, forwarded[0].Text, forwarded[1].Text)
	assert.Equal(t, handoff.Human, rig.state())
}
