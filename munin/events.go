package munin

import (
	"bytes"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/segmentio/encoding/json"

	"github.com/botbridge/botbridge/internal/jsonscan"
)

// This file holds the webhook events Munin delivers (munin-api-reference.md
// §3.2, §3.3) and ParseEvent, which turns a delivery's raw body into one of
// them. NewWebhookHandler (webhook.go) verifies and parses deliveries before
// handing them over; HandoffEvent (handoff.go) translates them for the
// handoff controller.

// The conversation event types (§3.3): the values of Envelope.Type and of
// the x-munin-event header. ParseEvent returns a concrete type for each of
// them and an *UnknownEvent for every other type.
const (
	TypeConversationCreated   = "conversation.created"
	TypeMessageReceived       = "conversation.message.received"
	TypeMessageSent           = "conversation.message.sent"
	TypeTakenOver             = "conversation.taken_over"
	TypeReleased              = "conversation.released"
	TypeHandoverRequested     = "conversation.handover_requested"
	TypeHandoverResolved      = "conversation.handover_resolved"
	TypeAssigned              = "conversation.assigned"
	TypeAgentModeChanged      = "conversation.agent_mode_changed"
	TypeStatusChanged         = "conversation.status_changed"
	TypeSubjectChanged        = "conversation.subject_changed"
	TypeGreetRequested        = "conversation.greet_requested"
	TypeMessageRead           = "conversation.message.read"
	TypeMessageBodyRevised    = "conversation.message.body_revised"
	TypeMessageOpened         = "conversation.message.opened"
	TypeVoiceCallEnded        = "conversation.voice.call_ended"
	TypeMessageDelivered      = "conversation.message.delivered"
	TypeMessageDeliveryFailed = "conversation.message.delivery_failed"
)

// Event is one webhook delivery, parsed. Its dynamic type is a pointer to
// one of the *…Event types of this package: switch on it.
//
//	switch ev := ev.(type) {
//	case *munin.MessageSentEvent:
//		// ev.ConversationID, ev.MessageID, ev.AuthorType, ev.CreatedAt …
//	case *munin.UnknownEvent:
//		// a type this package does not know, such as curator_job.pending:
//		// accept it (§7: an error answer makes Munin retry it)
//	}
type Event interface {
	// EventEnvelope returns the envelope every delivery has: type, ids,
	// time and raw payload. Every event type gets it from its embedded
	// Envelope.
	EventEnvelope() *Envelope
}

// Envelope is what every Munin delivery carries around its payload (§3.2):
// {"type","id","orgId","correlationId","createdAt","payload"}. Each event
// type embeds it, so ev.ID and ev.CreatedAt read directly.
//
// The JSON methods of the event types encode and decode the whole delivery,
// envelope included; Envelope itself is excluded from the payload.
type Envelope struct {
	// Type is the event type, such as "conversation.message.sent".
	Type string `json:"type"`
	// ID is the event id (evt_…). It is the same for every subscriber and
	// on every retry (§3.2), so it identifies the event, not the delivery;
	// it is empty in the older docs' envelope, which had none.
	ID string `json:"id"`
	// OrgID is the Munin organisation the event belongs to.
	OrgID string `json:"orgId"`
	// CorrelationID is shared by all events caused by one request (§7); it
	// is not an x-request-id. Empty when Munin sent null.
	CorrelationID string `json:"correlationId"`
	// CreatedAt is when the event happened, in UTC. It is the same on every
	// retry, which is what the webhook handler's replay window checks. The
	// older docs called it occurredAt; that name is read when createdAt is
	// absent.
	CreatedAt time.Time `json:"createdAt"`
	// Payload is the payload object exactly as delivered. The typed fields
	// of each event are decoded from it; it also keeps fields this package
	// does not know, such as a voice vendor's.
	Payload json.RawMessage `json:"payload"`
}

// EventEnvelope returns e. Every event type gets it by embedding Envelope,
// which is what makes it an Event.
func (e *Envelope) EventEnvelope() *Envelope { return e }

// ConversationCreatedEvent is conversation.created: a new conversation, for
// example the first widget push of a session (§2.2, §3.3).
type ConversationCreatedEvent struct {
	Envelope       `json:"-"`
	ConversationID string `json:"conversationId"`
	// DisplayID is the conversation's number, sequential per org.
	DisplayID int64  `json:"displayId"`
	ChannelID string `json:"channelId"`
}

// MessageReceivedEvent is conversation.message.received: the end user wrote
// a public message, such as one row of a widget push (§3.3). The payload
// carries no body; fetch the conversation to read it.
type MessageReceivedEvent struct {
	Envelope       `json:"-"`
	ConversationID string `json:"conversationId"`
	MessageID      string `json:"messageId"`
	// AuthorType is always AuthorEndUser.
	AuthorType string `json:"authorType"`
	// Internal is always false: internal notes fire no event.
	Internal bool `json:"internal"`
}

