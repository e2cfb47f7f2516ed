package handoff

import (
	"time"
)

// Effect says what an event did to the record it was applied to.
type Effect uint8

const (
	// NoEffect: the event changes nothing, like a user message, or a
	// human message inside a grace period it does not extend.
	NoEffect Effect = iota
	// Applied: the event changed the owner, the reason or a deadline,
	// and the record was stored.
	Applied
	// Duplicate: an event with the same ID changed the record before.
	Duplicate
	// Stale: the event is older than the record's last change of owner,
	// or a hand-back older than the latest human activity; it cannot
	// undo what came after it.
	Stale
	// Refused: a handover was requested while the Calendar was closed;
	// the bot keeps the conversation.
	Refused
)

var effectNames = [...]string{
	NoEffect:  "no effect",
	Applied:   "applied",
	Duplicate: "duplicate",
	Stale:     "stale",
	Refused:   "refused",
}

// String returns the effect in words, such as "duplicate".
func (e Effect) String() string { return enumString(effectNames[:], uint8(e), "Effect") }

// Transition is what applying an event (or reaching a deadline) did to a
// conversation. [Controller.Observe] returns one for every event; observers
// registered with [OnTransition] receive the committed changes of owner.
type Transition struct {
	// Conversation is the conversation it happened to.
	Conversation string
	// From is the owner as the record stood before; To is the owner
	// after. They differ when the owner changed.
	From, To State
	// Effect is what the event did.
	Effect Effect
	// Cause is the kind of the event, or [Expiry] when the only change
	// was a deadline that had passed.
	Cause Kind
	// Reason is why the conversation is now in To.
	Reason Reason
	// At is when it happened: the event's time, or the deadline.
	At time.Time
	// Until is when To ends by itself; zero means never.
	Until time.Time
	// Version is the record's version after the change, or its unchanged
	// version when nothing was stored.
	Version uint64
	// Event is the event observed, Meta included; zero for a change made
	// by [Controller.Sweep].
	Event Event
}

// OwnerChanged reports whether the owner changed.
func (t Transition) OwnerChanged() bool { return t.From != t.To }

// Apply is the rule book: it returns the record that results from
// observing ev at now under policy p, and the transition that describes it.
// It is pure — no clock, no store — so it can be tested row by row, and a
// custom controller can be built on it. When the returned record equals r
// (see Transition.Version) there is nothing to store.
//
// In order, Apply
//  1. ignores ev if its ID moved the claim recently ([Duplicate]), or if
//     it happened before the last claim of the conversation ([Stale]): an
//     old human message cannot undo a hand-back, nor an old hand-back a
//     take-over. Human activity under the same human's claim is never
//     stale: it can only extend a grace period that ran out because the
//     event arrived late;
//  2. applies the rule of ev.Kind to the record as it stood at
//     ev.OccurredAt (now when zero; clocks running ahead are taken as now,
//     never as older than the last claim);
//  3. lets the deadlines that passed by now take effect (a Human grace
//     period or hold, a Pending timeout). A deadline passing does not move
//     Since, so a late event is judged against the claim that ran out.
//
// The rules: human activity (HumanMessage, HumanJoined, HumanTyping,
// Reopened) makes a human the owner until p.Grace after the latest
// activity; TakeOver does too, until ev.Hold (capped at p.MaxHold) or the
// grace period after the latest activity, whichever is later — a repeated
// take-over resets the hold, as Munin's does; HandoffRequested makes a Bot
// conversation Pending for p.PendingTimeout, or is refused outside
// p.Calendar's hours; HumanLeft follows p.HumanLeft; HandBack, Closed and
// SessionEnded give the conversation to the bot unless a human was active
// after them; UserMessage and BotMessage change nothing. Every stored
// change increases Version.
func Apply(r Record, ev Event, now time.Time, p Policy) (Record, Transition) {
	next, tr, _ := apply(r, &ev, normalize(now), p.withDefaults())
	return next, tr
}

