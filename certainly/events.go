package certainly

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	sjson "github.com/segmentio/encoding/json"

	"github.com/botbridge/botbridge/internal/jsonscan"
)

// Event is one webhook payload from Certainly: a *Claim (the handover
// request, posted to the claim webhook), a *Message (a conversation
// message, posted to the message webhook), or an *UnknownEvent for a JSON
// object that is neither. Use a type switch; the set is closed.
type Event interface {
	isEvent()
}

func (*Claim) isEvent()        {}
func (*Message) isEvent()      {}
func (*UnknownEvent) isEvent() {}

// Conversation returns the bot deployment and user the claim is about:
// BotID and To.
func (c *Claim) Conversation() Conversation {
	return Conversation{BotID: c.BotID, UserID: c.To}
}

// Message is one message of a conversation, as Certainly's message webhook
// posts it (the handover page, step 4): while the bot is in listen mode,
// these are what the user writes, for the human agent.
//
// Certainly does not publish the message webhook's schema; the page says
// only that it is JSON with an interlocutor ("user" for the end user). The
// SDK therefore reads a few names, in this order, and keeps the whole body
// in Raw for everything else:
//
//	Interlocutor  "interlocutor" (required)
//	Text          "message", then "text" (the first that is a non-empty string)
//	BotID         "botId", then "bot_id"
//	UserID        "userId", then "user_id", then "from" for a user's message
//	              and "to" for the bot's or an agent's (the claim's naming)
//	SessionID     "sessionId", then "session_id"
//
// Ids may be JSON strings or numbers. A field of another JSON type is
// left empty (and is still in Raw). certainlytest posts
// {"interlocutor": "user", "message": …, "botId": …, "userId": …,
// "sessionId": …}, which is also how a Message encodes.
type Message struct {
	// Interlocutor says who wrote the message: InterlocutorUser,
	// InterlocutorBot, InterlocutorAgent, or another value Certainly sends.
	Interlocutor Interlocutor `json:"interlocutor"`
	// Text is the message's text; empty for a message without text (an
	// attachment, a button), which Raw holds.
	Text string `json:"message"`
	// BotID is the bot deployment id, the {botId} of the handover paths.
	BotID string `json:"botId"`
	// UserID is the end user's id, the {userId} of the handover paths.
	UserID string `json:"userId"`
	// SessionID is the conversation's session, when the payload names one.
	SessionID string `json:"sessionId"`
	// Raw is the body exactly as received. It is not sent when a Message is
	// encoded.
	Raw json.RawMessage `json:"-"`
}

// Conversation returns the bot deployment and user the message belongs to.
func (m *Message) Conversation() Conversation {
	return Conversation{BotID: m.BotID, UserID: m.UserID}
}

// UnknownEvent is a JSON object posted to a webhook that is neither a
// claim nor a message: a payload of a kind this package does not know.
// ParseEvent returns it with a nil error, so a new kind of payload does not
// make the webhook fail.
type UnknownEvent struct {
	// Raw is the body exactly as received.
	Raw json.RawMessage
}

// ParseEvent parses one webhook body and tells its kind:
//
//   - a JSON object with an "interlocutor" field is a *Message (ParseMessage);
//   - one with any of "to", "botId", "moduleId" or "reply" is a *Claim
//     (ParseClaim);
//   - any other JSON object is an *UnknownEvent, with a nil error.
//
// Anything that is not a JSON object, and a claim or message that breaks
// its rules, is an *EventError matching ErrInvalidEvent. Keys are matched
// exactly, as Certainly writes them. ParseEvent does not keep body: the
// event's Raw is a copy.
func ParseEvent(body []byte) (Event, error) {
	return parseEvent(bytes.Clone(body))
}

// ParseClaim parses the body Certainly posts to the claim webhook (the
// handover page, step 1B). It needs botId and to, each a string (or a
// number) without control characters, since they name the conversation on
// every later call; every other field is optional. An empty botId passes,
// as in the page's example, where the ids are placeholders: HandoffEvent
// and a Relay cannot act on such a claim (the Relay refuses it: 400). A
// documented field whose value is not a string (not an object, for
// extractedData and customVariables) is left empty, and Raw keeps it with
// any field Certainly adds. An error is an *EventError naming the field. ParseClaim
// does not keep body: Raw is a copy.
func ParseClaim(body []byte) (*Claim, error) {
	data := bytes.Clone(body)
	w, err := decodePayload(data, "claim")
	if err != nil {
		return nil, err
	}
	return w.claim(data)
}

// ParseMessage parses a body Certainly posts to the message webhook; the
// Message doc lists the field names it reads. It needs a non-empty
// interlocutor string, and refuses a bot, user or session id holding a
// control character. An error is an *EventError naming the field.
// ParseMessage does not keep body: Raw is a copy.
func ParseMessage(body []byte) (*Message, error) {
	data := bytes.Clone(body)
	w, err := decodePayload(data, "message")
	if err != nil {
		return nil, err
	}
	return w.message(data)
}

