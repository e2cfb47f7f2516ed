package certainly

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/botbridge/botbridge/handoff"
)

// The Meta keys of the handoff events HandoffEvent makes. Observers read
// them from handoff.Transition.Event.Meta.
const (
	// MetaModuleID holds the flow module whose Webhook made a claim.
	MetaModuleID = "certainly.module_id"
	// MetaSessionID holds the session id of a claim or message, when it
	// has one.
	MetaSessionID = "certainly.session_id"
)

// The actors of the handoff events this package makes.
const (
	// ActorBot is the Certainly bot.
	ActorBot = string(InterlocutorBot)
	// ActorUser is the end user.
	ActorUser = string(InterlocutorUser)
	// ActorAgent is the human agent of the third-party system.
	ActorAgent = string(InterlocutorAgent)
)

// ConversationKey is the handoff.Controller key of the conversation of bot
// deployment botID with user userID: the two ids, each path-escaped (so
// "/" and "%" in them are escaped), joined with "/". Two different pairs of
// ids never give the same key, and ParseConversationKey reverses it.
func ConversationKey(botID, userID string) string {
	return url.PathEscape(botID) + "/" + url.PathEscape(userID)
}

// ParseConversationKey returns the ids a ConversationKey was made from. It
// fails on a key ConversationKey cannot have made, or one with an empty id.
func ParseConversationKey(key string) (Conversation, error) {
	bot, user, ok := strings.Cut(key, "/")
	if !ok || strings.Contains(user, "/") {
		return Conversation{}, fmt.Errorf("certainly: conversation key %q: want <botId>/<userId>", key)
	}
	var c Conversation
	var err error
	if c.BotID, err = url.PathUnescape(bot); err != nil || c.BotID == "" {
		return Conversation{}, fmt.Errorf("certainly: conversation key %q: bad bot id", key)
	}
	if c.UserID, err = url.PathUnescape(user); err != nil || c.UserID == "" {
		return Conversation{}, fmt.Errorf("certainly: conversation key %q: bad user id", key)
	}
	return c, nil
}

// HandoffEvent translates a webhook event into what
// handoff.Controller.Observe takes. It reports false for events that say
// nothing about who owns the conversation; pass those by.
//
//	*Claim                        → HandoffRequested, Actor "bot", Meta module id
//	*Message, interlocutor user   → UserMessage, Actor "user"
//	*Message, interlocutor agent  → HumanMessage, Actor "agent"
//	*Message, interlocutor bot    → BotMessage, Actor "bot"
//	*Message, another interlocutor, or without botId or user id → false
//	*UnknownEvent, nil            → false
//
// Conversation is ConversationKey(botId, user id). Certainly's payloads
// carry no id and no time, so OccurredAt is zero (the controller reads its
// clock) and ID is derived from the raw body: "claim:" or "message:" and
// the hex of the first 12 bytes of its SHA-256. A claim Certainly posts
// again (its Webhook Builder may, after its 5 second timeout) has the same
// body and is a no-op for the controller; so is a second, identical claim
// for the same user while the first is still recent. Likewise a user who
// writes the same words twice, in payloads that are otherwise identical,
// gives two events with one ID: the controller counts the second as a
// duplicate. That costs nothing for its state (a user message changes no
// owner), but count messages from the payloads, not from the controller;
// a Relay forwards both. Meta holds
// MetaModuleID for a claim, and MetaSessionID when the payload names a
// session.
//
// The program's own calls are not webhooks: observe HandoverEvent after
// Client.Handover, AgentMessageEvent after Client.SendMessage and
// TakeoverEvent after Client.Takeover (a Relay does all of that).
func HandoffEvent(ev Event) (handoff.Event, bool) {
	switch ev := ev.(type) {
	case *Claim:
		if ev == nil || ev.BotID == "" || ev.To == "" {
			return handoff.Event{}, false
		}
		out := handoff.Event{
			ID:           "claim:" + bodyHash(ev.Raw, ev),
			Conversation: ConversationKey(ev.BotID, ev.To),
			Kind:         handoff.HandoffRequested,
			Actor:        ActorBot,
			Meta:         map[string]string{MetaModuleID: ev.ModuleID},
		}
		if ev.SessionID != "" {
			out.Meta[MetaSessionID] = ev.SessionID
		}
		return out, true
	case *Message:
		if ev == nil || ev.BotID == "" || ev.UserID == "" {
			return handoff.Event{}, false
		}
		out := handoff.Event{
			ID:           "message:" + bodyHash(ev.Raw, ev),
			Conversation: ConversationKey(ev.BotID, ev.UserID),
			Actor:        string(ev.Interlocutor),
		}
		switch ev.Interlocutor {
		case InterlocutorUser:
			out.Kind = handoff.UserMessage
		case InterlocutorAgent:
			out.Kind = handoff.HumanMessage
		case InterlocutorBot:
			out.Kind = handoff.BotMessage
		default:
			return handoff.Event{}, false
		}
		if ev.SessionID != "" {
			out.Meta = map[string]string{MetaSessionID: ev.SessionID}
		}
		return out, true
	}
	return handoff.Event{}, false
}

// bodyHash is the hex of the first 12 bytes of the SHA-256 of raw, or of v
// encoded when raw is empty (an event the program built itself).
func bodyHash(raw json.RawMessage, v any) string {
	if len(raw) == 0 {
		raw, _ = json.Marshal(v) // Claim and Message always encode
	}
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:12])
}

// HandoverEvent is the handoff event for the program's own
// Client.Handover: a human agent takes the conversation over (TakeOver,
// Actor "agent"). Its Hold is 0, the controller's grace period, which
// every AgentMessageEvent slides on; the conversation goes back to the bot
// when the agent has been silent that long, or at TakeoverEvent. at is when
// Certainly accepted the call; the ID is unique.
func HandoverEvent(botID, userID string, at time.Time) handoff.Event {
	return ownEvent("handover:", botID, userID, handoff.TakeOver, at)
}

// AgentMessageEvent is the handoff event for the program's own
// Client.SendMessage: the human agent wrote (HumanMessage, Actor "agent"),
// which slides the grace period. at is when the agent sent it; the ID is
// unique.
func AgentMessageEvent(botID, userID string, at time.Time) handoff.Event {
	return ownEvent("agent-message:", botID, userID, handoff.HumanMessage, at)
}

// TakeoverEvent is the handoff event for the program's own
// Client.Takeover: the agent hands the conversation back to the bot
// (HandBack, Actor "agent"). at is when Certainly accepted the call; the ID
// is unique.
func TakeoverEvent(botID, userID string, at time.Time) handoff.Event {
	return ownEvent("takeover:", botID, userID, handoff.HandBack, at)
}

func ownEvent(prefix, botID, userID string, kind handoff.Kind, at time.Time) handoff.Event {
	return handoff.Event{
		ID:           prefix + rand.Text(),
		Conversation: ConversationKey(botID, userID),
		Kind:         kind,
		Actor:        ActorAgent,
		OccurredAt:   at,
	}
}