// apply is Apply without the copying and normalising; write reports
// whether next must be stored.
func apply(r Record, ev *Event, now time.Time, p Policy) (next Record, tr Transition, write bool) {
	raw := normalize(ev.OccurredAt)
	at := raw
	if at.IsZero() || at.After(now) {
		at = now
	}
	if at.Before(r.Since) && (raw.IsZero() || !raw.Before(r.Since)) {
		// An event with no time, or one from a clock running ahead of
		// ours, happened after the last claim: a replica whose clock is
		// behind must not judge it older.
		at = r.Since
	}

	before := expire(r, now) // the owner at now, as Decide sees it
	next = before
	eventChanged := false
	fp := fingerprint(ev.ID)
	switch {
	case r.seen(fp):
		tr.Effect = Duplicate
	case !raw.IsZero() && raw.Before(r.Since) && (r.released() || !ev.Kind.humanActivity()):
		// Older than the last claim of the conversation. Human activity
		// still counts unless the conversation was handed back after it:
		// it extends a grace period that may have run out only because
		// the event arrived late.
		tr.Effect = Stale
	default:
		late := !raw.IsZero() && raw.Before(r.Since)
		ruled, effect := rule(asOf(r, at), ev, at, late, p)
		tr.Effect = effect
		if effect != Applied && effect != Refused {
			break
		}
		ruled = expire(ruled, now)
		newRefusal := effect == Refused && fp != 0
		if ruled.sameOwnership(&before) && !newRefusal {
			if effect == Applied {
				tr.Effect = NoEffect
			}
			break
		}
		next, eventChanged = ruled, true
		if newRefusal || ruled.State != before.State || ruled.Reason != before.Reason || !ruled.Since.Equal(before.Since) {
			// Remember the events that moved or renewed the claim; a
			// redelivered grace extension only extends it again.
			next.remember(fp)
		}
	}

	tr.Conversation, tr.Event, tr.From = ev.Conversation, *ev, r.State
	write = !next.equal(&r)
	switch {
	case eventChanged:
		tr.Cause, tr.At = ev.Kind, at
	case write:
		// Only a deadline did: store it with its own time.
		tr.Cause, tr.At = Expiry, next.Until
	default:
		tr.Cause, tr.At = ev.Kind, at
	}
	if write {
		next.Version = nextVersion(r.Version, now)
	}
	tr.To, tr.Reason, tr.Version = next.State, next.Reason, next.Version
	if next.State != Bot {
		tr.Until = next.Until
	}
	return next, tr, write
}

// rule applies the rule of ev.Kind at time at to r, the record as it
// stood then; late says the event is older than r's last claim. It reports
// NoEffect or Stale when it leaves r as it is.
func rule(r Record, ev *Event, at time.Time, late bool, p Policy) (Record, Effect) {
	switch k := ev.Kind; {
	case k.humanActivity() && late && r.State == Pending:
		// A human was active before the handover was asked: the bot
		// stays quiet for the longer of the two.
		r.LastHuman = later(r.LastHuman, at)
		if !r.Until.IsZero() {
			r.State, r.Reason, r.Until = Human, HumanActive, later(r.Until, add(at, p.Grace))
		}
		return r, Applied

	case k.humanActivity():
		if r.State != Human {
			r.State, r.Reason, r.Since, r.Until = Human, HumanActive, later(r.Since, at), time.Time{}
		} else if r.Reason == HumanGone {
			r.Reason = HumanActive // the human came back
		}
		r.LastHuman = later(r.LastHuman, at)
		r.Until = later(r.Until, add(at, p.Grace))
		return r, Applied

	case k == TakeOver:
		hold := ev.Hold
		if hold == 0 {
			hold = p.Grace
		}
		hold = min(hold, p.MaxHold)
		// A take-over claims the conversation anew even from the same
		// human, so a hand-back older than it is stale.
		r.State, r.Reason, r.Since = Human, TakenOver, later(r.Since, at)
		r.Until = add(at, hold)
		if !r.LastHuman.IsZero() {
			r.Until = later(r.Until, add(r.LastHuman, p.Grace))
		}
		return r, Applied

	case k == HandoffRequested:
		switch r.State {
		case Bot:
			if p.Calendar != nil && !p.Calendar.Open(at) {
				r.Reason = OutsideHours
				return r, Refused
			}
			r.State, r.Reason, r.Since, r.Until = Pending, HandoffPending, later(r.Since, at), pendingUntil(at, p)
			return r, Applied
		case Pending:
			r.Since = later(r.Since, at) // asked again: the claim is renewed
			if !r.Until.IsZero() {
				r.Until = later(r.Until, pendingUntil(at, p))
			}
			return r, Applied
		}
		return r, NoEffect // a human already owns it

	case k == HumanLeft:
		if r.State != Human {
			return r, NoEffect
		}
		if at.Before(r.LastHuman) {
			return r, Stale
		}
		switch p.HumanLeft {
		case LeaveHandsBack:
			return toBot(r, at, HumanGone), Applied
		case LeaveKeepsGrace:
			until := time.Time{}
			if !r.LastHuman.IsZero() {
				until = add(r.LastHuman, p.Grace)
			}
			if !until.After(at) {
				// The grace is over already. Keep its end, as a deadline
				// that passed does, so human activity from before the leave
				// that arrives late still counts.
				r = toBot(r, at, HumanGone)
				r.Until = later(until, at)
				return r, Applied
			}
			r.Reason, r.Until = HumanGone, until
			return r, Applied
		}
		return r, NoEffect

	case k == HandBack, k == Closed, k == SessionEnded:
		if r.State == Bot {
			return r, NoEffect
		}
		if at.Before(r.LastHuman) {
			return r, Stale // a human was active after it
		}
		reason := HandedBack
		switch k {
		case Closed:
			reason = ConversationClosed
		case SessionEnded:
			reason = SessionOver
		}
		return toBot(r, at, reason), Applied
	}
	return r, NoEffect // UserMessage, BotMessage
}