// parseEvent is ParseEvent on a body the caller no longer uses.
func parseEvent(data []byte) (Event, error) {
	w, err := decodePayload(data, "event")
	if err != nil {
		return nil, err
	}
	switch {
	case w.Interlocutor.present():
		m, err := w.message(data)
		if err != nil {
			return nil, err // not a nil *Message in a non-nil Event
		}
		return m, nil
	case w.To.present() || w.BotID.present() || w.ModuleID.present() || w.Reply.present():
		c, err := w.claim(data)
		if err != nil {
			return nil, err
		}
		return c, nil
	}
	return &UnknownEvent{Raw: data}, nil
}

// payload is every field the SDK reads from a claim or a message, decoded
// in one pass.
type payload struct {
	// The claim's fields, as the handover page names them.
	AttachedMedia     jsonText   `json:"attachedMedia"`
	Reply             jsonText   `json:"reply"`
	BotID             jsonText   `json:"botId"`
	Direction         jsonText   `json:"direction"`
	ExtractedData     jsonObject `json:"extractedData"`
	LastName          jsonText   `json:"lastName"`
	SessionID         jsonText   `json:"sessionId"`
	CustomVariables   jsonObject `json:"customVariables"`
	From              jsonText   `json:"from"`
	FirstName         jsonText   `json:"firstName"`
	To                jsonText   `json:"to"`
	ReplyData         jsonText   `json:"replyData"`
	ModuleID          jsonText   `json:"moduleId"`
	BotTrainedModelID jsonText   `json:"botTrainedModelId"`

	// The names a message may use besides those.
	Interlocutor   jsonText `json:"interlocutor"`
	Message        jsonText `json:"message"`
	Text           jsonText `json:"text"`
	BotIDSnake     jsonText `json:"bot_id"`
	UserID         jsonText `json:"userId"`
	UserIDSnake    jsonText `json:"user_id"`
	SessionIDSnake jsonText `json:"session_id"`
}

// maxDepth bounds how deeply a payload nests objects and arrays: far beyond
// any claim's extractedData, and short of what makes decoding expensive.
const maxDepth = 64

// decodeFlags match keys exactly, as Certainly writes them. Strings are
// copied, so nothing decoded points into Raw.
const decodeFlags = sjson.DontMatchCaseInsensitiveStructFields

// decodePayload checks that data is one JSON object and decodes the fields
// the SDK reads.
func decodePayload(data []byte, what string) (*payload, error) {
	if kind := jsonscan.Kind(data); kind != "object" {
		switch {
		case kind != "":
		case len(jsonscan.TrimSpace(data)) == 0:
			kind = "nothing"
		default:
			kind = "invalid JSON"
		}
		return nil, &EventError{Payload: what, Reason: "want a JSON object, got " + kind}
	}
	if jsonscan.DeeperThan(data, maxDepth) {
		return nil, &EventError{Payload: what, Reason: "invalid JSON: nested more than " + strconv.Itoa(maxDepth) + " levels deep"}
	}
	w := new(payload)
	rest, err := sjson.Parse(data, w, decodeFlags)
	switch {
	case err != nil:
		return nil, &EventError{Payload: what, Reason: "invalid JSON"}
	case len(jsonscan.TrimSpace(rest)) > 0:
		return nil, &EventError{Payload: what, Reason: "invalid JSON: data after the object"}
	}
	return w, nil
}

// claim builds the Claim from w; data is the body, for Raw.
func (w *payload) claim(data []byte) (*Claim, error) {
	bot, err := w.BotID.id("claim", "botId")
	if err != nil {
		return nil, err
	}
	to, err := w.To.id("claim", "to")
	if err != nil {
		return nil, err
	}
	return &Claim{
		AttachedMedia:     w.AttachedMedia.text(),
		Reply:             w.Reply.text(),
		BotID:             bot,
		Direction:         w.Direction.text(),
		ExtractedData:     w.ExtractedData.m,
		LastName:          w.LastName.text(),
		FirstName:         w.FirstName.text(),
		SessionID:         w.SessionID.text(),
		CustomVariables:   w.CustomVariables.m,
		From:              w.From.text(),
		To:                to,
		ReplyData:         w.ReplyData.text(),
		ModuleID:          w.ModuleID.text(),
		BotTrainedModelID: w.BotTrainedModelID.text(),
		Raw:               data,
	}, nil
}

