package handoff

import (
	"errors"
	"fmt"
	"time"
)

// Defaults for a zero [Policy] field.
const (
	// DefaultGrace is how long a human owns a conversation after their
	// latest activity: Munin's recommendation (munin-escalate-to-human,
	// "Recommended bot logic") and the default length of its claims.
	DefaultGrace = 30 * time.Minute
	// DefaultPendingTimeout is how long a handover request keeps the bot
	// quiet when no human acts on it.
	DefaultPendingTimeout = 15 * time.Minute
	// DefaultMaxHold caps a take-over's hold: Munin's longest claim is 240
	// minutes (munin-api-reference 6).
	DefaultMaxHold = 4 * time.Hour
)

// LeavePolicy says what a [HumanLeft] event does to a conversation a
// human owns.
type LeavePolicy uint8

const (
	// LeaveKeepsGrace (the default) keeps the conversation with the humans
	// until the grace period after the latest human activity ends; a hold
	// ends at once. A desk that moves a conversation between agents (one
	// leaves, another joins) never lets the bot in between.
	LeaveKeepsGrace LeavePolicy = iota
	// LeaveHandsBack gives the conversation back to the bot at once.
	LeaveHandsBack
	// LeaveIgnored changes nothing: for desks that report an agent
	// stepping away while the conversation stays assigned.
	LeaveIgnored
)

// String returns the policy's name, such as "keeps grace".
func (l LeavePolicy) String() string {
	switch l {
	case LeaveKeepsGrace:
		return "keeps grace"
	case LeaveHandsBack:
		return "hands back"
	case LeaveIgnored:
		return "ignored"
	}
	return fmt.Sprintf("LeavePolicy(%d)", uint8(l))
}

// Policy holds the timing rules. The zero Policy is the default: a 30
// minute grace period, a 15 minute pending timeout, holds capped at 4
// hours, a leaving human keeping the grace period, and no business hours.
type Policy struct {
	// Grace is how long a human owns a conversation after their latest
	// activity. Zero means [DefaultGrace].
	Grace time.Duration
	// PendingTimeout is how long a handover request keeps the bot quiet
	// when no human acts on it. Zero means [DefaultPendingTimeout];
	// negative means it waits until a human or a hand-back ends it.
	PendingTimeout time.Duration
	// MaxHold caps [Event.Hold]. Zero means [DefaultMaxHold].
	MaxHold time.Duration
	// HumanLeft says what a [HumanLeft] event does.
	HumanLeft LeavePolicy
	// Calendar, when set, refuses handover requests made while it is
	// closed: the bot keeps the conversation and the refusal is reported
	// with the reason [OutsideHours]. Humans who write anyway still own
	// the conversation.
	Calendar Calendar
}

// Validate reports the first field of p that cannot be used.
func (p Policy) Validate() error {
	switch {
	case p.Grace < 0:
		return fmt.Errorf("handoff: Policy.Grace %s is negative", p.Grace)
	case p.MaxHold < 0:
		return fmt.Errorf("handoff: Policy.MaxHold %s is negative", p.MaxHold)
	case p.HumanLeft > LeaveIgnored:
		return fmt.Errorf("handoff: Policy.HumanLeft %d is not a LeavePolicy", p.HumanLeft)
	}
	if h, ok := p.Calendar.(*BusinessHours); ok {
		if h == nil {
			return errors.New("handoff: Policy.Calendar is a nil *BusinessHours")
		}
		return h.Validate()
	}
	return nil
}

// withDefaults fills the zero fields. Apply uses it so that a Policy
// that never went through Validate still behaves: a negative grace or
// hold counts as the default.
func (p Policy) withDefaults() Policy {
	if p.Grace <= 0 {
		p.Grace = DefaultGrace
	}
	if p.PendingTimeout == 0 {
		p.PendingTimeout = DefaultPendingTimeout
	}
	if p.MaxHold <= 0 {
		p.MaxHold = DefaultMaxHold
	}
	return p
}

// Calendar says when humans are there to take a handover.
type Calendar interface {
	// Open reports whether a handover requested at t can be taken. t is
	// in UTC: convert it with t.In(location) before reading the clock.
	Open(t time.Time) bool
}

// CalendarFunc adapts a function to [Calendar].
type CalendarFunc func(t time.Time) bool

// Open calls f(t).
func (f CalendarFunc) Open(t time.Time) bool { return f(t) }

// Span is a daily opening period, as offsets from midnight in the
// calendar's location: Span{9 * time.Hour, 17*time.Hour + 30*time.Minute}
// is 09:00 to 17:30. Start is inside, End is not. A span cannot cross
// midnight: an overnight shift is two spans, one on each day.
type Span struct {
	Start, End time.Duration
}

// BusinessHours is a weekly [Calendar]: open during the spans listed for
// each weekday, in Location.
type BusinessHours struct {
	// Location is the desk's time zone; nil means UTC.
	Location *time.Location
	// Days lists the opening spans of each day, indexed by
	// time.Weekday. A day with no span is closed.
	Days [7][]Span
}

// Validate reports a span that can never match: one outside 0–24 h, or
// one that does not start before it ends.
func (h *BusinessHours) Validate() error {
	for day, spans := range h.Days {
		for _, s := range spans {
			if s.Start < 0 || s.End > 24*time.Hour || s.Start >= s.End {
				return fmt.Errorf("handoff: BusinessHours.Days[%s]: span %s–%s is not within one day", time.Weekday(day), s.Start, s.End)
			}
		}
	}
	return nil
}

// Open reports whether t falls in one of its weekday's spans. The offset
// from midnight is read off the wall clock, so 09:00 stays 09:00 across
// daylight-saving changes. A nil *BusinessHours is never open.
func (h *BusinessHours) Open(t time.Time) bool {
	if h == nil {
		return false
	}
	loc := h.Location
	if loc == nil {
		loc = time.UTC
	}
	t = t.In(loc)
	hh, mm, ss := t.Clock()
	at := time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute +
		time.Duration(ss)*time.Second + time.Duration(t.Nanosecond())
	for _, s := range h.Days[t.Weekday()] {
		if at >= s.Start && at < s.End {
			return true
		}
	}
	return false
}
