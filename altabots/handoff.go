package altabots

import (
	"hash/fnv"
	"strconv"
	"time"

	"github.com/botbridge/botbridge/handoff"
)

// The Meta keys of the handoff events HandoffEvents and the helpers make.
// Observers read them from handoff.Transition.Event.Meta.
const (
	// MetaBotID holds the AltaBots agent (bot) that handed the
	// conversation over, on the establish events.
	MetaBotID = "bot_id"
	// MetaReason holds why a conversation closed: "TIMEOUT" or
	// "USER_CLOSED" (AltaBots' close types) or ReasonDesk.
	MetaReason = "reason"
)

// ReasonDesk is MetaReason on DeskClosedEvent: the desk closed the
// conversation (Client.Close).
const ReasonDesk = "desk"

// The actors of the handoff events.
const (
	// ActorAltaBots acts for AltaBots: it asks for the human and closes a
	// conversation that timed out.
	ActorAltaBots = "altabots"
	// ActorUser is AltaBots' end user: their messages and their own close.
	ActorUser = "user"
	// ActorDesk is the human-service desk: it accepts, replies and closes.
	ActorDesk = "desk"
)

// HandoffEvents translates a call AltaBots made on the desk into what
// handoff.Controller.Observe takes, for a program that runs a bot beside the
// desk (or mirrors AltaBots' state) and must know who owns the
// conversation. req is what the Desk method received:
//
//	*EstablishRequest → HandoffRequested (Actor altabots), then HumanJoined (Actor desk)
//	*ChatRequest      → UserMessage (Actor user)
//	*CloseRequest     → Closed (Actor altabots for TIMEOUT, user for USER_CLOSED), Meta reason
//	anything else     → nil
//
// An establish that the desk answers with success means a human took the
// conversation, so it gives both events: observe them when accepting it.
// Every event's Conversation is conversation_id and its OccurredAt the
// request's timestamp. Its ID is derived from the conversation, the
// endpoint and the timestamp (and, for a chat, the message), so AltaBots
// sending the same call again is a no-op for the controller; a request
// without a timestamp gives events without ID or time (the controller then
// reads its own clock). The establish events carry MetaBotID.
//
// The desk's own acts are not calls from AltaBots: ReplyEvent and
// DeskClosedEvent make their events.
func HandoffEvents(req any) []handoff.Event {
	switch req := req.(type) {
	case *EstablishRequest:
		if req == nil {
			return nil
		}
		meta := func() map[string]string { return map[string]string{MetaBotID: req.BotID} }
		return []handoff.Event{
			{
				ID: eventID(req.ConversationID, "establish.requested", req.Timestamp, ""), Conversation: req.ConversationID,
				Kind: handoff.HandoffRequested, Actor: ActorAltaBots, OccurredAt: req.Timestamp.Time(), Meta: meta(),
			},
			{
				ID: eventID(req.ConversationID, "establish.joined", req.Timestamp, ""), Conversation: req.ConversationID,
				Kind: handoff.HumanJoined, Actor: ActorDesk, OccurredAt: req.Timestamp.Time(), Meta: meta(),
			},
		}
	case *ChatRequest:
		if req == nil {
			return nil
		}
		return []handoff.Event{{
			ID: eventID(req.ConversationID, "chat", req.Timestamp, req.Body), Conversation: req.ConversationID,
			Kind: handoff.UserMessage, Actor: ActorUser, OccurredAt: req.Timestamp.Time(),
		}}
	case *CloseRequest:
		if req == nil {
			return nil
		}
		actor := ActorAltaBots
		if req.Type == CloseUserClosed {
			actor = ActorUser
		}
		return []handoff.Event{{
			ID: eventID(req.ConversationID, "close", req.Timestamp, ""), Conversation: req.ConversationID,
			Kind: handoff.Closed, Actor: actor, OccurredAt: req.Timestamp.Time(),
			Meta: map[string]string{MetaReason: string(req.Type)},
		}}
	}
	return nil
}

// eventID is "altabots:<conversation>:<what>:<timestamp>", with a hash of
// text for a chat message (two messages in one millisecond stay apart), or
// "" when the request carried no timestamp.
func eventID(conversationID, what string, ts UnixMillis, text string) string {
	if ts == 0 {
		return ""
	}
	id := "altabots:" + conversationID + ":" + what + ":" + ts.String()
	if what == "chat" {
		h := fnv.New64a()
		_, _ = h.Write([]byte(text))
		id += ":" + strconv.FormatUint(h.Sum64(), 36)
	}
	return id
}

// ReplyEvent is the handoff event for a reply the desk sent
// (Client.SendMessage) at at: a HumanMessage by ActorDesk, which starts or
// extends the human's grace period. It has no ID: the desk's own acts are
// not redelivered.
func ReplyEvent(conversationID string, at time.Time) handoff.Event {
	return handoff.Event{Conversation: conversationID, Kind: handoff.HumanMessage, Actor: ActorDesk, OccurredAt: at}
}

// DeskClosedEvent is the handoff event for the desk closing the
// conversation (Client.Close) at at: Closed by ActorDesk with MetaReason
// ReasonDesk. The bot owns the conversation again.
func DeskClosedEvent(conversationID string, at time.Time) handoff.Event {
	return handoff.Event{
		Conversation: conversationID, Kind: handoff.Closed, Actor: ActorDesk, OccurredAt: at,
		Meta: map[string]string{MetaReason: ReasonDesk},
	}
}
