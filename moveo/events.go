package moveo

import (
	"bytes"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/segmentio/encoding/json"

	"github.com/botbridge/botbridge/internal/jsonscan"
)

// This file holds the webhook events Moveo sends a custom channel
// (moveo-webhook-event-payloads.txt) and ParseEvent, which turns an event's
// raw body into one of them. NewWebhookHandler (webhook.go) verifies and
// parses deliveries before handing them over; HandoffEvent (handoff.go)
// translates them for the handoff controller.

// The event types of the payload page: the values of Base.Type. ParseEvent
// returns a concrete type for each of them and an *UnknownEvent for every
// other type.
const (
	TypeBrainSend            = "message:brain_send"
	TypeAgentMessage         = "message:send"
	TypeTyping               = "message:compose"
	TypeRead                 = "message:read"
	TypeDelivered            = "message:delivered"
	TypeMemberJoin           = "conversation:member_join"
	TypeMemberLeave          = "conversation:member_leave"
	TypeConversationClosed   = "conversation:closed"
	TypeConversationReopened = "conversation:reopened"
	TypeSessionClosed        = "session:closed"
	TypeSessionExpired       = "session:expired"
)

// The values of the author_type fields: who typed, read, joined or left.
const (
	// AuthorAgent is a human agent of Moveo's desk.
	AuthorAgent = "agent"
	// AuthorBrain is Moveo's AI agent.
	AuthorBrain = "brain"
	// AuthorVisitor is the end user (message:read only).
	AuthorVisitor = "visitor"
)

// The values of TypingEvent.Action.
const (
	TypingStart = "start"
	TypingStop  = "stop"
)

// Event is one webhook event, parsed. Its dynamic type is a pointer to one
// of the *…Event types of this package: switch on it, or give a Dispatcher
// the handlers you need.
//
//	switch ev := ev.(type) {
//	case *moveo.BrainSendEvent:
//		// ev.Output.Responses: the AI agent's replies to render
//	case *moveo.AgentMessageEvent:
//		// ev.From.Name wrote ev.Body.Text
//	case *moveo.UnknownEvent:
//		// a type this package does not know: accept it
//	}
type Event interface {
	// EventBase returns the fields every event has. Every event type gets
	// it from its embedded Base.
	EventBase() *Base
}

// Base holds the fields every Moveo event has. Each event type embeds it,
// so ev.SessionID and ev.Timestamp read directly.
//
// Marshalling an event writes TimestampMillis as "timestamp"; Timestamp is
// derived from it by ParseEvent.
type Base struct {
	// Type is the event type, such as "message:brain_send".
	Type string `json:"event_type"`
	// RequestID is Moveo's id for the request that caused the event. With
	// Type it identifies the event: Moveo's retries repeat both, so the
	// webhook handler dedupes on them (moveo-api-notes.md, "Webhook
	// security and delivery").
	RequestID string `json:"request_id"`
	// SessionID is Moveo's session (a UUID): the conversation key.
	SessionID string `json:"session_id"`
	// ExternalSessionID is the channel's own id given to CreateSession.
	ExternalSessionID string `json:"external_session_id,omitempty"`
	// IntegrationID is the custom integration (a UUID).
	IntegrationID string `json:"integration_id"`
	// DeskID is the Moveo desk (environment) of the integration.
	DeskID string `json:"desk_id,omitempty"`
	// Context is the session's context object as delivered, or nil. Read
	// it with ContextMap, or json.Unmarshal it into your own type.
	Context json.RawMessage `json:"context,omitempty"`
	// Timestamp is when the event happened, in UTC, from TimestampMillis.
	Timestamp time.Time `json:"-"`
	// TimestampMillis is the event's timestamp as delivered: milliseconds
	// since the Unix epoch. The webhook handler's replay window reads it.
	TimestampMillis int64 `json:"timestamp"`
}

// EventBase returns b. Every event type gets it by embedding Base, which is
// what makes it an Event.
func (b *Base) EventBase() *Base { return b }

// ContextMap decodes Context; nil when there is none.
func (b *Base) ContextMap() (map[string]any, error) {
	if len(b.Context) == 0 || string(b.Context) == "null" {
		return nil, nil
	}
	var m map[string]any
	if err := json.Unmarshal(b.Context, &m); err != nil {
		return nil, &EventError{Field: "context", Reason: oneLine(err.Error())}
	}
	return m, nil
}