// MessageSentEvent is conversation.message.sent: a public post through
// Munin's send path (§3.3). AuthorType says who posted: AuthorUser is a
// human in the dashboard; AuthorAgent is an API key — the bot itself, any
// other integration, or Munin's built-in AI, which the webhook cannot tell
// apart (§7) — and AuthorSystem is Munin. The bot receives its own posts.
// The handover fallback message fires no event (§4). The payload carries no
// body; fetch the conversation to read it.
type MessageSentEvent struct {
	Envelope       `json:"-"`
	ConversationID string `json:"conversationId"`
	MessageID      string `json:"messageId"`
	AuthorType     string `json:"authorType"`
	Internal       bool   `json:"internal"`
}

// TakenOverEvent is conversation.taken_over: a human claimed the
// conversation, explicitly or with a first dashboard reply (§3.3, §6).
// While the claim lasts Munin refuses the bot's posts (ErrHandoverActive).
// Munin fires no event when the same holder renews the claim, and none when
// it expires (§6, §7).
type TakenOverEvent struct {
	Envelope       `json:"-"`
	ConversationID string `json:"conversationId"`
	// HolderType is "user".
	HolderType string `json:"holderType"`
	// HolderID is the Munin user holding the claim.
	HolderID string `json:"holderId"`
	// ExpiresAt is when the claim ends unless renewed (30 minutes after the
	// take-over by default, at most 240).
	ExpiresAt time.Time `json:"expiresAt"`
}

// ReleasedEvent is conversation.released: the claim was released, or the
// conversation was closed through REST (§3.3). An expiring claim does not
// fire it.
type ReleasedEvent struct {
	Envelope       `json:"-"`
	ConversationID string `json:"conversationId"`
	HolderType     string `json:"holderType"`
	HolderID       string `json:"holderId"`
}

// HandoverRequestedEvent is conversation.handover_requested: someone asked
// for a human on a conversation that was not flagged yet (§3.3, §4).
type HandoverRequestedEvent struct {
	Envelope       `json:"-"`
	ConversationID string `json:"conversationId"`
	// Reason is the request's reason; empty when Munin sent null.
	Reason string `json:"reason"`
}

// HandoverResolvedEvent is conversation.handover_resolved: the first public
// user or agent post after a handover request cleared the flag (§3.3).
type HandoverResolvedEvent struct {
	Envelope       `json:"-"`
	ConversationID string `json:"conversationId"`
	MessageID      string `json:"messageId"`
	AuthorType     string `json:"authorType"`
}

// AssignedEvent is conversation.assigned: the conversation was assigned to a
// Munin user, or unassigned (§3.3). An assignment does not block the bot's
// posts; only a claim does (§6).
type AssignedEvent struct {
	Envelope       `json:"-"`
	ConversationID string `json:"conversationId"`
	// AssigneeUserID is the new assignee; empty when Munin sent null,
	// which means the conversation was unassigned.
	AssigneeUserID string `json:"assigneeUserId"`
}

// AgentModeChangedEvent is conversation.agent_mode_changed: what Munin's own
// AI may do in the conversation changed (§3.3, §6).
type AgentModeChangedEvent struct {
	Envelope       `json:"-"`
	ConversationID string    `json:"conversationId"`
	AgentMode      AgentMode `json:"agentMode"`
}

// StatusChangedEvent is conversation.status_changed (§3.3): StatusOpen,
// StatusSnoozed, StatusClosed or StatusSpam. It fires on reopening, on a
// snooze waking up, on the hourly auto-close after two idle days, and when
// an end user's message reopens a closed or snoozed conversation (§2.2).
type StatusChangedEvent struct {
	Envelope       `json:"-"`
	ConversationID string `json:"conversationId"`
	Status         string `json:"status"`
}

// SubjectChangedEvent is conversation.subject_changed (§3.3).
type SubjectChangedEvent struct {
	Envelope       `json:"-"`
	ConversationID string `json:"conversationId"`
	// Subject is the new subject; empty when Munin sent null.
	Subject string `json:"subject"`
}

// GreetRequestedEvent is conversation.greet_requested: POST
// /v1/widget/conversations asked Munin's AI to greet the visitor (§2.4,
// §3.3).
type GreetRequestedEvent struct {
	Envelope       `json:"-"`
	ConversationID string `json:"conversationId"`
	EndUserID      string `json:"endUserId"`
	ChannelID      string `json:"channelId"`
}

// MessageReadEvent is conversation.message.read: a widget read receipt
// (§3.3).
type MessageReadEvent struct {
	Envelope       `json:"-"`
	ConversationID string    `json:"conversationId"`
	MessageID      string    `json:"messageId"`
	EndUserID      string    `json:"endUserId"`
	ReadAt         time.Time `json:"readAt"`
}

