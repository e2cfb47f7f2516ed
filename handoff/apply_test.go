package handoff_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/handoff"
)

// t0 is the time the records below were last changed around; events in the
// state table happen at at = t0 + 1 minute, which is also "now".
var (
	t0 = time.Date(2026, 4, 30, 10, 0, 0, 0, time.UTC)
	at = t0.Add(time.Minute)
)

const v0 = uint64(1_777_000_000_000_000_000) // a version as a first write makes one

// The stored records the state table starts from: what Munin's flow
// leaves behind in each state (munin-api-reference 6).
var (
	botRecord = handoff.Record{Version: v0, State: handoff.Bot, Reason: handoff.HandedBack, Since: t0.Add(-time.Hour)}
	// A handover asked at t0: it times out at t0 + 15 min.
	pendingRecord = handoff.Record{Version: v0, State: handoff.Pending, Reason: handoff.HandoffPending,
		Since: t0, Until: t0.Add(15 * time.Minute)}
	// A human wrote at t0 - 5 min: they own it until t0 + 25 min.
	humanRecord = handoff.Record{Version: v0, State: handoff.Human, Reason: handoff.HumanActive,
		Since: t0.Add(-5 * time.Minute), Until: t0.Add(25 * time.Minute), LastHuman: t0.Add(-5 * time.Minute)}
)

var allKinds = []handoff.Kind{
	handoff.HumanMessage, handoff.HumanJoined, handoff.HumanLeft, handoff.HumanTyping,
	handoff.HandoffRequested, handoff.TakeOver, handoff.HandBack, handoff.Closed,
	handoff.Reopened, handoff.UserMessage, handoff.BotMessage, handoff.SessionEnded,
}

// outcome is what a row expects: the owner after, why, until when, and
// what the event did. No write is expected exactly when Effect is not
// Applied.
type outcome struct {
	state  handoff.State
	reason handoff.Reason
	until  time.Time
	effect handoff.Effect
}

// unchanged is the outcome of an event that leaves rec as it is.
func unchanged(rec handoff.Record) outcome {
	return outcome{rec.State, rec.Reason, rec.Until, handoff.NoEffect}
}

// TestApplyStateTable has a row for every (state, event kind) pair, under
// the default Policy: 30 min grace, 15 min pending timeout, humans leaving
// keep the grace period.
func TestApplyStateTable(t *testing.T) {
	grace := at.Add(handoff.DefaultGrace)
	active := outcome{handoff.Human, handoff.HumanActive, grace, handoff.Applied}
	toBot := func(r handoff.Reason) outcome { return outcome{handoff.Bot, r, time.Time{}, handoff.Applied} }

	table := map[handoff.State]struct {
		from handoff.Record
		want map[handoff.Kind]outcome
	}{
		handoff.Bot: {botRecord, map[handoff.Kind]outcome{
			handoff.HumanMessage:     active,
			handoff.HumanJoined:      active,
			handoff.HumanLeft:        unchanged(botRecord),
			handoff.HumanTyping:      active,
			handoff.HandoffRequested: {handoff.Pending, handoff.HandoffPending, at.Add(handoff.DefaultPendingTimeout), handoff.Applied},
			handoff.TakeOver:         {handoff.Human, handoff.TakenOver, grace, handoff.Applied},
			handoff.HandBack:         unchanged(botRecord),
			handoff.Closed:           unchanged(botRecord),
			handoff.Reopened:         active,
			handoff.UserMessage:      unchanged(botRecord),
			handoff.BotMessage:       unchanged(botRecord),
			handoff.SessionEnded:     unchanged(botRecord),
		}},
		handoff.Pending: {pendingRecord, map[handoff.Kind]outcome{
			handoff.HumanMessage: active,
			handoff.HumanJoined:  active,
			handoff.HumanLeft:    unchanged(pendingRecord),
			handoff.HumanTyping:  active,
			// Asked again: the timeout restarts.
			handoff.HandoffRequested: {handoff.Pending, handoff.HandoffPending, at.Add(handoff.DefaultPendingTimeout), handoff.Applied},
			handoff.TakeOver:         {handoff.Human, handoff.TakenOver, grace, handoff.Applied},
			handoff.HandBack:         toBot(handoff.HandedBack),
			handoff.Closed:           toBot(handoff.ConversationClosed),
			handoff.Reopened:         active,
			handoff.UserMessage:      unchanged(pendingRecord),
			handoff.BotMessage:       unchanged(pendingRecord),
			handoff.SessionEnded:     toBot(handoff.SessionOver),
		}},
		handoff.Human: {humanRecord, map[handoff.Kind]outcome{
			handoff.HumanMessage: active, // the grace period slides
			handoff.HumanJoined:  active,
			// Keeps the grace after the human's last message, t0 - 5 min.
			handoff.HumanLeft:        {handoff.Human, handoff.HumanGone, humanRecord.Until, handoff.Applied},
			handoff.HumanTyping:      active,
			handoff.HandoffRequested: unchanged(humanRecord),
			handoff.TakeOver:         {handoff.Human, handoff.TakenOver, grace, handoff.Applied},
			handoff.HandBack:         toBot(handoff.HandedBack),
			handoff.Closed:           toBot(handoff.ConversationClosed),
			handoff.Reopened:         active,
			handoff.UserMessage:      unchanged(humanRecord),
			handoff.BotMessage:       unchanged(humanRecord),
			handoff.SessionEnded:     toBot(handoff.SessionOver),
		}},
	}

	for _, state := range []handoff.State{handoff.Bot, handoff.Pending, handoff.Human} {
		row := table[state]
		require.Len(t, row.want, len(allKinds), "state %s: a row for every kind", state)
		for _, kind := range allKinds {
			t.Run(fmt.Sprintf("%s/%s", state, kind), func(t *testing.T) {
				want, ok := row.want[kind]
				require.True(t, ok, "missing row")
				ev := handoff.Event{ID: "evt_1", Conversation: "ccv_1", Kind: kind, OccurredAt: at}
				next, tr := handoff.Apply(row.from, ev, at, handoff.Policy{})
				checkOutcome(t, row.from, next, tr, want)
				assert.Equal(t, kind, tr.Cause)
				assert.True(t, tr.At.Equal(at), "At %s", tr.At)
			})
		}
	}
}

