package handoff_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/handoff"
	"github.com/botbridge/botbridge/handoff/handofftest"
)

// Webhooks arrive late (a vendor retries with backoff) and out of order.
// Each test replays a sequence as it arrives and checks the owner a bot
// would be told about.

type arrival struct {
	ev handoff.Event
	at time.Time // when it arrives
}

func replay(t *testing.T, p handoff.Policy, arrivals ...arrival) handoff.Record {
	t.Helper()
	var r handoff.Record
	for _, a := range arrivals {
		if a.ev.Conversation == "" {
			a.ev.Conversation = "ccv_1"
		}
		r, _ = handoff.Apply(r, a.ev, a.at, p)
	}
	return r
}

func clockAt(minutes int) time.Time { return t0.Add(time.Duration(minutes) * time.Minute) }

func eventAt(kind handoff.Kind, id string, minutes int) handoff.Event {
	return handoff.Event{ID: id, Kind: kind, OccurredAt: clockAt(minutes)}
}

func TestLateEvents(t *testing.T) {
	userAt := func(minutes int) arrival {
		return arrival{handoff.Event{Kind: handoff.UserMessage}, clockAt(minutes)}
	}
	tests := []struct {
		name     string
		policy   handoff.Policy
		arrivals []arrival
		decideAt int // minutes after t0
		want     handoff.State
	}{
		{
			// Message at 10:00, message at 10:20 arrives at 10:40: the
			// human owns the conversation until 10:50.
			name: "a late human message extends a grace period that ran out meanwhile",
			arrivals: []arrival{
				{eventAt(handoff.HumanMessage, "m1", 0), clockAt(0)},
				{eventAt(handoff.HumanMessage, "m2", 20), clockAt(40)},
			},
			decideAt: 45, want: handoff.Human,
		},
		{
			name: "the same after the expiry was stored",
			arrivals: []arrival{
				{eventAt(handoff.HumanMessage, "m1", 0), clockAt(0)},
				userAt(35), // stores the expiry at 10:30
				{eventAt(handoff.HumanMessage, "m2", 20), clockAt(40)},
			},
			decideAt: 45, want: handoff.Human,
		},
		{
			name: "a human who joined before the handover timed out, reported late",
			arrivals: []arrival{
				{eventAt(handoff.HandoffRequested, "r1", 0), clockAt(0)},
				{eventAt(handoff.HumanJoined, "j1", 10), clockAt(20)},
			},
			decideAt: 25, want: handoff.Human,
		},
		{
			name: "a human active before the handover was asked keeps the bot quiet",
			arrivals: []arrival{
				{eventAt(handoff.HandoffRequested, "r1", 5), clockAt(5)},
				{eventAt(handoff.HumanMessage, "m1", 4), clockAt(6)},
			},
			decideAt: 30, want: handoff.Human, // until 10:34, past the request's 10:20
		},
		{
			name: "a hand-back older than a take-over cannot undo it",
			arrivals: []arrival{
				{eventAt(handoff.HumanMessage, "m1", 0), clockAt(0)},
				{handoff.Event{ID: "t1", Kind: handoff.TakeOver, OccurredAt: clockAt(6), Hold: 2 * time.Hour}, clockAt(6)},
				{eventAt(handoff.HandBack, "h1", 5), clockAt(7)},
			},
			decideAt: 60, want: handoff.Human,
		},
		{
			name:   "a leave older than a take-over cannot undo it",
			policy: handoff.Policy{HumanLeft: handoff.LeaveHandsBack},
			arrivals: []arrival{
				{handoff.Event{ID: "t1", Kind: handoff.TakeOver, OccurredAt: clockAt(6), Hold: 2 * time.Hour}, clockAt(6)},
				{eventAt(handoff.HumanLeft, "l1", 5), clockAt(7)},
			},
			decideAt: 60, want: handoff.Human,
		},
		{
			name: "a hand-back older than a repeated handover request cannot undo it",
			arrivals: []arrival{
				{eventAt(handoff.HandoffRequested, "r1", 0), clockAt(0)},
				{eventAt(handoff.HandoffRequested, "r2", 6), clockAt(6)},
				{eventAt(handoff.HandBack, "h1", 5), clockAt(7)},
			},
			decideAt: 10, want: handoff.Pending,
		},
		{
			// Under LeaveKeepsGrace the leave keeps the grace of the last
			// activity, including activity it had not heard of yet.
			name: "a message from before a leave, arriving after it",
			arrivals: []arrival{
				{eventAt(handoff.TakeOver, "t1", 0), clockAt(0)},
				{eventAt(handoff.HumanLeft, "l1", 45), clockAt(45)},
				{eventAt(handoff.HumanMessage, "m1", 34), clockAt(46)},
			},
			decideAt: 50, want: handoff.Human, // until 11:04
		},
		{
			name: "an old human message cannot undo a hand-back",
			arrivals: []arrival{
				{eventAt(handoff.HumanMessage, "m1", 0), clockAt(0)},
				{eventAt(handoff.HandBack, "h1", 10), clockAt(10)},
				{eventAt(handoff.HumanMessage, "m0", 5), clockAt(11)},
			},
			decideAt: 12, want: handoff.Bot,
		},
		{
			// Redelivered without a time after grace extensions pushed it
			// down the list: still recognised.
			name: "a hand-back redelivered after the human came back",
			arrivals: []arrival{
				{handoff.Event{ID: "m1", Kind: handoff.HumanMessage}, clockAt(0)},
				{handoff.Event{ID: "h1", Kind: handoff.HandBack}, clockAt(1)},
				{handoff.Event{ID: "m2", Kind: handoff.HumanMessage}, clockAt(2)},
				{handoff.Event{ID: "y1", Kind: handoff.HumanTyping}, clockAt(3)},
				{handoff.Event{ID: "y2", Kind: handoff.HumanTyping}, clockAt(4)},
				{handoff.Event{ID: "m3", Kind: handoff.HumanMessage}, clockAt(5)},
				{handoff.Event{ID: "h1", Kind: handoff.HandBack}, clockAt(6)},
			},
			decideAt: 7, want: handoff.Human,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := replay(t, tt.policy, tt.arrivals...)
			assert.Equal(t, tt.want, decide(r, clockAt(tt.decideAt), tt.policy), "record %+v", r)
		})
	}
}

