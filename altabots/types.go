package altabots

import (
	"context"
	"encoding/json"
	"strconv"
	"time"
)

// UnixMillis is a time as AltaBots sends it: milliseconds since the Unix
// epoch, a JSON number ("timestamp": 1742265090895).
type UnixMillis int64

// Millis returns t as a UnixMillis.
func Millis(t time.Time) UnixMillis { return UnixMillis(t.UnixMilli()) }

// Time returns m as a time.Time in UTC; zero stays the zero time.
func (m UnixMillis) Time() time.Time {
	if m == 0 {
		return time.Time{}
	}
	return time.UnixMilli(int64(m)).UTC()
}

// String prints m as its number of milliseconds.
func (m UnixMillis) String() string { return strconv.FormatInt(int64(m), 10) }

// MessageType says who wrote a message of an establish request's
// transcript.
type MessageType string

// The message types of the establish request's body (the handoff page's
// "body.message_type": QUESTION/ANSWER).
const (
	// Question is a message the end user wrote.
	Question MessageType = "QUESTION"
	// Answer is a message the AltaBots agent (the bot) answered.
	Answer MessageType = "ANSWER"
)

// Message is one entry of the transcript AltaBots hands over with a
// conversation. Text may be empty: the page's own example ends with an
// ANSWER whose text is "".
type Message struct {
	Text string      `json:"text"`
	Type MessageType `json:"message_type"`
}

// UserInfo is the end user as AltaBots knows them.
type UserInfo struct {
	// Phone is set only when the user came through WhatsApp; the page's
	// example sends "phone": null.
	Phone *string `json:"phone"`
	// Email is set when the user typed one.
	Email string `json:"email"`
	// UserID is the developer's own id for the user, when they set one.
	UserID string `json:"user_id"`
	// AnonymousID is AltaBots' id for the user on the channel they came from.
	AnonymousID string `json:"anonymous_id"`
}

// EstablishRequest is AltaBots' call to the desk's conversation-establish
// endpoint: a user of the agent (bot) wants a human. Answering it with
// success means the desk accepted the conversation, and must now reply
// within AltaBots' waiting time (60 s by default) or the handoff ends.
type EstablishRequest struct {
	// ConversationID identifies the handoff; every reply and close names it.
	ConversationID string `json:"conversation_id"`
	// Timestamp is when AltaBots sent the request; 0 when it sent none.
	Timestamp UnixMillis `json:"timestamp"`
	// Email is the user's email, which some desks require.
	Email string `json:"email"`
	// BotID is the AltaBots agent (formerly "bot") that hands over.
	BotID string `json:"bot_id"`
	// Body is the conversation so far, oldest first.
	Body []Message `json:"body"`
	// UserInfo describes the user.
	UserInfo UserInfo `json:"user_info"`
	// Raw is the request body exactly as received, with any field this
	// type does not know. It is not sent when the request is encoded.
	Raw json.RawMessage `json:"-"`
}

// ChatRequest is AltaBots' call to the desk's chat endpoint: the user wrote
// to the human.
type ChatRequest struct {
	// ConversationID is the conversation the establish request opened.
	ConversationID string `json:"conversation_id"`
	// Timestamp is when AltaBots sent the request; 0 when it sent none.
	Timestamp UnixMillis `json:"timestamp"`
	// Body is the user's message.
	Body string `json:"body"`
	// Raw is the request body exactly as received.
	Raw json.RawMessage `json:"-"`
}

// CloseType says why AltaBots closed a conversation.
type CloseType string

// The close types of the close endpoint.
const (
	// CloseTimeout: the user's conversation timed out.
	CloseTimeout CloseType = "TIMEOUT"
	// CloseUserClosed: the user closed it.
	CloseUserClosed CloseType = "USER_CLOSED"
)

// Valid reports whether t is one of the two close types the handoff page
// documents. The comparison is exact: "timeout" is not valid.
func (t CloseType) Valid() bool { return t == CloseTimeout || t == CloseUserClosed }

// CloseRequest is AltaBots' call to the desk's close endpoint: the
// conversation ended on the user's side. The desk's own Client.Close is the
// other direction.
type CloseRequest struct {
	// ConversationID is the conversation that ended.
	ConversationID string `json:"conversation_id"`
	// Timestamp is when AltaBots sent the request; 0 when it sent none.
	Timestamp UnixMillis `json:"timestamp"`
	// Type is CloseTimeout or CloseUserClosed; the handler refuses others.
	Type CloseType `json:"type"`
	// Raw is the request body exactly as received.
	Raw json.RawMessage `json:"-"`
}

// Desk is the human-service desk AltaBots hands conversations to: the
// handler calls one method per endpoint, with the decoded, validated
// request. A nil error answers {"code":0,"message":"success"} with HTTP 200;
// an error answers 500 (or what a *DeskError says), and AltaBots treats the
// call as failed. The methods may be called concurrently.
type Desk interface {
	// Establish accepts a handed-over conversation. The desk must then send
	// a first reply through Client.SendMessage within AltaBots' waiting
	// time; WithAutoReply does it when the desk is slower.
	Establish(ctx context.Context, req *EstablishRequest) error
	// Chat receives a message the user wrote.
	Chat(ctx context.Context, req *ChatRequest) error
	// Close learns that AltaBots closed the conversation.
	Close(ctx context.Context, req *CloseRequest) error
}