// MessageBodyRevisedEvent is conversation.message.body_revised: a message's
// body was changed after it was stored (§3.3).
type MessageBodyRevisedEvent struct {
	Envelope       `json:"-"`
	ConversationID string `json:"conversationId"`
	MessageID      string `json:"messageId"`
	AuthorType     string `json:"authorType"`
	Internal       bool   `json:"internal"`
	Reason         string `json:"reason"`
}

// MessageOpenedEvent is conversation.message.opened: an email message was
// opened for the first time (§3.3). Its payload names no conversation.
type MessageOpenedEvent struct {
	Envelope `json:"-"`
	// DeliveryID is the email delivery, not a webhook delivery.
	DeliveryID    string    `json:"deliveryId"`
	MessageID     string    `json:"messageId"`
	FirstOpenedAt time.Time `json:"firstOpenedAt"`
}

// VoiceCallEndedEvent is conversation.voice.call_ended (§3.3). The voice
// vendor's own fields are left in Envelope.Payload; the payload's orgId is
// Envelope.OrgID.
type VoiceCallEndedEvent struct {
	Envelope       `json:"-"`
	ConversationID string `json:"conversationId"`
	ChannelID      string `json:"channelId"`
}

// MessageDeliveredEvent is conversation.message.delivered: Munin's outbound
// worker handed a message to an out-of-band channel such as email or SMS.
// Munin emits it without listing it in its catalog (§3.3); its payload is
// read from Munin's outbound delivery worker at the reference commit.
type MessageDeliveredEvent struct {
	Envelope       `json:"-"`
	ConversationID string `json:"conversationId"`
	MessageID      string `json:"messageId"`
	ChannelID      string `json:"channelId"`
}

// MessageDeliveryFailedEvent is conversation.message.delivery_failed: the
// outbound worker gave up on a message (§3.3, emitted but not in the
// catalog, like MessageDeliveredEvent).
type MessageDeliveryFailedEvent struct {
	Envelope       `json:"-"`
	ConversationID string `json:"conversationId"`
	MessageID      string `json:"messageId"`
	ChannelID      string `json:"channelId"`
	// Error is the provider's error text.
	Error string `json:"error"`
	// Attempts is how many sends were tried; zero when Munin left it out
	// (a send rejected by the provider's status callback).
	Attempts int `json:"attempts"`
}

// UnknownEvent is a delivery of a type this package does not know: every
// non-conversation type (cms.*, crm.*, kb.*, outreach.*, org_alert.*) and
// the internal ones a subscription to all events also receives, such as
// curator_job.pending or api_key.minted (§3.3, §7). ParseEvent returns it
// with a nil error, because answering such a delivery with an error would
// only make Munin retry it.
type UnknownEvent struct {
	Envelope
	// Raw is the whole delivery as received.
	Raw json.RawMessage
}

// ErrInvalidEvent is matched by every error ParseEvent returns (with
// errors.Is). The error itself is an *EventError naming the field.
var ErrInvalidEvent = errors.New("munin: invalid event")

// EventError says which part of a delivery ParseEvent could not read, such
// as "createdAt" or "payload.expiresAt". Its message is one line:
// "munin: event: createdAt: …".
type EventError struct {
	// Field is the JSON path of the bad value: "type", "createdAt",
	// "payload", "payload.displayId" … Empty when the delivery as a whole
	// is not a JSON object, which includes a body that is not valid JSON.
	Field string
	// Reason says what is wrong with it.
	Reason string
}

// Error returns "munin: event: <field>: <reason>".
func (e *EventError) Error() string {
	if e.Field == "" {
		return "munin: event: " + e.Reason
	}
	return "munin: event: " + e.Field + ": " + e.Reason
}

// Is reports whether target is ErrInvalidEvent.
func (e *EventError) Is(target error) bool { return target == ErrInvalidEvent }

// ParseEvent parses the raw body of a Munin webhook delivery. It does not
// verify the signature: verify first, over these exact bytes (§3.2), as
// NewWebhookHandler does.
//
// Each conversation type of §3.3 gives its concrete type (a pointer, such as
// *MessageSentEvent); every other type gives an *UnknownEvent and a nil
// error. Unknown fields are ignored (they stay in Envelope.Payload), and a
// null leaves its field empty. The older docs' envelope
// {"type","payload","occurredAt"} is accepted: its occurredAt is read when
// createdAt is absent, and its ID is empty.
//
// The error, an *EventError matching ErrInvalidEvent, names the field: a body
// that is not one JSON object, a missing or empty type, a missing or bad
// createdAt, a known type whose payload is not an object, or a payload field
// of the wrong JSON type. Keys are matched exactly, as Munin writes them
// (encoding/json would also accept other cases). ParseEvent does not retain
// payload.
//
// The decoding is github.com/segmentio/encoding/json's, into plain structs:
// the envelope with its payload kept raw, then the payload into the event
// the type names. It is faster than encoding/json decoding the same bytes
// into a map[string]any (BENCHMARKS.md).
func ParseEvent(payload []byte) (Event, error) {
	return parseEvent(bytes.Clone(payload))
}

