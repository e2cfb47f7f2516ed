package transport

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"
)

// Sentinels for the kinds of failure every vendor shares. Vendor packages
// re-export them, so errors.Is(err, munin.ErrNotFound) and
// errors.Is(err, transport.ErrNotFound) are the same test.
var (
	ErrUnauthorized = errors.New("unauthorized")
	ErrForbidden    = errors.New("forbidden")
	ErrNotFound     = errors.New("not found")
	ErrConflict     = errors.New("conflict")
	ErrRateLimited  = errors.New("rate limited")
	ErrValidation   = errors.New("validation failed")
	ErrServer       = errors.New("server error")

	// ErrResponseTooLarge is returned when a successful response's body is
	// longer than the client's MaxResponseBytes.
	ErrResponseTooLarge = errors.New("response body too large")
)

// maxErrorBody caps APIError.Body; maxErrorMessage caps what Error prints.
const (
	maxErrorBody    = 4 << 10
	maxErrorMessage = 512
)

// APIError is a vendor's answer with a status other than 2xx. Vendor
// packages expose it as their own APIError.
type APIError struct {
	// Vendor is the short vendor name ("munin").
	Vendor string
	// Method and Path name the call: "POST", "/v1/widget/messages".
	Method, Path string
	// StatusCode is the HTTP status of the last attempt.
	StatusCode int
	// Code is the vendor's machine-readable error code, when it sent one.
	Code string
	// Message is the vendor's human-readable message, when it sent one.
	Message string
	// RequestID is the id the vendor gave the request (X-Request-Id).
	RequestID string
	// RetryAfter is how long the vendor asked the client to wait, or zero.
	RetryAfter time.Duration
	// RateLimit is the quota the vendor announced in X-RateLimit-* headers
	// with this answer, or nil when it sent none.
	RateLimit *RateLimit
	// Body is the start of the raw response body (at most 4 KiB).
	Body []byte

	// kind is a vendor-specific sentinel the vendor's decoder recognised.
	kind error
}

// Error returns one line: vendor, call, status, code, message, request id.
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s %s: %d", e.Vendor, e.Method, e.Path, e.StatusCode)
	if text := http.StatusText(e.StatusCode); text != "" && e.Code == "" {
		b.WriteString(" " + text)
	}
	if e.Code != "" {
		b.WriteString(" " + oneLine(e.Code))
	}
	if e.Message != "" {
		b.WriteString(": " + oneLine(e.Message))
	}
	var extra []string
	if e.RequestID != "" {
		extra = append(extra, "request id "+oneLine(e.RequestID))
	}
	if e.RetryAfter > 0 {
		extra = append(extra, "retry after "+e.RetryAfter.String())
	}
	if e.RateLimit != nil && e.RateLimit.Limit >= 0 && e.RateLimit.Remaining >= 0 {
		extra = append(extra, fmt.Sprintf("rate limit %d/%d left", e.RateLimit.Remaining, e.RateLimit.Limit))
	}
	if len(extra) > 0 {
		b.WriteString(" (" + strings.Join(extra, ", ") + ")")
	}
	return b.String()
}

// Is reports whether the error is of the kind target names: the sentinel of
// its status class, or a vendor sentinel its decoder recognised.
func (e *APIError) Is(target error) bool {
	if target != nil && target == statusSentinel(e.StatusCode) {
		return true
	}
	return e.kind != nil && errors.Is(e.kind, target)
}

// statusSentinel maps an HTTP status to the shared sentinel of its kind.
func statusSentinel(status int) error {
	switch {
	case status == http.StatusUnauthorized:
		return ErrUnauthorized
	case status == http.StatusForbidden:
		return ErrForbidden
	case status == http.StatusNotFound:
		return ErrNotFound
	case status == http.StatusConflict:
		return ErrConflict
	case status == http.StatusTooManyRequests:
		return ErrRateLimited
	case status == http.StatusBadRequest || status == http.StatusUnprocessableEntity:
		return ErrValidation
	case status >= 500:
		return ErrServer
	}
	return nil
}