// BrainSendEvent is message:brain_send: Moveo's AI agent answered the
// user. Render Output.Responses in order.
type BrainSendEvent struct {
	Base
	// Output holds the AI agent's replies.
	Output BrainOutput `json:"output"`
}

// BrainOutput is a BrainSendEvent's output object.
type BrainOutput struct {
	// Responses are the replies, one value of a Response type each.
	Responses []Response `json:"responses"`
}

// UnmarshalJSON decodes an output object, its responses into their
// concrete types. ParseEvent does not need it; it is there for a
// BrainSendEvent decoded with json.Unmarshal.
func (o *BrainOutput) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	out, err := parseOutput(bytes.Clone(b), "output")
	if err != nil {
		return err
	}
	*o = out
	return nil
}

// AgentMessageEvent is message:send: a human agent of Moveo's desk wrote to
// the user. Show Body to the user as From.Name.
type AgentMessageEvent struct {
	Base
	// From is the agent who wrote.
	From DeskAgent `json:"from"`
	// To is the user written to.
	To Recipient `json:"to"`
	// Body is the message.
	Body MessageBody `json:"body"`
}

// DeskAgent is a human agent of Moveo's desk, the author of an
// AgentMessageEvent.
type DeskAgent struct {
	// ID is the agent's id.
	ID string `json:"agent_id"`
	// Name is the agent's display name.
	Name string `json:"agent_name"`
	// Avatar is the URL of the agent's picture (optional).
	Avatar string `json:"agent_avatar,omitempty"`
	// TeamID is the agent's team or department (optional).
	TeamID string `json:"team_id,omitempty"`
}

// Recipient is who an AgentMessageEvent is for.
type Recipient struct {
	// UserID is the user's id.
	UserID string `json:"user_id"`
}

// MessageBody is the content of an AgentMessageEvent.
type MessageBody struct {
	// Text is the message text.
	Text string `json:"text"`
	// Attachments are files sent with it, in the format of a user
	// message's attachments.
	Attachments []Attachment `json:"attachments,omitempty"`
}

// TypingEvent is message:compose: someone started or stopped typing.
type TypingEvent struct {
	Base
	// AuthorID is who is typing.
	AuthorID string `json:"author_id"`
	// AuthorName is their name.
	AuthorName string `json:"author_name"`
	// AuthorType is AuthorAgent or AuthorBrain.
	AuthorType string `json:"author_type"`
	// Action is TypingStart or TypingStop.
	Action string `json:"action"`
}

// ReadEvent is message:read: messages were marked as read.
type ReadEvent struct {
	Base
	// AuthorType is who read them: AuthorAgent, AuthorBrain or
	// AuthorVisitor.
	AuthorType string `json:"author_type"`
}

// DeliveredEvent is message:delivered: messages were confirmed delivered.
type DeliveredEvent struct {
	Base
	// AuthorType is who confirmed them.
	AuthorType string `json:"author_type"`
}

// MemberJoinEvent is conversation:member_join: an agent joined the
// conversation.
type MemberJoinEvent struct {
	Base
	// AuthorID is the agent who joined.
	AuthorID string `json:"author_id"`
	// AuthorName is their name.
	AuthorName string `json:"author_name"`
	// AuthorType is AuthorAgent.
	AuthorType string `json:"author_type"`
}

// MemberLeaveEvent is conversation:member_leave: an agent left the
// conversation.
type MemberLeaveEvent struct {
	Base
	// AuthorID is the agent who left.
	AuthorID string `json:"author_id"`
	// AuthorName is their name.
	AuthorName string `json:"author_name"`
	// AuthorType is AuthorAgent.
	AuthorType string `json:"author_type"`
}

// ConversationClosedEvent is conversation:closed: the conversation was
// marked as resolved.
type ConversationClosedEvent struct {
	Base
	// Status is the new status, "resolved".
	Status string `json:"status"`
	// AgentID is the agent who closed it.
	AgentID string `json:"agent_id,omitempty"`
	// AgentName is their name.
	AgentName string `json:"agent_name,omitempty"`
}

