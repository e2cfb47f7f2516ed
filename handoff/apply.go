package handoff

import (
	"strconv"
	"time"
)

// Effect says what an event did to the record it was applied to.
type Effect uint8

const (
	// NoEffect: the event changes nothing, like a user message, or a
	// human message inside a grace period it does not extend.
	NoEffect Effect = iota
	// Changed: the event changed the owner, the reason or a deadline.
	Changed
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
	Changed:   "changed",
	Duplicate: "duplicate",
	Stale:     "stale",
	Refused:   "refused",
}

// String returns the effect in words, such as "duplicate".
func (e Effect) String() string {
	if int(e) < len(effectNames) {
		return effectNames[e]
	}
	return "Effect(" + strconv.Itoa(int(e)) + ")"
}

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

// Changed reports whether the owner changed.
func (t Transition) Changed() bool { return t.From != t.To }

// Apply is the rule book: it returns the record that results from
// observing ev at now under policy p, and the transition that describes it.
// It is pure — no clock, no store — so it can be tested row by row, and a
// custom controller can be built on it. When the returned record equals r
// (see Transition.Version) there is nothing to store.
//
// In order, Apply
//  1. lets deadlines that passed before now take effect (a Human grace
//     period or hold, a Pending timeout), so an event is judged against
//     the owner at now;
//  2. ignores ev if its ID changed the record recently ([Duplicate]), or
//     if it happened before the current owner took over ([Stale]);
//  3. applies the rule of ev.Kind at its OccurredAt (now when zero or
//     in the future), which may be long past for a late event, then lets
//     deadlines up to now take effect again.
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
	at := ev.OccurredAt
	if at.IsZero() || at.After(now) {
		at = now
	}
	at = normalize(at)

	current := expire(r, now)
	next = current
	changedByEvent := false
	fp := fingerprint(ev.ID)
	switch {
	case current.seen(fp):
		tr.Effect = Duplicate
	case at.Before(current.Since):
		tr.Effect = Stale
	default:
		var ruled Record
		ruled, tr.Effect = rule(current, ev, at, p)
		if tr.Effect == Changed || tr.Effect == Refused {
			ruled = expire(ruled, now)
			if !ruled.sameOwnership(&current) {
				next, changedByEvent = ruled, true
				next.remember(fp)
			} else if tr.Effect == Changed {
				tr.Effect = NoEffect
			}
		}
	}

	tr.Conversation, tr.Event, tr.From = ev.Conversation, *ev, r.State
	write = !next.equal(&r)
	switch {
	case changedByEvent:
		tr.Cause, tr.At = ev.Kind, at
	case write:
		// Only a deadline did: commit it with its own time.
		tr.Cause, tr.At = Expiry, next.Since
	default:
		tr.Cause, tr.At = ev.Kind, at
	}
	if write {
		next.Version = nextVersion(r.Version, now)
	}
	tr.To, tr.Reason, tr.Until, tr.Version = next.State, next.Reason, next.Until, next.Version
	return next, tr, write
}

// rule applies the rule of ev.Kind to r at time at, r being the record as
// it stands at that time. It reports NoEffect or Stale when it leaves r
// as it is.
func rule(r Record, ev *Event, at time.Time, p Policy) (Record, Effect) {
	switch k := ev.Kind; {
	case k.humanActivity():
		if r.State != Human {
			r.State, r.Reason, r.Since, r.Until = Human, HumanActive, at, time.Time{}
		} else if r.Reason == HumanGone {
			r.Reason = HumanActive // the human came back
		}
		r.LastHuman = later(r.LastHuman, at)
		r.Until = later(r.Until, add(at, p.Grace))
		return r, Changed

	case k == TakeOver:
		hold := ev.Hold
		if hold == 0 {
			hold = p.Grace
		}
		hold = min(hold, p.MaxHold)
		if r.State != Human {
			r.State, r.Since = Human, at
		}
		r.Reason = TakenOver
		r.Until = add(at, hold)
		if !r.LastHuman.IsZero() {
			r.Until = later(r.Until, add(r.LastHuman, p.Grace))
		}
		return r, Changed

	case k == HandoffRequested:
		switch r.State {
		case Bot:
			if p.Calendar != nil && !p.Calendar.Open(at) {
				r.Reason = OutsideHours
				return r, Refused
			}
			r.State, r.Reason, r.Since, r.Until = Pending, HandoffPending, at, pendingUntil(at, p)
			return r, Changed
		case Pending:
			if !r.Until.IsZero() {
				r.Until = later(r.Until, pendingUntil(at, p))
			}
			return r, Changed
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
			return toBot(r, at, HumanGone), Changed
		case LeaveKeepsGrace:
			until := time.Time{}
			if !r.LastHuman.IsZero() {
				until = add(r.LastHuman, p.Grace)
			}
			if !until.After(at) {
				return toBot(r, at, HumanGone), Changed
			}
			r.Reason, r.Until = HumanGone, until
			return r, Changed
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
		return toBot(r, at, reason), Changed
	}
	return r, NoEffect // UserMessage, BotMessage
}

// expire lets r's deadline take effect if it passed by now.
func expire(r Record, now time.Time) Record {
	if r.State == Bot || r.Until.IsZero() || now.Before(r.Until) {
		return r
	}
	reason := GraceOver
	if r.State == Pending {
		reason = PendingTimedOut
	}
	return toBot(r, r.Until, reason)
}

// toBot gives r to the bot from time at.
func toBot(r Record, at time.Time, reason Reason) Record {
	r.State, r.Reason, r.Since, r.Until = Bot, reason, at, time.Time{}
	return r
}

// sameOwnership reports whether r and o say the same about who owns the
// conversation and until when. A change within Bot — a late event whose
// effect had already run out — is not worth a write: it would fail the
// bot's pending Commit for nothing.
func (r *Record) sameOwnership(o *Record) bool {
	if r.State == Bot && o.State == Bot {
		// Only a refusal is worth storing, so that it is reported once.
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