// checkOutcome asserts next and tr against want, and the bookkeeping every
// row shares: a change bumps the version by one and is reported with the
// state it came from; no change leaves the record exactly as it was.
func checkOutcome(t *testing.T, from, next handoff.Record, tr handoff.Transition, want outcome) {
	t.Helper()
	assert.Equal(t, want.state, next.State, "state")
	assert.Equal(t, want.reason, next.Reason, "reason")
	assert.True(t, want.until.Equal(next.Until), "until: want %s, got %s", want.until, next.Until)
	assert.Equal(t, want.effect, tr.Effect, "effect")
	assert.Equal(t, from.State, tr.From, "transition From")
	assert.Equal(t, next.State, tr.To, "transition To")
	assert.Equal(t, next.Reason, tr.Reason, "transition Reason")
	assert.Equal(t, next.Version, tr.Version, "transition Version")
	if want.effect == handoff.Applied {
		assert.Equal(t, from.Version+1, next.Version, "a stored change bumps the version")
	} else {
		assert.Equal(t, from, next, "no change, no write")
	}
}

// TestApplyTime covers the deadlines: grace expiry, the pending timeout and
// the hold cap, each just before and at the deadline.
func TestApplyTime(t *testing.T) {
	userMessage := handoff.Event{Conversation: "ccv_1", Kind: handoff.UserMessage}
	takeOver := func(hold time.Duration) handoff.Record {
		r, tr := handoff.Apply(botRecord, handoff.Event{Conversation: "ccv_1", Kind: handoff.TakeOver, OccurredAt: at, Hold: hold}, at, handoff.Policy{})
		require.Equal(t, handoff.Applied, tr.Effect)
		return r
	}
	held48h := takeOver(48 * time.Hour)
	held2h := takeOver(2 * time.Hour)
	heldForever := takeOver(handoff.Forever)

	tests := []struct {
		name     string
		from     handoff.Record
		deadline time.Time
		reason   handoff.Reason
	}{
		{"grace period", humanRecord, t0.Add(25 * time.Minute), handoff.GraceOver},
		{"pending timeout", pendingRecord, t0.Add(15 * time.Minute), handoff.PendingTimedOut},
		{"hold capped at MaxHold", held48h, at.Add(handoff.DefaultMaxHold), handoff.GraceOver},
		{"hold under the cap", held2h, at.Add(2 * time.Hour), handoff.GraceOver},
		{"Forever is capped too", heldForever, at.Add(handoff.DefaultMaxHold), handoff.GraceOver},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.True(t, tt.from.Until.Equal(tt.deadline), "until %s, want %s", tt.from.Until, tt.deadline)

			before := tt.deadline.Add(-time.Nanosecond)
			next, tr := handoff.Apply(tt.from, userMessage, before, handoff.Policy{})
			checkOutcome(t, tt.from, next, tr, unchanged(tt.from))

			next, tr = handoff.Apply(tt.from, userMessage, tt.deadline, handoff.Policy{})
			assert.Equal(t, handoff.Bot, next.State)
			assert.Equal(t, tt.reason, next.Reason)
			assert.True(t, next.Until.Equal(tt.deadline), "the deadline that handed it back is kept")
			assert.True(t, tr.Until.IsZero(), "the bot's ownership does not end by itself")
			assert.Equal(t, handoff.NoEffect, tr.Effect, "the user message itself does nothing")
			assert.Equal(t, tt.from.Version+1, next.Version, "the expiry is stored")
			assert.Equal(t, tr.Version, next.Version)
			assert.Equal(t, tt.from.State, tr.From)
			assert.Equal(t, handoff.Bot, tr.To)
			assert.Equal(t, handoff.Expiry, tr.Cause)
			assert.True(t, tr.At.Equal(tt.deadline), "the expiry happened at the deadline, not now")
			assert.True(t, next.Since.Equal(tt.from.Since), "a deadline does not move the claim's time")
		})
	}
}