// Replicas whose clocks disagree: B's clock is 5 s behind A's. An event
// B stamps with its own clock, or one stamped by a clock ahead of B's, is
// not judged older than the hand-back A stored.
func TestClockSkewBetweenReplicas(t *testing.T) {
	ctx := context.Background()
	store := handoff.NewMemoryStore()
	clockA := handofftest.NewClock(t0.Add(5 * time.Second))
	clockB := handofftest.NewClock(t0)
	a, err := handoff.New(store, handoff.WithClock(clockA.Now))
	require.NoError(t, err)
	b, err := handoff.New(store, handoff.WithClock(clockB.Now))
	require.NoError(t, err)

	_, err = a.Observe(ctx, handoff.Event{ID: "m1", Conversation: "ccv_1", Kind: handoff.HumanMessage})
	require.NoError(t, err)
	clockA.Advance(2 * time.Second)
	clockB.Advance(2 * time.Second)
	_, err = a.Observe(ctx, handoff.Event{ID: "h1", Conversation: "ccv_1", Kind: handoff.HandBack})
	require.NoError(t, err)

	clockB.Advance(2 * time.Second)
	tr, err := b.Observe(ctx, handoff.Event{ID: "m2", Conversation: "ccv_1", Kind: handoff.HumanMessage})
	require.NoError(t, err)
	assert.Equal(t, handoff.Human, tr.To, "an event with no time happened after the last claim")

	_, err = a.Observe(ctx, handoff.Event{ID: "h2", Conversation: "ccv_1", Kind: handoff.HandBack})
	require.NoError(t, err)
	tr, err = b.Observe(ctx, handoff.Event{ID: "m3", Conversation: "ccv_1", Kind: handoff.HumanMessage,
		OccurredAt: clockA.Now().Add(time.Second)}) // stamped by a clock ahead of B's
	require.NoError(t, err)
	assert.Equal(t, handoff.Human, tr.To)
}

// Each refused handover request is reported once per event ID.
func TestEveryRefusalIsReported(t *testing.T) {
	ctx := context.Background()
	closed := handoff.WithPolicy(handoff.Policy{Calendar: handoff.CalendarFunc(func(time.Time) bool { return false })})
	ctl, clock, rec := newController(t, closed)
	for _, id := range []string{"r1", "r1", "r2", "r3", "r2"} {
		_, err := ctl.Observe(ctx, handoff.Event{ID: id, Conversation: "ccv_1", Kind: handoff.HandoffRequested})
		require.NoError(t, err)
		clock.Advance(time.Hour)
	}
	assert.Len(t, rec.transitions(), 3)
}