// decodeFlags match keys exactly, and let the decoded strings and raw values
// point into the input instead of copying it.
const decodeFlags = json.ZeroCopy | json.DontMatchCaseInsensitiveStructFields

// maxDepth is encoding/json's nesting limit, which ParseEvent keeps to.
const maxDepth = 10000

// wireEnvelope is the envelope as delivered. The times stay raw until the
// rule between createdAt and occurredAt has picked one.
type wireEnvelope struct {
	Type          string          `json:"type"`
	ID            string          `json:"id"`
	OrgID         string          `json:"orgId"`
	CorrelationID string          `json:"correlationId"`
	CreatedAt     json.RawMessage `json:"createdAt"`
	OccurredAt    json.RawMessage `json:"occurredAt"`
	Payload       json.RawMessage `json:"payload"`
}

// parseEvent is ParseEvent on bytes the caller hands over: the event's
// strings and slices (Payload, Raw) point into data instead of copying it,
// so data must not change afterwards. The webhook handler passes the body
// it read, which nobody else holds.
func parseEvent(data []byte) (Event, error) {
	if jsonscan.DeeperThan(data, maxDepth) {
		return nil, &EventError{Reason: "invalid JSON: nested too deeply"}
	}
	var w wireEnvelope
	if err := decode(data, &w, ""); err != nil {
		return nil, err
	}
	if b := jsonscan.TrimSpace(data); len(b) == 0 || b[0] != '{' {
		// null: any other value that is not an object failed to decode.
		return nil, &EventError{Reason: "want a JSON object, got " + jsonscan.Kind(b)}
	}
	if w.Type == "" {
		return nil, &EventError{Field: "type", Reason: "missing"}
	}
	stamp, field := w.CreatedAt, "createdAt"
	if jsonscan.IsNull(stamp) && !jsonscan.IsNull(w.OccurredAt) {
		stamp, field = w.OccurredAt, "occurredAt"
	}
	if jsonscan.IsNull(stamp) {
		return nil, &EventError{Field: "createdAt", Reason: "missing"}
	}
	createdAt, reason := parseTime(stamp)
	if reason != "" {
		return nil, &EventError{Field: field, Reason: reason}
	}
	env := Envelope{Type: w.Type, ID: w.ID, OrgID: w.OrgID, CorrelationID: w.CorrelationID, CreatedAt: createdAt}
	if !jsonscan.IsNull(w.Payload) {
		env.Payload = w.Payload
	}

	ev := newTypedEvent(env.Type)
	switch {
	case ev == nil:
		return &UnknownEvent{Envelope: env, Raw: data}, nil
	case env.Payload == nil:
		return nil, &EventError{Field: "payload", Reason: "missing"}
	case env.Payload[0] != '{':
		return nil, &EventError{Field: "payload", Reason: "want an object, got " + jsonscan.Kind(env.Payload)}
	}
	if err := decode(env.Payload, ev.payloadFields(), "payload."); err != nil {
		return nil, err
	}
	*ev.EventEnvelope() = env
	return ev, nil
}

// typedEvent is an event of a type this package knows. payloadFields
// returns a pointer to what its payload is decoded into and encoded from:
// the event's own fields, without the event's JSON methods (which read and
// write the whole delivery).
type typedEvent interface {
	Event
	payloadFields() any
}

// newTypedEvent returns a new zero event of the type typ names, or nil for a
// type this package does not know.
func newTypedEvent(typ string) typedEvent {
	switch typ {
	case TypeConversationCreated:
		return new(ConversationCreatedEvent)
	case TypeMessageReceived:
		return new(MessageReceivedEvent)
	case TypeMessageSent:
		return new(MessageSentEvent)
	case TypeTakenOver:
		return new(TakenOverEvent)
	case TypeReleased:
		return new(ReleasedEvent)
	case TypeHandoverRequested:
		return new(HandoverRequestedEvent)
	case TypeHandoverResolved:
		return new(HandoverResolvedEvent)
	case TypeAssigned:
		return new(AssignedEvent)
	case TypeAgentModeChanged:
		return new(AgentModeChangedEvent)
	case TypeStatusChanged:
		return new(StatusChangedEvent)
	case TypeSubjectChanged:
		return new(SubjectChangedEvent)
	case TypeGreetRequested:
		return new(GreetRequestedEvent)
	case TypeMessageRead:
		return new(MessageReadEvent)
	case TypeMessageBodyRevised:
		return new(MessageBodyRevisedEvent)
	case TypeMessageOpened:
		return new(MessageOpenedEvent)
	case TypeVoiceCallEnded:
		return new(VoiceCallEndedEvent)
	case TypeMessageDelivered:
		return new(MessageDeliveredEvent)
	case TypeMessageDeliveryFailed:
		return new(MessageDeliveryFailedEvent)
	}
	return nil
}