// ConversationReopenedEvent is conversation:reopened: a resolved
// conversation was reopened. It carries only the base fields.
type ConversationReopenedEvent struct {
	Base
}

// SessionClosedEvent is session:closed: the session was explicitly closed.
type SessionClosedEvent struct {
	Base
	// Status is "closed".
	Status string `json:"status"`
}

// SessionExpiredEvent is session:expired: the session ended after the
// integration's session_timeout without activity. It carries only the base
// fields; a later user message needs a new session.
type SessionExpiredEvent struct {
	Base
}

// UnknownEvent is an event whose type this package does not know. Its base
// fields are parsed (so the handler's replay window and dedupe apply to it)
// and Raw keeps the whole event. Answer it with success: an error makes
// Moveo retry an event the handler will never understand.
type UnknownEvent struct {
	Base
	// Raw is the whole event exactly as delivered.
	Raw json.RawMessage `json:"-"`
}

// MarshalJSON returns Raw.
func (e *UnknownEvent) MarshalJSON() ([]byte, error) {
	if len(e.Raw) == 0 {
		return json.Marshal(&e.Base)
	}
	return e.Raw, nil
}

// ErrInvalidEvent matches (errors.Is) every error of ParseEvent and
// ParseResponse.
var ErrInvalidEvent = errors.New("moveo: invalid event")

// EventError is why ParseEvent refused a payload: the field, as a JSON path
// such as "output.responses[1].cards[0].title" (empty for the payload as a
// whole), and what is wrong with it. It never quotes more than a short
// piece of the payload.
type EventError struct {
	// Field is the JSON path of the offending field.
	Field string
	// Reason says what is wrong.
	Reason string
}

// Error returns "moveo: event: <field>: <reason>".
func (e *EventError) Error() string {
	if e.Field == "" {
		return "moveo: event: " + e.Reason
	}
	return "moveo: event: " + e.Field + ": " + e.Reason
}

// Is reports whether target is ErrInvalidEvent.
func (e *EventError) Is(target error) bool { return target == ErrInvalidEvent }

// ParseEvent parses one webhook event, the raw body Moveo posted. It does
// not verify the signature: NewWebhookHandler does that first.
//
// The result is a pointer to the event type of the body's event_type, or an
// *UnknownEvent with a nil error for a type this package does not know.
// Fields this package does not know are ignored. The body must be a JSON
// object with an event_type string and a timestamp (integer milliseconds);
// context, when present, must be an object; every field present must have
// its documented JSON type. An error is an *EventError naming the field.
// ParseEvent does not keep payload.
func ParseEvent(payload []byte) (Event, error) {
	return parseEvent(bytes.Clone(payload))
}

// decodeFlags: ZeroCopy lets strings point into the parser's own copy of
// the payload instead of allocating each; struct fields match their JSON
// name exactly, as Moveo's keys are lower case.
const decodeFlags = json.ZeroCopy | json.DontMatchCaseInsensitiveStructFields

// maxDepth bounds the nesting of a payload: far beyond any Moveo event, and
// short of what would make the decoder's recursion expensive.
const maxDepth = 1000

// wireBase is the first pass over an event: the base fields, the timestamp
// and context kept raw so that their errors name them, and brain_send's
// output, read in this pass so that the largest event is scanned once.
// Output is a rawOutput on the fast path and json.RawMessage on the slow
// path, which runs when the fast one failed and names the field at fault
// (or accepts an event of another type with an "output" of another shape).
type wireBase[Output any] struct {
	Type              string          `json:"event_type"`
	RequestID         string          `json:"request_id"`
	SessionID         string          `json:"session_id"`
	ExternalSessionID string          `json:"external_session_id"`
	IntegrationID     string          `json:"integration_id"`
	DeskID            string          `json:"desk_id"`
	Context           json.RawMessage `json:"context"`
	Timestamp         json.RawMessage `json:"timestamp"`
	Output            Output          `json:"output"`
}

// rawOutput is an output object with its responses still raw.
type rawOutput struct {
	Responses []json.RawMessage `json:"responses"`
}