// TestApplyRules covers the rules beyond one event on one state: policies,
// order, dedupe and clocks.
func TestApplyRules(t *testing.T) {
	ev := func(kind handoff.Kind, when time.Time) handoff.Event {
		return handoff.Event{Conversation: "ccv_1", Kind: kind, OccurredAt: when}
	}
	closed := handoff.CalendarFunc(func(time.Time) bool { return false })

	tests := []struct {
		name   string
		from   handoff.Record
		ev     handoff.Event
		now    time.Time
		policy handoff.Policy
		want   outcome
	}{
		{"grace slides with each human message", humanRecord, ev(handoff.HumanMessage, t0.Add(20*time.Minute)), t0.Add(20 * time.Minute), handoff.Policy{},
			outcome{handoff.Human, handoff.HumanActive, t0.Add(50 * time.Minute), handoff.Applied}},
		{"an older human message does not shorten the grace", humanRecord, ev(handoff.HumanMessage, t0.Add(-4*time.Minute)), at, handoff.Policy{},
			outcome{handoff.Human, handoff.HumanActive, t0.Add(26 * time.Minute), handoff.Applied}},
		{"a custom grace period", botRecord, ev(handoff.HumanMessage, at), at, handoff.Policy{Grace: 5 * time.Minute},
			outcome{handoff.Human, handoff.HumanActive, at.Add(5 * time.Minute), handoff.Applied}},
		{"leaving hands back under LeaveHandsBack", humanRecord, ev(handoff.HumanLeft, at), at, handoff.Policy{HumanLeft: handoff.LeaveHandsBack},
			outcome{handoff.Bot, handoff.HumanGone, time.Time{}, handoff.Applied}},
		{"leaving changes nothing under LeaveIgnored", humanRecord, ev(handoff.HumanLeft, at), at, handoff.Policy{HumanLeft: handoff.LeaveIgnored},
			unchanged(humanRecord)},
		{"a human who took over and never wrote hands back on leaving", handoff.Record{Version: v0, State: handoff.Human, Reason: handoff.TakenOver, Since: t0, Until: t0.Add(time.Hour)},
			ev(handoff.HumanLeft, at), at, handoff.Policy{},
			outcome{handoff.Bot, handoff.HumanGone, at, handoff.Applied}}, // Until: when the (empty) grace ended
		{"a human who left comes back", handoff.Record{Version: v0, State: handoff.Human, Reason: handoff.HumanGone, Since: t0, Until: t0.Add(25 * time.Minute), LastHuman: t0.Add(-5 * time.Minute)},
			ev(handoff.HumanMessage, at), at, handoff.Policy{},
			outcome{handoff.Human, handoff.HumanActive, at.Add(30 * time.Minute), handoff.Applied}},
		{"a repeated take-over resets the hold, as Munin's does", handoff.Record{Version: v0, State: handoff.Human, Reason: handoff.TakenOver, Since: t0, Until: t0.Add(4 * time.Hour), LastHuman: t0},
			handoff.Event{Conversation: "ccv_1", Kind: handoff.TakeOver, OccurredAt: at, Hold: 10 * time.Minute}, at, handoff.Policy{},
			outcome{handoff.Human, handoff.TakenOver, t0.Add(30 * time.Minute), handoff.Applied}}, // not before the grace of the last message
		{"a handover outside business hours is refused", botRecord, ev(handoff.HandoffRequested, at), at, handoff.Policy{Calendar: closed},
			outcome{handoff.Bot, handoff.OutsideHours, time.Time{}, handoff.Refused}},
		{"a human who writes outside business hours still owns it", botRecord, ev(handoff.HumanMessage, at), at, handoff.Policy{Calendar: closed},
			active(at)},
		{"a pending request without timeout waits", botRecord, ev(handoff.HandoffRequested, at), at, handoff.Policy{PendingTimeout: -1},
			outcome{handoff.Pending, handoff.HandoffPending, time.Time{}, handoff.Applied}},
		{"a human message that arrives after its grace ran out changes nothing", handoff.Record{}, ev(handoff.HumanMessage, at.Add(-2*time.Hour)), at, handoff.Policy{},
			unchanged(handoff.Record{})},
		{"an event older than the last change of owner is stale", botRecord, ev(handoff.HumanMessage, botRecord.Since.Add(-time.Second)), at, handoff.Policy{},
			outcome{handoff.Bot, handoff.HandedBack, time.Time{}, handoff.Stale}},
		{"a hand-back older than the latest human message is stale", humanRecord, ev(handoff.HandBack, humanRecord.LastHuman.Add(-time.Second)), at, handoff.Policy{},
			outcome{handoff.Human, handoff.HumanActive, humanRecord.Until, handoff.Stale}},
		{"an event from the future happens now", botRecord, ev(handoff.HumanMessage, at.Add(time.Hour)), at, handoff.Policy{},
			active(at)},
		{"an event with no time happens now", botRecord, handoff.Event{Conversation: "ccv_1", Kind: handoff.HumanMessage}, at, handoff.Policy{},
			active(at)},
		{"a deadline that passed before the event applies first", pendingRecord, ev(handoff.HandBack, t0.Add(20*time.Minute)), t0.Add(20 * time.Minute), handoff.Policy{},
			// The pending request timed out at t0+15: the hand-back finds the bot in charge and is a no-op, but the expiry is stored.
			outcome{handoff.Bot, handoff.PendingTimedOut, pendingRecord.Until, handoff.NoEffect}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			next, tr := handoff.Apply(tt.from, tt.ev, tt.now, tt.policy)
			assert.Equal(t, tt.want.state, next.State, "state")
			assert.Equal(t, tt.want.reason, next.Reason, "reason")
			assert.True(t, tt.want.until.Equal(next.Until), "until: want %s, got %s", tt.want.until, next.Until)
			assert.Equal(t, tt.want.effect, tr.Effect, "effect")
			if tt.want.effect == handoff.NoEffect || tt.want.effect == handoff.Stale {
				if next.State == tt.from.State {
					assert.Equal(t, tt.from, next, "nothing to store")
				}
			}
		})
	}
}