// decode decodes the JSON value data into v, a pointer to a struct, and
// reports a failure as an *EventError. path goes before the field names the
// decoder reports: "" for the envelope, "payload." for a payload.
func decode(data []byte, v any, path string) error {
	rest, err := json.Parse(data, v, decodeFlags)
	if e, ok := err.(*json.SyntaxError); ok {
		return &EventError{Reason: "invalid JSON: " + syntaxReason(e)}
	}
	if len(rest) > 0 {
		return &EventError{Reason: "invalid JSON: data after the top-level value"}
	}
	switch e := err.(type) {
	case nil:
		return nil
	case *json.UnmarshalTypeError:
		return typeError(e, path)
	}
	return &EventError{Field: strings.TrimSuffix(path, "."), Reason: oneLine(err.Error())}
}

// syntaxReason is the decoder's description of a syntax error, on one line,
// without the "json: " in front and the piece of the input it quotes after
// ": ".
func syntaxReason(e *json.SyntaxError) string {
	msg, _, _ := strings.Cut(strings.TrimPrefix(e.Error(), "json: "), ": ")
	return oneLine(msg)
}

// oneLine escapes the control characters of s, if it has any.
func oneLine(s string) string {
	if !strings.ContainsFunc(s, unicode.IsControl) {
		return s
	}
	q := strconv.Quote(s)
	return q[1 : len(q)-1]
}

// typeError describes a value of the wrong JSON type at the field where the
// decoder found it. The decoder fills in Field; Value is a quoted piece of
// the input starting at the value, or a phrase starting with "number", but
// for a timeRef it is the whole reason.
func typeError(e *json.UnmarshalTypeError, path string) *EventError {
	field := strings.TrimSuffix(path+e.Field, ".")
	if e.Type == timeRefType {
		return &EventError{Field: field, Reason: e.Value}
	}
	got := ""
	if v, err := strconv.Unquote(e.Value); err == nil {
		got = jsonscan.Kind([]byte(v))
	} else if strings.HasPrefix(e.Value, "number") {
		got = "number"
	}
	want := "another JSON type"
	if e.Type != nil {
		switch e.Type.Kind() {
		case reflect.String:
			want = "a string"
		case reflect.Bool:
			want = "a boolean"
		case reflect.Int, reflect.Int64:
			if got == "number" { // a fraction, an exponent or too big
				return &EventError{Field: field, Reason: "number is not a " + strconv.Itoa(e.Type.Bits()) + "-bit integer"}
			}
			want = "an integer"
		case reflect.Struct:
			want = "a JSON object"
		}
	}
	if got == "" {
		return &EventError{Field: field, Reason: "want " + want}
	}
	return &EventError{Field: field, Reason: "want " + want + ", got " + got}
}

// parseTime reads a JSON string holding an RFC 3339 time, as time.Parse
// does, into UTC, where it must be within the years 0000–9999 (what RFC 3339,
// and MarshalJSON, can write). reason is empty on success, else says what is
// wrong, quoting at most a little of the value.
func parseTime(raw []byte) (t time.Time, reason string) {
	if jsonscan.Kind(raw) != "string" {
		return time.Time{}, "want an RFC 3339 time string, got " + jsonscan.Kind(raw)
	}
	var s string
	if _, err := json.Parse(raw, &s, decodeFlags); err != nil {
		return time.Time{}, "invalid JSON string" // the decoder has checked raw already
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, quoteShort(s) + " is not an RFC 3339 time"
	}
	if t = t.UTC(); t.Year() < 0 || t.Year() > 9999 {
		// An offset moved it out of the four-digit years.
		return time.Time{}, quoteShort(s) + " is out of range"
	}
	return t, ""
}

// quoteShort quotes s, cut to 40 bytes, for an error message.
func quoteShort(s string) string {
	const limit = 40
	if len(s) > limit {
		return strconv.Quote(s[:limit]) + "…"
	}
	return strconv.Quote(s)
}

// timeRef stands for a time.Time field of an event in its payloadFields,
// so that the field is read with parseTime's rules, as createdAt is: an
// escaped string is unescaped, the time must fit RFC 3339 in UTC, and the
// error names the field. time.Time's own UnmarshalJSON does none of that.
// It is written as time.Time writes itself.
type timeRef struct{ t *time.Time }

var timeRefType = reflect.TypeFor[timeRef]()