// parseEvent parses data, which it keeps: strings and raw parts of the
// event point into it.
func parseEvent(data []byte) (Event, error) {
	if err := wantObject(data, ""); err != nil {
		return nil, err
	}
	if jsonscan.DeeperThan(data, maxDepth) {
		return nil, &EventError{Reason: "invalid JSON: nested more than " + strconv.Itoa(maxDepth) + " levels deep"}
	}
	var w wireBase[json.RawMessage]
	var responses []json.RawMessage
	if fast := (wireBase[rawOutput]{}); parseFast(data, &fast) {
		w = wireBase[json.RawMessage]{fast.Type, fast.RequestID, fast.SessionID, fast.ExternalSessionID,
			fast.IntegrationID, fast.DeskID, fast.Context, fast.Timestamp, nil}
		responses = fast.Output.Responses
	} else if err := decode(data, &w, ""); err != nil {
		return nil, err
	}
	if w.Type == "" {
		return nil, &EventError{Field: "event_type", Reason: "missing"}
	}
	if jsonscan.IsNull(w.Timestamp) {
		return nil, &EventError{Field: "timestamp", Reason: "missing"}
	}
	ms, reason := parseMillis(w.Timestamp)
	if reason != "" {
		return nil, &EventError{Field: "timestamp", Reason: reason}
	}
	base := Base{
		Type:              w.Type,
		RequestID:         w.RequestID,
		SessionID:         w.SessionID,
		ExternalSessionID: w.ExternalSessionID,
		IntegrationID:     w.IntegrationID,
		DeskID:            w.DeskID,
		Timestamp:         time.UnixMilli(ms).UTC(),
		TimestampMillis:   ms,
	}
	if !jsonscan.IsNull(w.Context) {
		if err := wantObject(w.Context, "context"); err != nil {
			return nil, err
		}
		base.Context = w.Context
	}

	var ev Event
	switch base.Type {
	case TypeBrainSend:
		e := &BrainSendEvent{}
		var err error
		switch {
		case responses != nil:
			e.Output.Responses, err = parseResponses(responses, "output")
		case !jsonscan.IsNull(w.Output):
			e.Output, err = parseOutput(w.Output, "output")
		}
		if err != nil {
			return nil, err
		}
		ev = e
	case TypeAgentMessage:
		ev = new(AgentMessageEvent)
	case TypeTyping:
		ev = new(TypingEvent)
	case TypeRead:
		ev = new(ReadEvent)
	case TypeDelivered:
		ev = new(DeliveredEvent)
	case TypeMemberJoin:
		ev = new(MemberJoinEvent)
	case TypeMemberLeave:
		ev = new(MemberLeaveEvent)
	case TypeConversationClosed:
		ev = new(ConversationClosedEvent)
	case TypeSessionClosed:
		ev = new(SessionClosedEvent)
	case TypeConversationReopened:
		ev = new(ConversationReopenedEvent)
	case TypeSessionExpired:
		ev = new(SessionExpiredEvent)
	default:
		ev = &UnknownEvent{Raw: data}
	}
	switch ev.(type) {
	case *BrainSendEvent, *ConversationReopenedEvent, *SessionExpiredEvent, *UnknownEvent:
		// Nothing beyond the base (brain_send's output is parsed above).
	default:
		// The event's own fields; its Base is decoded again and then
		// replaced by the checked one.
		if err := decode(data, ev, ""); err != nil {
			return nil, err
		}
	}
	*ev.EventBase() = base
	return ev, nil
}

// parseOutput parses an output object at path, its responses into their
// concrete types. It keeps raw.
func parseOutput(raw []byte, path string) (BrainOutput, error) {
	if err := wantObject(raw, path); err != nil {
		return BrainOutput{}, err
	}
	var w rawOutput
	if err := decode(raw, &w, path+"."); err != nil {
		return BrainOutput{}, err
	}
	if w.Responses == nil {
		return BrainOutput{}, nil
	}
	responses, err := parseResponses(w.Responses, path)
	if err != nil {
		return BrainOutput{}, err
	}
	return BrainOutput{Responses: responses}, nil
}

// parseResponses parses the raw responses of the output object at path.
func parseResponses(raw []json.RawMessage, path string) ([]Response, error) {
	out := make([]Response, len(raw))
	for i, r := range raw {
		resp, err := parseResponse(r, path+".responses["+strconv.Itoa(i)+"]")
		if err != nil {
			return nil, err
		}
		out[i] = resp
	}
	return out, nil
}

