package munin

import (
	"github.com/botbridge/botbridge/handoff"
)

// The Meta keys of the handoff events HandoffEvent makes. Observers read
// them from handoff.Transition.Event.Meta.
const (
	// MetaType holds the Munin event type, such as
	// "conversation.message.sent".
	MetaType = "munin.type"
	// MetaMessageID holds the message id of a message event.
	MetaMessageID = "munin.message_id"
	// MetaReason holds the reason of a handover request, when it has one.
	MetaReason = "munin.reason"
)

// HandoffEvent translates a Munin event into what handoff.Controller.Observe
// takes, following Munin's handoff semantics (§6). It reports false for
// events that say nothing about who owns the conversation; pass those by.
//
//	conversation.message.sent, authorType "user"   → HumanMessage (a dashboard reply)
//	conversation.message.sent, authorType "agent"  → BotMessage (the bot's own echo)
//	conversation.message.sent, authorType "system" → false
//	conversation.message.received                 → UserMessage
//	conversation.taken_over                        → TakeOver, Hold = expiresAt − createdAt
//	conversation.released                          → HandBack
//	conversation.assigned, an assignee             → HumanJoined, Actor = the assignee
//	conversation.assigned, null                    → HandBack
//	conversation.status_changed "closed"           → Closed
//	conversation.handover_requested                → HandoffRequested, Meta reason
//	anything else                                  → false
//
// The handoff event's ID is the event id (evt_…), which Munin keeps on every
// retry and for every subscriber (§3.2), so a redelivery is a no-op for the
// controller; Conversation is the conversationId, OccurredAt the createdAt,
// and Meta holds MetaType, plus MetaMessageID or MetaReason.
//
// Timing. Munin's claim expires silently (§6): no event fires. A dashboard
// reply renews the claim to the post + 30 minutes (§4), and maps to
// HumanMessage, whose grace period (handoff.DefaultGrace, 30 minutes)
// matches it; keep Policy.Grace at 30 minutes or more, or the bot may speak
// while Munin still refuses its posts with ErrHandoverActive. A take-over
// lasts until expiresAt (a hold of expiresAt − createdAt, capped by
// Policy.MaxHold, whose 4 hour default is Munin's longest claim); when that
// is not positive the hold is 0, the grace period. The handoff grace and
// hold therefore end when the claim does, and the bot resumes then, as §6
// says it should. An assignment does not block the bot at Munin (only a
// claim does), so it counts as human activity, for the grace period.
//
// Statuses. Only "closed" maps. "open" is not mapped: Munin also reopens a
// conversation when the visitor writes to a closed or snoozed one (§2.2),
// and a snooze wakes up by itself, which the webhook cannot tell from a
// human reopening it; treating those as human activity would silence the
// bot exactly when the visitor comes back. A human who reopens and writes
// is seen through the message. "snoozed" and "spam" are not mapped either:
// they leave ownership as it is (a claim, if any, still runs out), and a
// bot that wants to ignore spam reads the status itself.
//
// The echo question. The bot's own posts come back as message.sent by
// "agent", and so do posts by Munin's built-in AI and by any other API key:
// the webhook cannot tell them apart (and the widget feed labels every agent
// row "ai", §7). HandoffEvent treats every agent post as the bot's own
// (BotMessage, which never suppresses the bot). That is right when the bot
// set AgentModeOff, which it should (§6: new widget conversations start in
// "auto", so Munin's AI would answer too), and it works with any number of
// replicas, which share no memory of each other's posts. A bot that leaves
// Munin's AI on uses EchoFilter.HandoffEvent instead.
func HandoffEvent(ev Event) (handoff.Event, bool) {
	return handoffEvent(ev, nil)
}

