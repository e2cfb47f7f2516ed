package handoff

import (
	"fmt"
	"time"
)

// Kind says what happened in a conversation. The vendor packages translate
// their webhook events into these kinds (munin.HandoffEvent and its
// siblings); a bot that talks to a desk botbridge does not cover can build
// [Event] values itself.
type Kind uint8

// The event kinds. The zero Kind is not an event: [Transition.Cause] holds
// [Expiry] when a deadline, not an event, ended a state.
const (
	// Expiry is the cause of a transition made by time: the grace period,
	// the pending timeout or a hold ran out. Observe rejects it as an
	// event kind.
	Expiry Kind = iota

	// HumanMessage: a human agent wrote in the conversation. The human
	// owns it for the grace period after their latest activity.
	HumanMessage
	// HumanJoined: a human agent joined the conversation; it counts as
	// human activity.
	HumanJoined
	// HumanLeft: the human agent left; [Policy.HumanLeft] says what
	// follows.
	HumanLeft
	// HumanTyping: a human agent is typing; it counts as human activity,
	// so the bot does not talk over a reply being written.
	HumanTyping
	// HandoffRequested: the user or the bot asked for a human. The
	// conversation is Pending (the bot stays quiet) until a human acts or
	// [Policy.PendingTimeout] passes. Outside [Policy.Calendar]'s hours
	// the request is refused and the bot keeps the conversation.
	HandoffRequested
	// TakeOver: a human claimed the conversation explicitly, for
	// [Event.Hold] (the grace period when zero), capped by
	// [Policy.MaxHold].
	TakeOver
	// HandBack: the human released the conversation; the bot owns it now.
	HandBack
	// Closed: the desk closed the conversation; the bot owns it from
	// then on, so it answers when the user writes again.
	Closed
	// Reopened: a human reopened a closed conversation; it counts as
	// human activity.
	Reopened
	// UserMessage: the end user wrote. It never changes the owner.
	UserMessage
	// BotMessage: the bot's own message, echoed back by the vendor. It
	// never changes the owner, and is never mistaken for a human's.
	BotMessage
	// SessionEnded: the user's session ended; the bot owns whatever
	// comes next.
	SessionEnded

	lastKind = SessionEnded
)

var kindNames = [...]string{
	Expiry:           "expiry",
	HumanMessage:     "human message",
	HumanJoined:      "human joined",
	HumanLeft:        "human left",
	HumanTyping:      "human typing",
	HandoffRequested: "handoff requested",
	TakeOver:         "take over",
	HandBack:         "hand back",
	Closed:           "closed",
	Reopened:         "reopened",
	UserMessage:      "user message",
	BotMessage:       "bot message",
	SessionEnded:     "session ended",
}

// String returns the kind in words, such as "human message".
func (k Kind) String() string { return enumString(kindNames[:], uint8(k), "Kind") }

// humanActivity reports whether k shows a human at work in the
// conversation, which starts or extends the grace period.
func (k Kind) humanActivity() bool {
	switch k {
	case HumanMessage, HumanJoined, HumanTyping, Reopened:
		return true
	}
	return false
}

// Forever is a [Event.Hold] for a take-over that lasts until the human hands
// back. [Policy.MaxHold] still caps it, so a lost hand-back cannot silence
// the bot for good.
const Forever time.Duration = 1<<63 - 1

// Event is one thing that happened in a conversation, as far as ownership
// is concerned.
type Event struct {
	// ID identifies the event at the vendor (a message or delivery id).
	// A redelivered event whose ID moved the claim changes nothing. Set
	// it, and OccurredAt: an event with neither cannot be told from a new
	// one.
	ID string
	// Conversation is the key every decision is made for: the vendor's
	// conversation or session id. Required.
	Conversation string
	// Kind says what happened. Required.
	Kind Kind
	// Actor is who acted (an agent id, "visitor", ...). It is passed to
	// observers in [Transition.Event] and not stored.
	Actor string
	// OccurredAt is when it happened, from the vendor's timestamp. Zero
	// means now. A time after now is taken as now, so a vendor clock
	// running ahead cannot push deadlines out.
	OccurredAt time.Time
	// Hold is how long a [TakeOver] lasts; zero means the grace period.
	// Other kinds ignore it.
	Hold time.Duration
	// Meta is small vendor detail passed through to observers, such as
	// the handover reason. It is not stored.
	Meta map[string]string
}

// minTime and maxTime bound the instants a record can hold: the range of
// time.Time.UnixNano.
var (
	minTime = time.Unix(0, -1<<63)
	maxTime = time.Unix(0, 1<<63-1)
)

// validate reports the first field of ev that Observe cannot use.
func (ev *Event) validate() error {
	switch {
	case ev.Conversation == "":
		return fmt.Errorf("%w: Conversation is empty", ErrInvalidEvent)
	case ev.Kind == Expiry || ev.Kind > lastKind:
		return fmt.Errorf("%w: Kind %d is not an event kind", ErrInvalidEvent, ev.Kind)
	case !ev.OccurredAt.IsZero() && (ev.OccurredAt.Before(minTime) || ev.OccurredAt.After(maxTime)):
		return fmt.Errorf("%w: OccurredAt %s is out of range", ErrInvalidEvent, ev.OccurredAt.Format(time.RFC3339))
	case ev.Hold < 0:
		return fmt.Errorf("%w: Hold is negative", ErrInvalidEvent)
	}
	return nil
}