// expire lets r's deadline take effect if it passed by now. The record
// keeps its Since and Until: a late event is judged against the claim that
// ran out, not against the clock that ended it.
func expire(r Record, now time.Time) Record {
	if r.State == Bot || r.Until.IsZero() || now.Before(r.Until) {
		return r
	}
	r.Reason = GraceOver
	if r.State == Pending {
		r.Reason = PendingTimedOut
	}
	r.State = Bot
	return r
}

// asOf returns r as it stood at t: a deadline that passed by t has taken
// effect, and one that a stored expiry applied after t has not.
func asOf(r Record, t time.Time) Record {
	if r.State == Bot && !r.Until.IsZero() && t.Before(r.Until) {
		switch r.Reason {
		case GraceOver:
			r.State, r.Reason = Human, HumanActive
		case PendingTimedOut:
			r.State, r.Reason = Pending, HandoffPending
		}
		return r
	}
	return expire(r, t)
}

// released reports whether the bot owns r by an event (a hand-back, a
// close) or never lost it — not because a deadline passed, which keeps its
// Until.
func (r *Record) released() bool {
	return r.State == Bot && r.Until.IsZero()
}

// toBot gives r to the bot from time at.
func toBot(r Record, at time.Time, reason Reason) Record {
	r.State, r.Reason, r.Since, r.Until = Bot, reason, later(r.Since, at), time.Time{}
	return r
}

// sameOwnership reports whether r and o say the same about who owns the
// conversation and until when. A change within Bot — a late event whose
// effect had already run out — is not worth a write: it would fail the
// bot's pending Commit for nothing.
func (r *Record) sameOwnership(o *Record) bool {
	if r.State == Bot && o.State == Bot {
		// Only a refusal is worth storing, so that it is reported.
		return r.Reason != OutsideHours || o.Reason == OutsideHours
	}
	return r.State == o.State && r.Reason == o.Reason && r.Since.Equal(o.Since) &&
		r.Until.Equal(o.Until) && r.LastHuman.Equal(o.LastHuman)
}

// pendingUntil is when a handover requested at at times out.
func pendingUntil(at time.Time, p Policy) time.Time {
	if p.PendingTimeout < 0 {
		return time.Time{}
	}
	return add(at, p.PendingTimeout)
}

// nextVersion is the version of a record written at now after version v.
// A new record starts at the clock's Unix nanoseconds, so a record deleted
// and written again never reuses a version a Decision may still hold.
func nextVersion(v uint64, now time.Time) uint64 {
	if v != 0 {
		return v + 1
	}
	if ns := now.UnixNano(); ns > 0 {
		return uint64(ns)
	}
	return 1
}

// add returns t+d, saturating at the largest time a record can hold.
func add(t time.Time, d time.Duration) time.Time {
	if maxTime.Sub(t) <= d {
		return normalize(maxTime)
	}
	return t.Add(d)
}

// later returns the later of a and b.
func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// normalize drops the monotonic reading and the location, so records
// compare and encode the same whoever made them.
func normalize(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.Round(0).UTC()
}