func active(at time.Time) outcome {
	return outcome{handoff.Human, handoff.HumanActive, at.Add(handoff.DefaultGrace), handoff.Applied}
}

// TestApplyDuplicate: a redelivered event (same ID) changes nothing, even
// when its time is missing and "now" has moved on.
func TestApplyDuplicate(t *testing.T) {
	ev := handoff.Event{ID: "cvm_1", Conversation: "ccv_1", Kind: handoff.HumanMessage}
	first, tr := handoff.Apply(handoff.Record{}, ev, at, handoff.Policy{})
	require.Equal(t, handoff.Applied, tr.Effect)
	require.Equal(t, uint64(at.UnixNano()), first.Version, "a new record's version is the clock's Unix ns")

	again, tr := handoff.Apply(first, ev, at.Add(10*time.Minute), handoff.Policy{})
	assert.Equal(t, handoff.Duplicate, tr.Effect)
	assert.Equal(t, first, again)

	// A refused handover is stored once, then recognised.
	closed := handoff.Policy{Calendar: handoff.CalendarFunc(func(time.Time) bool { return false })}
	req := handoff.Event{ID: "req_1", Conversation: "ccv_1", Kind: handoff.HandoffRequested}
	refused, tr := handoff.Apply(botRecord, req, at, closed)
	require.Equal(t, handoff.Refused, tr.Effect)
	assert.Equal(t, botRecord.Version+1, refused.Version)
	_, tr = handoff.Apply(refused, req, at, closed)
	assert.Equal(t, handoff.Duplicate, tr.Effect)
}

func TestStringers(t *testing.T) {
	assert.Equal(t, "human", handoff.Human.String())
	assert.Equal(t, "State(9)", handoff.State(9).String())
	assert.Equal(t, "human message", handoff.HumanMessage.String())
	assert.Equal(t, "expiry", handoff.Expiry.String())
	assert.Equal(t, "Kind(99)", handoff.Kind(99).String())
	assert.Equal(t, "grace period over", handoff.GraceOver.String())
	assert.Equal(t, "Reason(99)", handoff.Reason(99).String())
	assert.Equal(t, "stale", handoff.Stale.String())
	assert.Equal(t, "Effect(9)", handoff.Effect(9).String())
	assert.Equal(t, "hands back", handoff.LeaveHandsBack.String())
	assert.Equal(t, "LeavePolicy(9)", handoff.LeavePolicy(9).String())
}
