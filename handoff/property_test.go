package handoff_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/botbridge/botbridge/handoff"
)

// randomPolicy draws one of the policies the properties must hold under.
func randomPolicy(rng *rand.Rand) handoff.Policy {
	p := handoff.Policy{
		Grace:          []time.Duration{time.Minute, 30 * time.Minute}[rng.IntN(2)],
		PendingTimeout: []time.Duration{-1, 5 * time.Minute}[rng.IntN(2)],
		MaxHold:        []time.Duration{10 * time.Minute, 4 * time.Hour}[rng.IntN(2)],
		HumanLeft:      handoff.LeavePolicy(rng.IntN(3)),
	}
	if rng.IntN(2) == 0 {
		p.Calendar = handoff.CalendarFunc(func(t time.Time) bool { return t.Minute()%2 == 0 })
	}
	return p
}

// randomEvent draws an event around now: sometimes late, sometimes without
// a time, with IDs from a small pool so that redeliveries happen.
func randomEvent(rng *rand.Rand, now time.Time, inOrder bool) handoff.Event {
	ev := handoff.Event{
		Conversation: "ccv_1",
		Kind:         allKinds[rng.IntN(len(allKinds))],
		OccurredAt:   now,
	}
	if !inOrder {
		switch rng.IntN(4) {
		case 0:
			ev.OccurredAt = time.Time{}
		case 1:
			ev.OccurredAt = now.Add(-time.Duration(rng.IntN(90)) * time.Minute)
		}
		if rng.IntN(2) == 0 {
			ev.ID = fmt.Sprintf("evt_%d", rng.IntN(20))
		}
	}
	if ev.Kind == handoff.TakeOver && rng.IntN(2) == 0 {
		ev.Hold = time.Duration(rng.IntN(300)) * time.Minute
	}
	return ev
}

func humanActivity(k handoff.Kind) bool {
	switch k {
	case handoff.HumanMessage, handoff.HumanJoined, handoff.HumanTyping, handoff.Reopened:
		return true
	}
	return false
}

// decide is what Decide computes from a record: the owner at now.
func decide(r handoff.Record, now time.Time, p handoff.Policy) handoff.State {
	// A user message never changes the owner by itself, so applying one
	// shows the deadlines that have passed and nothing else.
	next, _ := handoff.Apply(r, handoff.Event{Conversation: "ccv_1", Kind: handoff.UserMessage}, now, p)
	return next.State
}

// TestApplyProperties runs random event sequences (fixed seed) and checks
// the properties every sequence must keep: versions strictly increase,
// replaying an event is a no-op, and an event older than the last change of
// owner cannot undo it.
func TestApplyProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(2026, 11))
	for seq := range 2000 {
		p := randomPolicy(rng)
		var r handoff.Record
		now := t0
		for step := range 40 {
			now = now.Add(time.Duration(rng.IntN(20)) * time.Minute)
			ev := randomEvent(rng, now, false)
			where := fmt.Sprintf("sequence %d step %d: %s at %s", seq, step, ev.Kind, ev.OccurredAt)

			next, tr := handoff.Apply(r, ev, now, p)
			if next.Version != r.Version && next.Version <= r.Version {
				t.Fatalf("%s: version went from %d to %d", where, r.Version, next.Version)
			}
			if next.Version == r.Version && next != r {
				t.Fatalf("%s: the record changed without a new version", where)
			}
			if tr.Version != next.Version || tr.To != next.State || tr.From != r.State {
				t.Fatalf("%s: transition %+v does not describe %+v", where, tr, next)
			}

			// Replaying the same event, at the same time or later, does
			// nothing more. An event without a time of its own happens at
			// each "now", so only its redelivery by a remembered ID is a
			// replay then; IDs are remembered for events that moved or
			// renewed the claim, not for grace extensions (which a
			// redelivery merely extends again).
			again, tr2 := handoff.Apply(next, ev, now, p)
			if again != next {
				t.Fatalf("%s: replay changed the record (%s):\n%+v\n%+v", where, tr2.Effect, next, again)
			}
			if !ev.OccurredAt.IsZero() || ev.ID != "" && next.Recent != r.Recent {
				later := now.Add(time.Duration(rng.IntN(60)) * time.Minute)
				replayed, tr3 := handoff.Apply(next, ev, later, p)
				settled, _ := handoff.Apply(next, handoff.Event{Conversation: "ccv_1", Kind: handoff.UserMessage}, later, p)
				if replayed != settled {
					t.Fatalf("%s: replay at %s had effect %s:\n%+v\n%+v", where, later, tr3.Effect, settled, replayed)
				}
			}

			// An event older than the last claim cannot undo it. Human
			// activity may still extend a human's time (a late message
			// whose grace period the record ran out of), unless the
			// conversation was handed back since.
			settled, _ := handoff.Apply(next, handoff.Event{Conversation: "ccv_1", Kind: handoff.UserMessage}, now, p)
			if !settled.Since.IsZero() {
				old := randomEvent(rng, now, true)
				old.OccurredAt = settled.Since.Add(-time.Duration(1+rng.IntN(3600)) * time.Second)
				after, tr4 := handoff.Apply(settled, old, now, p)
				released := settled.State == handoff.Bot && settled.Until.IsZero()
				switch {
				case humanActivity(old.Kind) && !released:
					if after.State != settled.State && after.State != handoff.Human {
						t.Fatalf("%s: late %s moved %s to %s", where, old.Kind, settled.State, after.State)
					}
				case after != settled || tr4.Effect != handoff.Stale:
					t.Fatalf("%s: %s at %s, older than the claim at %s, had effect %s",
						where, old.Kind, old.OccurredAt, settled.Since, tr4.Effect)
				}
			}
			r = next
		}
	}
}

