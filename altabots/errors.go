package altabots

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/botbridge/botbridge/internal/transport"
)

// APIError is AltaBots' refusal of a call: an answer with a status other
// than 2xx, or a 2xx whose {code, message} body carries a code other than
// 0 or 200 (see the Client doc). Code is AltaBots' code as digits
// ("40127"), Message its message; RateLimit holds the X-RateLimit-* headers
// when AltaBots sent them, and RetryAfter how long to wait before trying
// again. Match kinds with errors.Is and the sentinels below; use errors.As
// to read the fields:
//
//	var apiErr *altabots.APIError
//	if errors.As(err, &apiErr) && apiErr.RateLimit != nil {
//		log.Printf("quota %d, resets at %s", apiErr.RateLimit.Limit, apiErr.RateLimit.Reset)
//	}
type APIError = transport.APIError

// RateLimit is the quota AltaBots announces in X-RateLimit-Limit,
// X-RateLimit-Remaining and X-RateLimit-Reset (by plan: 100 calls a day on
// the free plan, 1,000 an hour on pro).
type RateLimit = transport.RateLimit

// Sentinels shared with every botbridge vendor package. errors.Is matches
// them by HTTP status — for a 2xx that carries an error code, by the status
// that code maps to (40000 → 400, 40127 → 401, 40378 → 403, …).
var (
	ErrUnauthorized = transport.ErrUnauthorized // 401: the API key is wrong (AltaBots' 40127)
	ErrForbidden    = transport.ErrForbidden    // 403 (AltaBots' 403xx, such as 40378)
	ErrNotFound     = transport.ErrNotFound     // 404
	ErrRateLimited  = transport.ErrRateLimited  // 429: the plan's quota is spent
	ErrValidation   = transport.ErrValidation   // 400 (AltaBots' 40000), and input the SDK refused before sending
	ErrServer       = transport.ErrServer       // 5xx, and any code the SDK cannot place
)

// AltaBots' own error codes (altabots-api-notes.md). errors.Is matches them
// on the code AltaBots sent, whatever the HTTP status was.
var (
	// ErrParameter is code 40000: AltaBots refused a parameter (an unknown
	// conversation id, for example). It matches ErrValidation too.
	ErrParameter = errors.New("altabots: parameter error (40000)")
	// ErrAuthentication is code 40127: the API key was not accepted.
	ErrAuthentication = errors.New("altabots: authentication failed (40127)")
	// ErrAgentDeleted is code 40378: the agent (bot) the key belongs to was
	// deleted. No call will succeed with this key again.
	ErrAgentDeleted = errors.New("altabots: agent deleted (40378)")
)

// The codes of the sentinels above.
const (
	codeParameter      = "40000"
	codeAuthentication = "40127"
	codeAgentDeleted   = "40378"
)

// codeKind returns the sentinel of an AltaBots code, or nil.
func codeKind(code string) error {
	switch code {
	case codeParameter:
		return ErrParameter
	case codeAuthentication:
		return ErrAuthentication
	case codeAgentDeleted:
		return ErrAgentDeleted
	}
	return nil
}

// statusOfCode maps an AltaBots code to the HTTP status it stands for, for
// a failure reported inside a 2xx: the code's first three digits when they
// are 400, 401, 403, 404 or 429 (40127 → 401), the code itself when it is
// one of those statuses, and 500 for anything else.
func statusOfCode(code string) int {
	n, err := strconv.Atoi(code)
	if err != nil {
		return http.StatusInternalServerError
	}
	if n >= 10000 && n <= 99999 {
		n /= 100
	}
	switch n {
	case http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusTooManyRequests:
		return n
	}
	return http.StatusInternalServerError
}

