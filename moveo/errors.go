package moveo

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/botbridge/botbridge/internal/transport"
)

// APIError is Moveo's answer with a status other than 2xx. Code is Moveo's
// error_code and Message its error_message; RequestID is the X-Request-Id
// header when Moveo sent one. Match kinds with errors.Is and the sentinels
// below; use errors.As to read the fields:
//
//	var apiErr *moveo.APIError
//	if errors.As(err, &apiErr) {
//		log.Printf("moveo said %d %s", apiErr.StatusCode, apiErr.Code)
//	}
type APIError = transport.APIError

// Sentinels shared with every botbridge vendor package. errors.Is matches
// them by HTTP status. Moveo documents 400, 401, 404 and 500 (moveo-api-notes.md,
// "Errors"); the others match what a proxy or a future Moveo may send.
var (
	ErrUnauthorized = transport.ErrUnauthorized // 401: bad key, or a call from outside the integration's IP allowlist
	ErrForbidden    = transport.ErrForbidden    // 403
	ErrNotFound     = transport.ErrNotFound     // 404
	ErrRateLimited  = transport.ErrRateLimited  // 429 (Moveo documents no rate limit)
	ErrValidation   = transport.ErrValidation   // 400, and input the SDK refused before sending
	ErrServer       = transport.ErrServer       // 5xx
)

// ErrSessionNotFound matches a 404 on a call that names a session: Moveo
// no longer knows the session, in practice because it expired after the
// integration's session_timeout (24 hours by default) or was closed. It
// cannot be revived: create a new session (CreateSession) and send there,
// or let SendMessageOrRenew do both. Such an error matches ErrNotFound too.
// A 404 from CreateSession itself does not match it: that route names no
// session (the integration id is wrong).
var ErrSessionNotFound = errors.New("moveo: session not found or expired")

// decodeError reads Moveo's error body, {"error_code": "…",
// "error_message": "…"}. error_code is documented as a string; a number is
// read as its digits, and anything else (an object, text with spaces) is no
// code, so Code is always one word a caller can compare and log. A body in
// another shape ("message", "detail", as gateways send) still gives its
// message. It names no vendor sentinel: those come from the status.
func decodeError(status int, header http.Header, body []byte) (code, message string, kind error) {
	var fields map[string]json.RawMessage
	if json.Unmarshal(body, &fields) != nil {
		return "", "", nil
	}
	code, message, _ = transport.DecodeErrorBody(status, header, body)
	if raw, ok := fields["error_code"]; ok {
		code = transport.JSONText(raw)
	}
	if raw, ok := fields["error_message"]; ok {
		if m := transport.JSONText(raw); m != "" {
			message = m
		}
	}
	if !transport.IsCodeWord(code) {
		code = ""
	}
	return code, message, nil
}

// decodeSessionError is decodeError for the routes under
// …/sessions/{session_id}, where a 404 means the session is gone.
func decodeSessionError(status int, header http.Header, body []byte) (code, message string, kind error) {
	code, message, _ = decodeError(status, header, body)
	if status == http.StatusNotFound {
		kind = ErrSessionNotFound
	}
	return code, message, kind
}

// isCodeWord is transport.IsCodeWord, for the storage errors of files.go.
func isCodeWord(s string) bool { return transport.IsCodeWord(s) }

// inputError is a request the SDK refused before sending it, because it
// breaks a rule Moveo documents. It matches ErrValidation, like Moveo's own
// 400, so one errors.Is finds bad input wherever it was caught. It names
// the field and never quotes the value: URLs with tokens stay out of logs.
type inputError struct {
	op, field, problem string
}

func (e *inputError) Error() string { return "moveo: " + e.op + ": " + e.field + ": " + e.problem }

func (e *inputError) Unwrap() error { return ErrValidation }

// invalid returns an *inputError.
func invalid(op, field, problem string) error {
	return &inputError{op: op, field: field, problem: problem}
}
