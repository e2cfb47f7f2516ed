package altabots

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
)

// ErrInvalidRequest matches every *RequestError: a call from AltaBots
// whose body the handler cannot accept.
var ErrInvalidRequest = errors.New("altabots: invalid request")

// RequestError is a request body ParseEstablish, ParseChat or ParseClose
// refused. Its Message names the field at fault by its JSON path and never
// quotes the value; the handler answers it with status 400 and code 40000.
type RequestError struct {
	// Field is the JSON path of the field at fault ("conversation_id",
	// "user_info.email", "body.text"), or "" when the body as a whole is
	// at fault.
	Field string
	// Message says what is wrong in words AltaBots' developers can act on:
	// "conversation_id is required".
	Message string
}

// Error returns "altabots: " and the message.
func (e *RequestError) Error() string { return "altabots: " + e.Message }

// Is makes a *RequestError match ErrInvalidRequest.
func (e *RequestError) Is(target error) bool { return target == ErrInvalidRequest }

// ParseEstablish decodes the body of a conversation-establish call. It
// needs a JSON object with a non-blank conversation_id; every field must
// have the type the handoff page gives it (a field of another type is an
// error naming it), and fields it does not know are ignored but kept in
// Raw, a copy of body. A missing timestamp reads as 0 ("unknown"), a
// null user_info.phone as nil. Messages of a message_type other than
// QUESTION and ANSWER are kept as they are.
func ParseEstablish(body []byte) (*EstablishRequest, error) {
	return parse(body, func(r *EstablishRequest) (string, *json.RawMessage) { return r.ConversationID, &r.Raw })
}

// ParseChat decodes the body of a chat call: a JSON object with a
// non-blank conversation_id, and the user's message in body, a string
// (which may be empty: the handoff page does not require it). Raw is a copy
// of body.
func ParseChat(body []byte) (*ChatRequest, error) {
	return parse(body, func(r *ChatRequest) (string, *json.RawMessage) { return r.ConversationID, &r.Raw })
}

// ParseClose decodes the body of a conversation-close call: a JSON object
// with a non-blank conversation_id and a type of exactly TIMEOUT or
// USER_CLOSED. Raw is a copy of body.
func ParseClose(body []byte) (*CloseRequest, error) {
	req, err := parse(body, func(r *CloseRequest) (string, *json.RawMessage) { return r.ConversationID, &r.Raw })
	if err != nil {
		return nil, err
	}
	if !req.Type.Valid() {
		return nil, &RequestError{Field: "type", Message: "type must be " + string(CloseTimeout) + " or " + string(CloseUserClosed)}
	}
	return req, nil
}

// parse is what the three decoders share: decode body into a new request,
// refuse a blank conversation_id, and keep a copy of body in Raw. common
// returns the request's conversation_id and its Raw field.
func parse[R any](body []byte, common func(*R) (conversationID string, raw *json.RawMessage)) (*R, error) {
	req := new(R)
	if err := decode(body, req); err != nil {
		return nil, err
	}
	id, raw := common(req)
	if strings.TrimSpace(id) == "" {
		// Every reply and close names it: a request without one cannot
		// be served.
		return nil, &RequestError{Field: "conversation_id", Message: "conversation_id is required"}
	}
	*raw = bytes.Clone(body)
	return req, nil
}

// decode unmarshals a JSON object into v, turning encoding/json's errors
// into *RequestError naming the field.
func decode(body []byte, v any) error {
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	switch {
	case len(trimmed) == 0:
		return &RequestError{Message: "request body is empty"}
	case trimmed[0] != '{':
		if json.Valid(trimmed) {
			return &RequestError{Message: "request body must be a JSON object"}
		}
		return &RequestError{Message: "request body is not valid JSON"}
	}
	err := json.Unmarshal(body, v)
	if err == nil {
		return nil
	}
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) && typeErr.Field != "" {
		return &RequestError{Field: typeErr.Field, Message: typeErr.Field + " must be " + jsonKind(typeErr.Type)}
	}
	return &RequestError{Message: "request body is not valid JSON"}
}

// jsonKind names the JSON value a Go type takes.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "of another type"
	}
	switch t {
	case reflect.TypeFor[UnixMillis]():
		return "a whole number (milliseconds since the epoch)"
	case reflect.TypeFor[Message]():
		// An entry of the establish request's body that is not an
		// object: encoding/json names the list, not the entry.
		return "a list of objects"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Struct, reflect.Map:
		return "an object"
	}
	return "of another type"
}