// decodeError reads both error shapes AltaBots documents: the endpoint
// pages' {"code": 40127, "message": "…"} and the API overview's
// {"error": {"code": …, "message": "…", "status": "…"}}. The code is read
// from a number or a string and kept only when it is one word a caller can
// compare and log; the nested status stands in for a missing message. The
// nested object wins, and the top level fills what it left out, so a body
// mixing the shapes keeps its code (and the code's sentinel). A body in
// neither shape still gives what transport.DecodeErrorBody finds.
func decodeError(status int, header http.Header, body []byte) (code, message string, kind error) {
	var fields map[string]json.RawMessage
	if json.Unmarshal(body, &fields) != nil {
		return "", "", nil
	}
	var nested map[string]json.RawMessage
	if raw, ok := fields["error"]; ok && json.Unmarshal(raw, &nested) == nil && nested != nil {
		code, message = transport.JSONText(nested["code"]), transport.JSONText(nested["message"])
		if message == "" {
			message = transport.JSONText(nested["status"])
		}
	}
	if code == "" || message == "" {
		// Either shape alone, or a mix: the top-level code and message
		// fill what the nested object left out.
		topCode, topMessage, _ := transport.DecodeErrorBody(status, header, body)
		if code == "" {
			code = topCode
		}
		if message == "" {
			message = topMessage
		}
	}
	if !transport.IsCodeWord(code) {
		code = ""
	}
	return code, message, codeKind(code)
}

// checkSuccess is the client's transport.SuccessCheck: a 2xx whose body
// reports a failure (failureIn) becomes an *APIError with the status its
// code stands for (statusOfCode) and the code's sentinel.
func checkSuccess(_ int, _ http.Header, body []byte) *transport.Failure {
	code, message, failed := failureIn(body)
	if !failed {
		return nil
	}
	return &transport.Failure{StatusCode: statusOfCode(code), Code: code, Message: message, Kind: codeKind(code)}
}

// failureIn reads the body of a 2xx answer. AltaBots' endpoint pages answer
// {code, message} whatever happened, so a body whose code is present and is
// neither 0 nor 200, or that holds an "error" member with something in it,
// reports a failure: it returns the code, the message and true. A body
// that is not a JSON object, has no code, or has code 0 or 200 is a
// success; a code or an error that says nothing (null, "", {}, [], false,
// 0) counts as absent, as frameworks that always send the member do.
func failureIn(body []byte) (code, message string, failed bool) {
	var fields map[string]json.RawMessage
	if json.Unmarshal(body, &fields) != nil || fields == nil {
		return "", "", false
	}
	errRaw, hasError := fields["error"]
	hasError = hasError && !saysNothing(errRaw)
	codeRaw, hasCode := fields["code"]
	hasCode = hasCode && !saysNothing(codeRaw)
	switch {
	case hasError:
	case !hasCode:
		return "", "", false
	case isSuccessCode(codeRaw):
		return "", "", false
	}
	code, message, _ = decodeError(http.StatusOK, nil, body)
	return code, message, true
}

// isSuccessCode reports a code of 0 or 200, as a number or a string.
func isSuccessCode(raw json.RawMessage) bool {
	var n json.Number
	if json.Unmarshal(raw, &n) != nil {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return false
		}
		n = json.Number(s)
	}
	f, err := n.Float64()
	return err == nil && (f == 0 || f == 200)
}

// saysNothing reports a JSON value that carries no code or error: null,
// false, 0, "", {} or [].
func saysNothing(raw json.RawMessage) bool {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return false
	}
	switch v := v.(type) {
	case nil:
		return true
	case bool:
		return !v
	case float64:
		return v == 0
	case string:
		return v == ""
	case map[string]any:
		return len(v) == 0
	case []any:
		return len(v) == 0
	}
	return false
}

// inputError is a call the SDK refused before sending it, because a field
// AltaBots requires is missing. It matches ErrValidation, like AltaBots'
// own 40000, so one errors.Is finds bad input wherever it was caught. It
// names the field and never quotes the value.
type inputError struct {
	op, field, problem string
}

func (e *inputError) Error() string { return "altabots: " + e.op + ": " + e.field + " " + e.problem }

func (e *inputError) Unwrap() error { return ErrValidation }