// ErrorDecoder reads a vendor's error body. It returns the vendor's code and
// message, and optionally a vendor sentinel (munin.ErrChannelInactive) that
// the resulting APIError will match with errors.Is.
type ErrorDecoder func(status int, header http.Header, body []byte) (code, message string, kind error)

// SuccessCheck reads the body of a 2xx answer for a failure the vendor
// reports inside it (Config.CheckSuccess). It returns nil for a success.
// It must not keep body, and must not panic on any input: the body is
// whatever the server sent, JSON or not.
type SuccessCheck func(status int, header http.Header, body []byte) *Failure

// Failure is a failure a vendor reported in the body of a 2xx answer, as a
// SuccessCheck read it. Do turns it into an *APIError with the same
// redaction, body cap, request id and rate limit as a non-2xx answer.
type Failure struct {
	// StatusCode is the HTTP status the failure stands for: the
	// APIError's StatusCode, which its shared sentinel follows (401 →
	// ErrUnauthorized). A value outside 400–599 is taken as 500.
	StatusCode int
	// Code and Message are the vendor's, as an ErrorDecoder returns them.
	Code, Message string
	// Kind is a vendor sentinel the APIError matches too, or nil.
	Kind error
}

// DecodeErrorBody reads the common JSON error shapes: a code in "code",
// "error_code" or "error", and a message in "message", "error_message",
// "msg" or "detail". A message that is a list (NestJS validation) is joined
// with "; ". Anything that is not such JSON gives an empty code and message.
func DecodeErrorBody(_ int, _ http.Header, body []byte) (code, message string, _ error) {
	var fields map[string]json.RawMessage
	if json.Unmarshal(body, &fields) != nil {
		return "", "", nil
	}
	return firstText(fields, "code", "error_code", "error"),
		firstText(fields, "message", "error_message", "msg", "detail"), nil
}

// firstText returns the first of keys whose value is a non-empty string,
// a number or a list of strings.
func firstText(fields map[string]json.RawMessage, keys ...string) string {
	for _, key := range keys {
		raw, ok := fields[key]
		if !ok {
			continue
		}
		if s := JSONText(raw); s != "" {
			return s
		}
		var list []string
		if json.Unmarshal(raw, &list) == nil && len(list) > 0 {
			return strings.Join(list, "; ")
		}
	}
	return ""
}

// JSONText reads a raw JSON value that an error body uses as text: a
// string as it is, a number as its digits ("40127"). Anything else (an
// object, a list, null, nothing, invalid JSON) is "". Vendor decoders read
// codes and messages with it, so a code documented as a number and sent as
// a string, or the other way round, reads the same.
func JSONText(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}

// IsCodeWord reports whether s can be a vendor's machine code: 1 to 100
// bytes of printable ASCII without spaces. Vendor decoders drop a "code"
// that is not one (a sentence, a control character), so that
// APIError.Code is always one word a caller can compare and log.
func IsCodeWord(s string) bool {
	if s == "" || len(s) > 100 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f {
			return false
		}
	}
	return true
}

// oneLine keeps an error on one line and its length bounded, whatever the
// server sent.
func oneLine(s string) string {
	if len(s) > maxErrorMessage {
		cut := maxErrorMessage
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return strings.Join(strings.Fields(s), " ")
}

// NewAPIError builds an *APIError for a failure that did not come from an
// HTTP response of Do, such as a Munin MCP tool result with isError: the
// vendor package maps it to the same status, code and sentinel (kind) as
// the REST answer it stands for, so callers branch on one set of errors.
func NewAPIError(vendor, method, path string, status int, code, message string, kind error) *APIError {
	return &APIError{
		Vendor:     vendor,
		Method:     method,
		Path:       path,
		StatusCode: status,
		Code:       code,
		Message:    message,
		kind:       kind,
	}
}