// TestGraceProperty: within the grace period after a human message, the
// bot is never allowed, whatever else happens and in whatever order the
// events arrive — unless someone ended the human's ownership explicitly
// after that message (hand back, close, session end, or leaving under
// LeaveHandsBack).
func TestGraceProperty(t *testing.T) {
	for _, tc := range []struct {
		name string
		late time.Duration // how late an event may arrive
	}{{"in order", 0}, {"late and out of order", 45 * time.Minute}} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(7, 30))
			for seq := range 2000 {
				graceProperty(t, rng, seq, tc.late)
			}
		})
	}
}

func graceProperty(t *testing.T, rng *rand.Rand, seq int, late time.Duration) {
	p := randomPolicy(rng)
	grace := p.Grace
	var (
		r          handoff.Record
		lastHuman  time.Time // the latest human message, by its own time
		releasedAt time.Time // the latest explicit end of human ownership, by its own time
	)
	now := t0
	for step := range 40 {
		now = now.Add(time.Duration(rng.IntN(int(grace/time.Second)+1)) * time.Second)
		ev := randomEvent(rng, now, true)
		ev.ID = fmt.Sprintf("evt_%d_%d", seq, step)
		if late > 0 {
			ev.OccurredAt = now.Add(-time.Duration(rng.Int64N(int64(late))))
		}
		next, _ := handoff.Apply(r, ev, now, p)
		switch ev.Kind {
		case handoff.HumanMessage:
			lastHuman = later(lastHuman, ev.OccurredAt)
		case handoff.HandBack, handoff.Closed, handoff.SessionEnded:
			releasedAt = later(releasedAt, ev.OccurredAt)
		case handoff.HumanLeft:
			if p.HumanLeft == handoff.LeaveHandsBack {
				releasedAt = later(releasedAt, ev.OccurredAt)
			}
		}
		r = next

		if lastHuman.IsZero() || !releasedAt.Before(lastHuman) {
			continue
		}
		// Probe a few instants of the grace period from now on.
		for range 3 {
			probe := lastHuman.Add(time.Duration(rng.Int64N(int64(grace))))
			if probe.Before(now) {
				continue // the past: only now and later can be decided
			}
			if s := decide(r, probe, p); s == handoff.Bot {
				t.Fatalf("sequence %d step %d: bot allowed at %s, %s after the human message at %s (record %+v)",
					seq, step, probe, probe.Sub(lastHuman), lastHuman, r)
			}
		}
	}
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
