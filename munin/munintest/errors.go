package munintest

import (
	"net/http"
	"strconv"
)

// apiError is a refusal of the service layer. The REST front end renders it
// as Munin's NestJS error body (munin-api-reference.md §1, §7); the MCP
// front end as an isError result whose text is the message (§5).
type apiError struct {
	status  int
	message string
	shape   errorShape
	code    string       // shapeConflict, shapeMCPBurst
	fields  []fieldError // shapeValidation
	retry   int          // seconds, for 429s
	window  string       // shapeThrottle: "public-minute" or "public-hour"
}

// errorShape is which of Munin's error bodies an apiError gets.
type errorShape int

const (
	shapeNest       errorShape = iota // {statusCode, message, error}
	shapeConflict                     // {message, code}
	shapeValidation                   // {message, fieldErrors}
	shapeInternal                     // {statusCode:500, message:"Internal server error"}
	shapeThrottle                     // {statusCode:429, message:"ThrottlerException: Too Many Requests"}
	shapeMCPBurst                     // {statusCode:429, code, message, retryAfter}
)

func (e *apiError) Error() string { return e.message }

// fieldError is one entry of a validation_failed body's fieldErrors.
type fieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func newError(status int, message string) *apiError {
	return &apiError{status: status, message: message}
}

func errUnauthorized() *apiError {
	return newError(http.StatusUnauthorized, "invalid or expired credential")
}

func errForbidden(message string) *apiError { return newError(http.StatusForbidden, message) }

func errNotFound(message string) *apiError { return newError(http.StatusNotFound, message) }

func errBadRequest(message string) *apiError { return newError(http.StatusBadRequest, message) }

// errConvNotFound is Munin's answer for an unknown conversation id.
func errConvNotFound(id string) *apiError { return errNotFound("conv_not_found: conversation " + id) }

// errConflict is a 409 with Munin's code field (§1).
func errConflict(code, message string) *apiError {
	return &apiError{status: http.StatusConflict, message: message, code: code, shape: shapeConflict}
}

// errInternal is Munin's answer to anything unexpected (§1). message is what
// an MCP caller would see; REST callers see only "Internal server error".
func errInternal(message string) *apiError {
	return &apiError{status: http.StatusInternalServerError, message: message, shape: shapeInternal}
}

// errThrottled is the widget throttler's 429 (§7): window is the throttler
// that refused, "public-minute" or "public-hour".
func errThrottled(window string, retrySeconds int) *apiError {
	return &apiError{status: http.StatusTooManyRequests, message: "ThrottlerException: Too Many Requests", shape: shapeThrottle, retry: retrySeconds, window: window}
}

// body returns the JSON value Munin sends for e.
func (e *apiError) body() any {
	switch e.shape {
	case shapeConflict:
		return struct {
			Message string `json:"message"`
			Code    string `json:"code"`
		}{e.message, e.code}
	case shapeValidation:
		return struct {
			Message     string       `json:"message"`
			FieldErrors []fieldError `json:"fieldErrors"`
		}{e.message, e.fields}
	case shapeInternal:
		return struct {
			StatusCode int    `json:"statusCode"`
			Message    string `json:"message"`
		}{e.status, "Internal server error"}
	case shapeThrottle:
		return struct {
			StatusCode int    `json:"statusCode"`
			Message    string `json:"message"`
		}{e.status, e.message}
	case shapeMCPBurst:
		return struct {
			StatusCode int    `json:"statusCode"`
			Code       string `json:"code"`
			Message    string `json:"message"`
			RetryAfter int    `json:"retryAfter"`
		}{e.status, e.code, e.message, e.retry}
	}
	return struct {
		StatusCode int    `json:"statusCode"`
		Message    string `json:"message"`
		Error      string `json:"error"`
	}{e.status, e.message, statusName(e.status)}
}

// header adds the headers that go with e.
func (e *apiError) header(h http.Header) {
	if e.shape == shapeThrottle {
		h.Set("Retry-After-"+e.window, strconv.Itoa(e.retry))
	}
}

// statusName is NestJS's "error" text for a status.
func statusName(status int) string {
	switch status {
	case http.StatusRequestEntityTooLarge:
		return "Payload Too Large"
	case http.StatusInternalServerError:
		return "Internal Server Error"
	}
	if t := http.StatusText(status); t != "" {
		return t
	}
	return "Error"
}

// asAPIError turns any error from the service layer into an apiError.
func asAPIError(err error) *apiError {
	if e, ok := err.(*apiError); ok {
		return e
	}
	return errInternal(err.Error())
}
