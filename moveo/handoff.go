package moveo

import (
	"github.com/botbridge/botbridge/handoff"
)

// The Meta keys of the handoff events HandoffEvent makes. Observers read
// them from handoff.Transition.Event.Meta.
const (
	// MetaEventType holds the Moveo event type, such as "message:send".
	MetaEventType = "moveo.event_type"
	// MetaDeskID holds the target desk of a handover response, when it
	// names one.
	MetaDeskID = "moveo.desk_id"
	// MetaDepartmentID holds the target department of a handover response,
	// when it names one.
	MetaDepartmentID = "moveo.department_id"
)

// HandoffEvent translates a Moveo event into what handoff.Controller.Observe
// takes. It reports false for events that say nothing about who owns the
// conversation; pass those by.
//
//	message:brain_send with a handover response → HandoffRequested, Meta desk / department
//	message:brain_send, other responses         → BotMessage (Moveo's AI agent is the bot side)
//	message:send                                → HumanMessage, Actor = from.agent_id
//	message:compose, agent, "start"             → HumanTyping, Actor = author_id
//	message:compose, brain or "stop"            → false
//	conversation:member_join (not the brain)    → HumanJoined, Actor = author_id
//	conversation:member_leave (not the brain)   → HumanLeft, Actor = author_id
//	conversation:closed                         → Closed, Actor = agent_id
//	conversation:reopened                       → Reopened
//	session:closed, session:expired             → SessionEnded
//	message:read, message:delivered, unknown    → false
//
// The handoff event's ID is request_id + ":" + event_type, the key Moveo
// repeats on every retry, so a redelivery is a no-op for the controller
// (empty when the event has no request_id); Conversation is the
// session_id (an event without one reports false); OccurredAt is the
// event's timestamp; Meta holds MetaEventType, plus MetaDeskID and
// MetaDepartmentID for a handover.
//
// The bot side. In a custom channel the "bot" whose turn the controller
// guards is Moveo's AI agent together with the channel that renders its
// replies: a brain_send is that bot speaking, hence BotMessage, which never
// changes the owner. A brain_send that holds a handover response is the AI
// agent asking for a human: HandoffRequested puts the conversation in
// Pending until an agent joins or writes (Human) or the pending timeout
// passes. The channel's own bot logic (say, an LLM answering beside
// Moveo's AI agent) asks the controller before it speaks, as in any
// botbridge program.
//
// Reopened. Moveo sends conversation:reopened when a resolved conversation
// is reopened, which on the desk is an agent's act; it maps to
// handoff.Reopened, human activity that starts the grace period, so the bot
// does not talk over the agent who is about to write. The event names no
// agent. A channel that reopens conversations itself (ReopenConversation)
// receives the same event for its own call: drop that one before calling
// HandoffEvent if it should not silence the bot.
//
// Typing. Only an agent's "start" counts as activity; "stop" says nothing
// (the agent may be about to send), and the AI agent's typing is the bot's
// own.
func HandoffEvent(ev Event) (handoff.Event, bool) {
	if ev == nil {
		return handoff.Event{}, false
	}
	base := ev.EventBase()
	if base.SessionID == "" {
		return handoff.Event{}, false
	}
	out := handoff.Event{
		Conversation: base.SessionID,
		OccurredAt:   base.Timestamp,
		Meta:         map[string]string{MetaEventType: base.Type},
	}
	if base.RequestID != "" {
		out.ID = base.RequestID + ":" + base.Type
	}
	switch ev := ev.(type) {
	case *BrainSendEvent:
		out.Kind, out.Actor = handoff.BotMessage, AuthorBrain
		if h, ok := ev.Handover(); ok {
			out.Kind = handoff.HandoffRequested
			if h.DeskID != "" {
				out.Meta[MetaDeskID] = h.DeskID
			}
			if h.DepartmentID != "" {
				out.Meta[MetaDepartmentID] = h.DepartmentID
			}
		}
	case *AgentMessageEvent:
		out.Kind, out.Actor = handoff.HumanMessage, ev.From.ID
	case *TypingEvent:
		if ev.AuthorType != AuthorAgent || ev.Action != TypingStart {
			return handoff.Event{}, false
		}
		out.Kind, out.Actor = handoff.HumanTyping, ev.AuthorID
	case *MemberJoinEvent:
		if ev.AuthorType == AuthorBrain {
			return handoff.Event{}, false
		}
		out.Kind, out.Actor = handoff.HumanJoined, ev.AuthorID
	case *MemberLeaveEvent:
		if ev.AuthorType == AuthorBrain {
			return handoff.Event{}, false
		}
		out.Kind, out.Actor = handoff.HumanLeft, ev.AuthorID
	case *ConversationClosedEvent:
		out.Kind, out.Actor = handoff.Closed, ev.AgentID
	case *ConversationReopenedEvent:
		out.Kind = handoff.Reopened
	case *SessionClosedEvent, *SessionExpiredEvent:
		out.Kind = handoff.SessionEnded
	default:
		return handoff.Event{}, false
	}
	return out, true
}

// Handover returns the first handover response of ev, if it has one: the
// AI agent is handing the conversation to a human.
func (ev *BrainSendEvent) Handover() (Handover, bool) {
	for _, r := range ev.Output.Responses {
		if h, ok := r.(Handover); ok {
			return h, true
		}
	}
	return Handover{}, false
}