// parseFast decodes data into v, reporting only whether that worked: the
// fast path's errors are not reported (the slow path names them).
func parseFast(data []byte, v any) bool {
	rest, err := json.Parse(data, v, decodeFlags)
	return err == nil && len(jsonscan.TrimSpace(rest)) == 0
}

// parseMillis reads a JSON integer of milliseconds. reason is empty on
// success.
func parseMillis(raw []byte) (ms int64, reason string) {
	if kind := jsonscan.Kind(raw); kind != "number" {
		return 0, "want an integer number of milliseconds, got " + kind
	}
	ms, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil {
		return 0, "want an integer number of milliseconds, got " + quoteShort(string(raw))
	}
	return ms, ""
}

// decode decodes data into v, naming fields with path (empty, or ending in
// a dot) in its errors.
func decode(data []byte, v any, path string) error {
	rest, err := json.Parse(data, v, decodeFlags)
	if err == nil && len(jsonscan.TrimSpace(rest)) > 0 {
		return &EventError{Field: strings.TrimSuffix(path, "."), Reason: "invalid JSON: data after the value"}
	}
	switch e := err.(type) {
	case nil:
		return nil
	case *json.SyntaxError:
		msg, _, _ := strings.Cut(strings.TrimPrefix(e.Error(), "json: "), ": ")
		return &EventError{Reason: "invalid JSON: " + oneLine(msg)}
	case *json.UnmarshalTypeError:
		return &EventError{Field: joinPath(path, e.Field), Reason: "want " + typeName(e.Type) + ", got " + valueKind(e.Value)}
	case *EventError:
		return e
	}
	return &EventError{Field: strings.TrimSuffix(path, "."), Reason: oneLine(err.Error())}
}

// joinPath appends a decoder's field path ("cards.0.title") to path, with
// indexes in brackets: "output.responses[1].cards[0].title".
func joinPath(path, field string) string {
	if field == "" {
		return strings.TrimSuffix(path, ".")
	}
	var b strings.Builder
	b.WriteString(strings.TrimSuffix(path, "."))
	for i, seg := range strings.Split(field, ".") {
		switch {
		case seg != "" && strings.Trim(seg, "0123456789") == "":
			b.WriteString("[" + seg + "]")
		case i == 0 && path == "":
			b.WriteString(seg)
		default:
			b.WriteString("." + seg)
		}
	}
	return b.String()
}

// typeName says what JSON a Go type wants.
func typeName(t reflect.Type) string {
	if t == nil {
		return "another JSON type"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "a boolean"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Pointer:
		return typeName(t.Elem())
	}
	return "another JSON type"
}

// valueKind turns a decoder's description of a value into a JSON kind,
// without quoting the value.
func valueKind(v string) string {
	if u, err := strconv.Unquote(v); err == nil {
		v = u
	}
	for _, kind := range []string{"object", "array", "string", "number", "bool", "null"} {
		if strings.HasPrefix(v, kind) {
			if kind == "bool" {
				return "boolean"
			}
			return kind
		}
	}
	if k := jsonscan.Kind([]byte(v)); k != "" {
		return k
	}
	return "another JSON type"
}

// wantObject reports, at path, that raw is not a JSON object.
func wantObject(raw []byte, path string) error {
	raw = jsonscan.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '{' {
		return nil
	}
	kind := jsonscan.Kind(raw)
	if kind == "" {
		kind = "nothing"
	}
	if path == "" {
		return &EventError{Reason: "want a JSON object, got " + kind}
	}
	return &EventError{Field: path, Reason: "want an object, got " + kind}
}

// oneLine escapes control characters so an error stays on one line.
func oneLine(s string) string {
	if !strings.ContainsFunc(s, unicode.IsControl) && utf8.ValidString(s) {
		return s
	}
	q := strconv.Quote(s)
	return q[1 : len(q)-1]
}

// quoteShort quotes s, cut to 40 bytes, for an error message.
func quoteShort(s string) string {
	const limit = 40
	if len(s) > limit {
		return strconv.Quote(s[:limit]) + "…"
	}
	return strconv.Quote(s)
}