// HandoffEvent is the package's HandoffEvent for a bot that leaves Munin's
// AI on (agent mode "auto" or "draft_only") or shares the conversation with
// another integration: an agent post whose message id f remembers is the
// bot's own echo (BotMessage), and any other agent post is another agent
// speaking — Munin's AI or a second API key — which maps to HumanMessage
// with Actor "agent", so the bot stays quiet for the grace period instead of
// talking over it. Every other event maps as HandoffEvent maps it.
//
// f only knows the posts of this process (see EchoFilter): with several
// replicas, an echo that reaches a replica that did not post it silences
// the bot for the grace period. Such bots should set AgentModeOff and use
// the package's HandoffEvent. A nil f maps as HandoffEvent does.
func (f *EchoFilter) HandoffEvent(ev Event) (handoff.Event, bool) {
	if f == nil {
		return HandoffEvent(ev)
	}
	return handoffEvent(ev, f)
}

// handoffEvent maps ev; echoes, when not nil, decides which agent posts are
// the bot's own.
func handoffEvent(ev Event, echoes *EchoFilter) (handoff.Event, bool) {
	switch e := ev.(type) {
	case *MessageSentEvent:
		var kind handoff.Kind
		actor := e.AuthorType
		switch e.AuthorType {
		case AuthorUser:
			kind = handoff.HumanMessage
		case AuthorAgent:
			kind = handoff.BotMessage
			if echoes != nil && !echoes.Contains(e.MessageID) {
				kind = handoff.HumanMessage
			}
		default:
			return handoff.Event{}, false
		}
		return messageEvent(&e.Envelope, e.ConversationID, e.MessageID, kind, actor)
	case *MessageReceivedEvent:
		return messageEvent(&e.Envelope, e.ConversationID, e.MessageID, handoff.UserMessage, AuthorEndUser)
	case *TakenOverEvent:
		hev, ok := newHandoffEvent(&e.Envelope, e.ConversationID, handoff.TakeOver, e.HolderID)
		if hold := e.ExpiresAt.Sub(e.CreatedAt); hold > 0 && !e.ExpiresAt.IsZero() {
			hev.Hold = hold
		}
		return hev, ok
	case *ReleasedEvent:
		return newHandoffEvent(&e.Envelope, e.ConversationID, handoff.HandBack, e.HolderID)
	case *AssignedEvent:
		if e.AssigneeUserID == "" {
			return newHandoffEvent(&e.Envelope, e.ConversationID, handoff.HandBack, "")
		}
		return newHandoffEvent(&e.Envelope, e.ConversationID, handoff.HumanJoined, e.AssigneeUserID)
	case *StatusChangedEvent:
		if e.Status != StatusClosed {
			return handoff.Event{}, false
		}
		return newHandoffEvent(&e.Envelope, e.ConversationID, handoff.Closed, "")
	case *HandoverRequestedEvent:
		hev, ok := newHandoffEvent(&e.Envelope, e.ConversationID, handoff.HandoffRequested, "")
		if ok && e.Reason != "" {
			hev.Meta[MetaReason] = e.Reason
		}
		return hev, ok
	}
	return handoff.Event{}, false
}

// newHandoffEvent fills what every mapped event has. A conversation id is
// required: handoff.Controller keys everything by it.
func newHandoffEvent(env *Envelope, conversation string, kind handoff.Kind, actor string) (handoff.Event, bool) {
	if conversation == "" {
		return handoff.Event{}, false
	}
	return handoff.Event{
		ID:           env.ID,
		Conversation: conversation,
		Kind:         kind,
		Actor:        actor,
		OccurredAt:   env.CreatedAt,
		Meta:         map[string]string{MetaType: env.Type},
	}, true
}

// messageEvent is newHandoffEvent for a message event. The older docs'
// envelope has no event id; the message id then identifies the event.
func messageEvent(env *Envelope, conversation, messageID string, kind handoff.Kind, actor string) (handoff.Event, bool) {
	hev, ok := newHandoffEvent(env, conversation, kind, actor)
	if !ok {
		return hev, false
	}
	if messageID != "" {
		hev.Meta[MetaMessageID] = messageID
		if hev.ID == "" {
			hev.ID = messageID
		}
	}
	return hev, true
}
