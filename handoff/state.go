package handoff

import "strconv"

// State is who owns a conversation.
type State uint8

// The states. A conversation with no stored record is in [Bot].
const (
	// Bot: the bot owns the conversation and may reply.
	Bot State = iota
	// Pending: a handover was requested and no human has acted yet. The
	// bot stays quiet until a human acts, the request times out, or the
	// conversation is handed back.
	Pending
	// Human: a human owns the conversation until [Record.Until], which
	// every human activity pushes out by the grace period.
	Human

	lastState = Human
)

// String returns "bot", "pending" or "human".
func (s State) String() string {
	switch s {
	case Bot:
		return "bot"
	case Pending:
		return "pending"
	case Human:
		return "human"
	}
	return "State(" + strconv.Itoa(int(s)) + ")"
}

// Reason says why a conversation is in its state. It is what a [Decision]
// reports to the bot and a [Transition] to observers.
type Reason uint8

// The reasons.
const (
	// NoHandoff: nothing has taken the conversation from the bot.
	NoHandoff Reason = iota
	// HumanActive: a human wrote, joined, typed or reopened within the
	// grace period.
	HumanActive
	// TakenOver: a human took the conversation over explicitly.
	TakenOver
	// HandoffPending: a handover was requested and waits for a human.
	HandoffPending
	// GraceOver: the grace period after the last human activity, or a
	// take-over's hold, ran out.
	GraceOver
	// PendingTimedOut: no human acted on the handover request in time.
	PendingTimedOut
	// HandedBack: the human handed the conversation back.
	HandedBack
	// HumanGone: the human left the conversation.
	HumanGone
	// ConversationClosed: the conversation was closed.
	ConversationClosed
	// SessionOver: the user's session ended.
	SessionOver
	// OutsideHours: a handover was asked while the Calendar was closed, so
	// the bot keeps the conversation.
	OutsideHours
	// StoreFailed: the store could not be read; the bot must not reply.
	// Only a [Decision] made with an error carries it.
	StoreFailed

	lastReason = StoreFailed
)

var reasonNames = [...]string{
	NoHandoff:          "no handoff",
	HumanActive:        "human active",
	TakenOver:          "taken over",
	HandoffPending:     "handoff pending",
	GraceOver:          "grace period over",
	PendingTimedOut:    "handoff timed out",
	HandedBack:         "handed back",
	HumanGone:          "human left",
	ConversationClosed: "conversation closed",
	SessionOver:        "session ended",
	OutsideHours:       "outside business hours",
	StoreFailed:        "store failed",
}

// String returns the reason in words, such as "grace period over".
func (r Reason) String() string { return enumString(reasonNames[:], uint8(r), "Reason") }

// enumString returns names[v], or typ(v) for a value without a name.
func enumString(names []string, v uint8, typ string) string {
	if int(v) < len(names) {
		return names[v]
	}
	return typ + "(" + strconv.Itoa(int(v)) + ")"
}