// message builds the Message from w; data is the body, for Raw.
func (w *payload) message(data []byte) (*Message, error) {
	switch w.Interlocutor.kind {
	case kindAbsent, kindNull:
		return nil, &EventError{Payload: "message", Field: "interlocutor", Reason: "required"}
	case kindString:
		if w.Interlocutor.s == "" {
			return nil, &EventError{Payload: "message", Field: "interlocutor", Reason: "required"}
		}
	default:
		return nil, &EventError{Payload: "message", Field: "interlocutor", Reason: "want a string, got " + w.Interlocutor.kindName()}
	}
	m := &Message{
		Interlocutor: Interlocutor(w.Interlocutor.s),
		Text:         firstString(w.Message, w.Text),
		BotID:        firstText(w.BotID, w.BotIDSnake),
		SessionID:    firstText(w.SessionID, w.SessionIDSnake),
		Raw:          data,
	}
	sender := w.To
	if m.Interlocutor == InterlocutorUser {
		sender = w.From
	}
	m.UserID = firstText(w.UserID, w.UserIDSnake, sender)
	// The ids go into Certainly's paths (Relay.Reply, Release): refuse here,
	// as for a claim, what could never name a bot or a user there.
	for _, id := range []struct{ field, value string }{{"botId", m.BotID}, {"userId", m.UserID}, {"sessionId", m.SessionID}} {
		if strings.ContainsFunc(id.value, unicode.IsControl) {
			return nil, &EventError{Payload: "message", Field: id.field, Reason: "contains a control character"}
		}
	}
	return m, nil
}

// The JSON kinds a jsonText can hold.
const (
	kindAbsent byte = iota
	kindNull
	kindString
	kindNumber
	kindOther
)

// jsonText is a field read forgivingly: a string, a number (kept as its
// literal digits), null, or anything else, which it records without
// failing the decode.
type jsonText struct {
	s    string
	kind byte
	// other names the JSON kind of a kindOther value.
	other string
}

// UnmarshalJSON implements json.Unmarshaler.
func (t *jsonText) UnmarshalJSON(b []byte) error {
	switch k := jsonscan.Kind(b); k {
	case "null":
		t.kind, t.s = kindNull, ""
	case "number":
		t.kind, t.s = kindNumber, string(b)
	case "string":
		t.kind = kindString
		if bytes.IndexByte(b, '\\') < 0 && utf8.Valid(b) {
			t.s = string(b[1 : len(b)-1])
			return nil
		}
		var s string
		if err := sjson.Unmarshal(b, &s); err != nil {
			return err
		}
		t.s = s
	default:
		t.kind, t.s, t.other = kindOther, "", k
	}
	return nil
}

// present reports whether the field was in the object, null included.
func (t *jsonText) present() bool { return t.kind != kindAbsent }

// text returns the value of a string or number, and "" for anything else.
func (t *jsonText) text() string {
	if t.kind == kindString || t.kind == kindNumber {
		return t.s
	}
	return ""
}

// kindName names the JSON kind of the value.
func (t *jsonText) kindName() string {
	switch t.kind {
	case kindNull:
		return "null"
	case kindString:
		return "string"
	case kindNumber:
		return "number"
	case kindOther:
		return t.other
	}
	return "nothing"
}

// id returns a required id: a string or number without control
// characters. An empty string passes: the handover page's own example has
// "botId": "".
func (t *jsonText) id(what, field string) (string, error) {
	switch {
	case t.kind == kindAbsent || t.kind == kindNull:
		return "", &EventError{Payload: what, Field: field, Reason: "required"}
	case t.kind == kindOther:
		return "", &EventError{Payload: what, Field: field, Reason: "want a string, got " + t.other}
	case strings.ContainsFunc(t.s, unicode.IsControl):
		return "", &EventError{Payload: what, Field: field, Reason: "contains a control character"}
	}
	return t.s, nil
}

// firstText returns the first non-empty string or number of fields.
func firstText(fields ...jsonText) string {
	for i := range fields {
		if s := fields[i].text(); s != "" {
			return s
		}
	}
	return ""
}

// firstString returns the first non-empty string of fields.
func firstString(fields ...jsonText) string {
	for i := range fields {
		if fields[i].kind == kindString && fields[i].s != "" {
			return fields[i].s
		}
	}
	return ""
}

// jsonObject is a field that holds an object of raw values, read
// forgivingly: any other JSON value leaves it nil.
type jsonObject struct {
	m map[string]json.RawMessage
}

// UnmarshalJSON implements json.Unmarshaler.
func (o *jsonObject) UnmarshalJSON(b []byte) error {
	if jsonscan.Kind(b) != "object" {
		o.m = nil
		return nil
	}
	// A map of our own: given none, the decoder makes one sized for 64
	// entries, several kilobytes for the usual handful.
	m := make(map[string]json.RawMessage)
	if _, err := sjson.Parse(b, &m, decodeFlags); err != nil {
		return err
	}
	o.m = m
	return nil
}