// MarshalJSON writes the time as time.Time does.
func (r timeRef) MarshalJSON() ([]byte, error) { return r.t.MarshalJSON() }

// UnmarshalJSON reads a time with parseTime's rules; null leaves it as it is.
func (r *timeRef) UnmarshalJSON(raw []byte) error {
	if string(raw) == "null" {
		return nil
	}
	t, reason := parseTime(raw)
	if reason != "" {
		// The decoder adds the field's name to this type of error only;
		// typeError takes the reason back out of Value.
		return &json.UnmarshalTypeError{Value: reason, Type: timeRefType}
	}
	*r.t = t
	return nil
}

// unmarshalEvent is the UnmarshalJSON of the typed events: data is a whole
// delivery, which must be of typ.
func unmarshalEvent[T any, P interface {
	*T
	typedEvent
}](data []byte, typ string, dst P) error {
	if string(data) == "null" {
		return nil
	}
	ev, err := parseEvent(bytes.Clone(data)) // UnmarshalJSON must not keep data
	if err != nil {
		return err
	}
	got, ok := ev.(P)
	if !ok {
		return &EventError{Field: "type", Reason: quoteShort(ev.EventEnvelope().Type) + " is not " + typ}
	}
	*dst = *got
	return nil
}

// wireOut is a delivery as MarshalJSON writes it, keys in Munin's order
// (§3.2).
type wireOut struct {
	Type          string          `json:"type"`
	ID            string          `json:"id"`
	OrgID         string          `json:"orgId"`
	CorrelationID *string         `json:"correlationId"`
	CreatedAt     string          `json:"createdAt"`
	Payload       json.RawMessage `json:"payload"`
}

// marshalEnvelope writes env around payload, as Munin delivers it. An empty
// CorrelationID becomes null, and CreatedAt is written in UTC with as many
// fractional digits as it has.
func marshalEnvelope(env *Envelope, typ string, payload json.RawMessage) ([]byte, error) {
	out := wireOut{
		Type:      typ,
		ID:        env.ID,
		OrgID:     env.OrgID,
		CreatedAt: env.CreatedAt.UTC().Format(time.RFC3339Nano),
		Payload:   payload,
	}
	if env.CorrelationID != "" {
		out.CorrelationID = &env.CorrelationID
	}
	return json.Marshal(out)
}

// marshalEvent is the MarshalJSON of the event types: the envelope, with the
// typed fields as the payload. Fields Munin sends as null are written as
// their zero value, which ParseEvent reads back the same.
func marshalEvent(ev typedEvent, typ string) ([]byte, error) {
	payload, err := json.Marshal(ev.payloadFields())
	if err != nil {
		return nil, err
	}
	return marshalEnvelope(ev.EventEnvelope(), typ, payload)
}

// MarshalJSON writes the delivery as received (Raw); an UnknownEvent built
// without Raw is written from its Envelope.
func (e UnknownEvent) MarshalJSON() ([]byte, error) {
	if len(e.Raw) > 0 {
		return bytes.Clone(e.Raw), nil
	}
	payload := e.Payload
	if len(payload) == 0 {
		payload = json.RawMessage("null")
	}
	return marshalEnvelope(&e.Envelope, e.Type, payload)
}

// UnmarshalJSON reads a delivery of any type into e, keeping it whole in
// Raw.
func (e *UnknownEvent) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		return nil
	}
	data = bytes.Clone(data)
	ev, err := parseEvent(data)
	if err != nil {
		return err
	}
	*e = UnknownEvent{Envelope: *ev.EventEnvelope(), Raw: data}
	return nil
}

// The methods of the typed events. Each MarshalJSON writes the whole
// delivery, envelope and payload, and each UnmarshalJSON reads one (with
// ParseEvent's rules) and refuses a delivery of another type, so that
// json.Marshal and json.Unmarshal round-trip an event kept in a queue or a
// database. payloadFields converts the event to a type with the same fields
// and no methods; the three types with a time field put a timeRef over it.

func (e *ConversationCreatedEvent) payloadFields() any {
	type fields ConversationCreatedEvent
	return (*fields)(e)
}

// MarshalJSON writes e as Munin delivers it.
func (e ConversationCreatedEvent) MarshalJSON() ([]byte, error) {
	return marshalEvent(&e, TypeConversationCreated)
}

// UnmarshalJSON reads a conversation.created delivery.
func (e *ConversationCreatedEvent) UnmarshalJSON(data []byte) error {
	return unmarshalEvent(data, TypeConversationCreated, e)
}

func (e *MessageReceivedEvent) payloadFields() any {
	type fields MessageReceivedEvent
	return (*fields)(e)
}

// MarshalJSON writes e as Munin delivers it.
func (e MessageReceivedEvent) MarshalJSON() ([]byte, error) {
	return marshalEvent(&e, TypeMessageReceived)
}

