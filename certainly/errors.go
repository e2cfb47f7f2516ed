package certainly

import (
	"errors"

	"github.com/botbridge/botbridge/internal/transport"
)

// APIError is Certainly's answer with a status other than 2xx: the call,
// the status, the code and message when the body carried them ("detail",
// as Django REST framework answers, is read as the message), the request id
// when Certainly sent an X-Request-Id, and the start of the raw body. Match
// kinds with errors.Is and the sentinels below; read the fields with
// errors.As:
//
//	var apiErr *certainly.APIError
//	if errors.As(err, &apiErr) {
//		log.Printf("certainly said %d %s", apiErr.StatusCode, apiErr.Message)
//	}
type APIError = transport.APIError

// Sentinels shared with every botbridge vendor package. errors.Is matches
// them by HTTP status. Certainly documents no error statuses for the
// handover and takeover endpoints; these are what any HTTP API answers.
var (
	ErrUnauthorized = transport.ErrUnauthorized // 401: a wrong, revoked or missing bot API token
	ErrForbidden    = transport.ErrForbidden    // 403
	ErrNotFound     = transport.ErrNotFound     // 404: an unknown bot deployment or user
	ErrRateLimited  = transport.ErrRateLimited  // 429
	ErrValidation   = transport.ErrValidation   // 400, 422, and input the SDK refused before sending
	ErrServer       = transport.ErrServer       // 5xx
)

// inputError is a request the SDK refused before sending it. It matches
// ErrValidation, like Certainly's own 400, so one errors.Is finds bad input
// wherever it was caught. It names the field and never quotes the value.
type inputError struct {
	op, field, problem string
}

func (e *inputError) Error() string { return "certainly: " + e.op + ": " + e.field + ": " + e.problem }

func (e *inputError) Unwrap() error { return ErrValidation }

// invalid returns an *inputError.
func invalid(op, field, problem string) error {
	return &inputError{op: op, field: field, problem: problem}
}

// ErrInvalidEvent matches (errors.Is) every error of ParseEvent,
// ParseClaim and ParseMessage.
var ErrInvalidEvent = errors.New("certainly: invalid webhook payload")

// EventError is why a webhook payload was refused: the kind of payload
// ("claim", "message", or "event" when it was not told apart yet), the
// field by its JSON name (empty for the payload as a whole), and what is
// wrong with it. It never quotes the payload.
type EventError struct {
	// Payload is "claim", "message" or "event".
	Payload string
	// Field is the JSON name of the offending field, such as "botId".
	Field string
	// Reason says what is wrong.
	Reason string
}

// Error returns "certainly: <payload>: <field>: <reason>".
func (e *EventError) Error() string {
	if e.Field == "" {
		return "certainly: " + e.Payload + ": " + e.Reason
	}
	return "certainly: " + e.Payload + ": " + e.Field + ": " + e.Reason
}

// Is reports whether target is ErrInvalidEvent.
func (e *EventError) Is(target error) bool { return target == ErrInvalidEvent }