// UnmarshalJSON reads a conversation.message.received delivery.
func (e *MessageReceivedEvent) UnmarshalJSON(data []byte) error {
	return unmarshalEvent(data, TypeMessageReceived, e)
}

func (e *MessageSentEvent) payloadFields() any {
	type fields MessageSentEvent
	return (*fields)(e)
}

// MarshalJSON writes e as Munin delivers it.
func (e MessageSentEvent) MarshalJSON() ([]byte, error) {
	return marshalEvent(&e, TypeMessageSent)
}

// UnmarshalJSON reads a conversation.message.sent delivery.
func (e *MessageSentEvent) UnmarshalJSON(data []byte) error {
	return unmarshalEvent(data, TypeMessageSent, e)
}

func (e *TakenOverEvent) payloadFields() any {
	type fields TakenOverEvent
	return &struct {
		*fields
		ExpiresAt timeRef `json:"expiresAt"`
	}{(*fields)(e), timeRef{&e.ExpiresAt}}
}

// MarshalJSON writes e as Munin delivers it.
func (e TakenOverEvent) MarshalJSON() ([]byte, error) {
	return marshalEvent(&e, TypeTakenOver)
}

// UnmarshalJSON reads a conversation.taken_over delivery.
func (e *TakenOverEvent) UnmarshalJSON(data []byte) error {
	return unmarshalEvent(data, TypeTakenOver, e)
}

func (e *ReleasedEvent) payloadFields() any {
	type fields ReleasedEvent
	return (*fields)(e)
}

// MarshalJSON writes e as Munin delivers it.
func (e ReleasedEvent) MarshalJSON() ([]byte, error) {
	return marshalEvent(&e, TypeReleased)
}

// UnmarshalJSON reads a conversation.released delivery.
func (e *ReleasedEvent) UnmarshalJSON(data []byte) error {
	return unmarshalEvent(data, TypeReleased, e)
}

func (e *HandoverRequestedEvent) payloadFields() any {
	type fields HandoverRequestedEvent
	return (*fields)(e)
}

// MarshalJSON writes e as Munin delivers it.
func (e HandoverRequestedEvent) MarshalJSON() ([]byte, error) {
	return marshalEvent(&e, TypeHandoverRequested)
}

// UnmarshalJSON reads a conversation.handover_requested delivery.
func (e *HandoverRequestedEvent) UnmarshalJSON(data []byte) error {
	return unmarshalEvent(data, TypeHandoverRequested, e)
}

func (e *HandoverResolvedEvent) payloadFields() any {
	type fields HandoverResolvedEvent
	return (*fields)(e)
}

// MarshalJSON writes e as Munin delivers it.
func (e HandoverResolvedEvent) MarshalJSON() ([]byte, error) {
	return marshalEvent(&e, TypeHandoverResolved)
}

// UnmarshalJSON reads a conversation.handover_resolved delivery.
func (e *HandoverResolvedEvent) UnmarshalJSON(data []byte) error {
	return unmarshalEvent(data, TypeHandoverResolved, e)
}

func (e *AssignedEvent) payloadFields() any {
	type fields AssignedEvent
	return (*fields)(e)
}

// MarshalJSON writes e as Munin delivers it.
func (e AssignedEvent) MarshalJSON() ([]byte, error) {
	return marshalEvent(&e, TypeAssigned)
}

// UnmarshalJSON reads a conversation.assigned delivery.
func (e *AssignedEvent) UnmarshalJSON(data []byte) error {
	return unmarshalEvent(data, TypeAssigned, e)
}

func (e *AgentModeChangedEvent) payloadFields() any {
	type fields AgentModeChangedEvent
	return (*fields)(e)
}

// MarshalJSON writes e as Munin delivers it.
func (e AgentModeChangedEvent) MarshalJSON() ([]byte, error) {
	return marshalEvent(&e, TypeAgentModeChanged)
}

// UnmarshalJSON reads a conversation.agent_mode_changed delivery.
func (e *AgentModeChangedEvent) UnmarshalJSON(data []byte) error {
	return unmarshalEvent(data, TypeAgentModeChanged, e)
}

func (e *StatusChangedEvent) payloadFields() any {
	type fields StatusChangedEvent
	return (*fields)(e)
}

// MarshalJSON writes e as Munin delivers it.
func (e StatusChangedEvent) MarshalJSON() ([]byte, error) {
	return marshalEvent(&e, TypeStatusChanged)
}

// UnmarshalJSON reads a conversation.status_changed delivery.
func (e *StatusChangedEvent) UnmarshalJSON(data []byte) error {
	return unmarshalEvent(data, TypeStatusChanged, e)
}

func (e *SubjectChangedEvent) payloadFields() any {
	type fields SubjectChangedEvent
	return (*fields)(e)
}

// MarshalJSON writes e as Munin delivers it.
func (e SubjectChangedEvent) MarshalJSON() ([]byte, error) {
	return marshalEvent(&e, TypeSubjectChanged)
}

// UnmarshalJSON reads a conversation.subject_changed delivery.
func (e *SubjectChangedEvent) UnmarshalJSON(data []byte) error {
	return unmarshalEvent(data, TypeSubjectChanged, e)
}

func (e *GreetRequestedEvent) payloadFields() any {
	type fields GreetRequestedEvent
	return (*fields)(e)
}

// MarshalJSON writes e as Munin delivers it.
func (e GreetRequestedEvent) MarshalJSON() ([]byte, error) {
	return marshalEvent(&e, TypeGreetRequested)
}

// UnmarshalJSON reads a conversation.greet_requested delivery.
func (e *GreetRequestedEvent) UnmarshalJSON(data []byte) error {
	return unmarshalEvent(data, TypeGreetRequested, e)
}

func (e *MessageReadEvent) payloadFields() any {
	type fields MessageReadEvent
	return &struct {
		*fields
		ReadAt timeRef `json:"readAt"`
	}{(*fields)(e), timeRef{&e.ReadAt}}
}

// MarshalJSON writes e as Munin delivers it.
func (e MessageReadEvent) MarshalJSON() ([]byte, error) {
	return marshalEvent(&e, TypeMessageRead)
}

// UnmarshalJSON reads a conversation.message.read delivery.
func (e *MessageReadEvent) UnmarshalJSON(data []byte) error {
	return unmarshalEvent(data, TypeMessageRead, e)
}

func (e *MessageBodyRevisedEvent) payloadFields() any {
	type fields MessageBodyRevisedEvent
	return (*fields)(e)
}

// MarshalJSON writes e as Munin delivers it.
func (e MessageBodyRevisedEvent) MarshalJSON() ([]byte, error) {
	return marshalEvent(&e, TypeMessageBodyRevised)
}

// UnmarshalJSON reads a conversation.message.body_revised delivery.
func (e *MessageBodyRevisedEvent) UnmarshalJSON(data []byte) error {
	return unmarshalEvent(data, TypeMessageBodyRevised, e)
}

func (e *MessageOpenedEvent) payloadFields() any {
	type fields MessageOpenedEvent
	return &struct {
		*fields
		FirstOpenedAt timeRef `json:"firstOpenedAt"`
	}{(*fields)(e), timeRef{&e.FirstOpenedAt}}
}

// MarshalJSON writes e as Munin delivers it.
func (e MessageOpenedEvent) MarshalJSON() ([]byte, error) {
	return marshalEvent(&e, TypeMessageOpened)
}

// UnmarshalJSON reads a conversation.message.opened delivery.
func (e *MessageOpenedEvent) UnmarshalJSON(data []byte) error {
	return unmarshalEvent(data, TypeMessageOpened, e)
}

func (e *VoiceCallEndedEvent) payloadFields() any {
	type fields VoiceCallEndedEvent
	return (*fields)(e)
}

// MarshalJSON writes e as Munin delivers it. The vendor fields kept in
// Payload are not written: the typed fields are the payload.
func (e VoiceCallEndedEvent) MarshalJSON() ([]byte, error) {
	return marshalEvent(&e, TypeVoiceCallEnded)
}

// UnmarshalJSON reads a conversation.voice.call_ended delivery.
func (e *VoiceCallEndedEvent) UnmarshalJSON(data []byte) error {
	return unmarshalEvent(data, TypeVoiceCallEnded, e)
}

func (e *MessageDeliveredEvent) payloadFields() any {
	type fields MessageDeliveredEvent
	return (*fields)(e)
}

// MarshalJSON writes e as Munin delivers it.
func (e MessageDeliveredEvent) MarshalJSON() ([]byte, error) {
	return marshalEvent(&e, TypeMessageDelivered)
}

// UnmarshalJSON reads a conversation.message.delivered delivery.
func (e *MessageDeliveredEvent) UnmarshalJSON(data []byte) error {
	return unmarshalEvent(data, TypeMessageDelivered, e)
}

func (e *MessageDeliveryFailedEvent) payloadFields() any {
	type fields MessageDeliveryFailedEvent
	return (*fields)(e)
}

// MarshalJSON writes e as Munin delivers it.
func (e MessageDeliveryFailedEvent) MarshalJSON() ([]byte, error) {
	return marshalEvent(&e, TypeMessageDeliveryFailed)
}

// UnmarshalJSON reads a conversation.message.delivery_failed delivery.
func (e *MessageDeliveryFailedEvent) UnmarshalJSON(data []byte) error {
	return unmarshalEvent(data, TypeMessageDeliveryFailed, e)
}
