package clienttest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/internal/transport"
)

// Expect is what a test expects of a recorded request.
type Expect struct {
	// Method and Path (escaped, from the host on) are always compared.
	Method, Path string
	// Header maps each name to check to its exact values, in order; a name
	// with no values must be absent.
	Header map[string][]string
	// JSON, when not empty, is the body the request must carry, compared
	// as JSON (key order and spacing do not matter).
	JSON string
	// NoBody says the request must carry no body.
	NoBody bool
}

// JSONCall is the Expect.Header of a call to a JSON API: authorization,
// and application/json for Content-Type and Accept. Edit the map for a
// call that differs (delete Content-Type for one without a body).
func JSONCall(authorization string) map[string][]string {
	return map[string][]string{
		"Authorization": {authorization},
		"Content-Type":  {"application/json"},
		"Accept":        {"application/json"},
	}
}

// AssertRequest checks r against want, reporting every difference.
func AssertRequest(t testing.TB, r Request, want Expect) {
	t.Helper()
	assert.Equal(t, want.Method, r.Method, "method")
	assert.Equal(t, want.Path, r.Path, "path")
	names := make([]string, 0, len(want.Header))
	for name := range want.Header {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if values := want.Header[name]; len(values) == 0 {
			assert.Empty(t, r.Header.Values(name), "header %s must be absent", name)
		} else {
			assert.Equal(t, values, r.Header.Values(name), "header %s", name)
		}
	}
	if want.JSON != "" {
		assert.JSONEq(t, want.JSON, string(r.Body), "body")
	}
	if want.NoBody {
		assert.Empty(t, r.Body, "body")
	}
}

// WantAPIError is what a test expects of an *APIError (every vendor
// package's APIError is transport.APIError).
type WantAPIError struct {
	// Status, Code, Message and RequestID are always compared: an empty
	// Code says the vendor's answer has no usable code.
	Status        int
	Code, Message string
	RequestID     string
	Method, Path  string  // compared when not empty
	Is            []error // errors.Is(err, each) must hold
	IsNot         []error // errors.Is(err, each) must not
}

// AssertAPIError checks that err is an *APIError as want describes, with
// an Error() of one line, and returns it for the checks a test adds. It
// stops the test when err is not an *APIError.
func AssertAPIError(t testing.TB, err error, want WantAPIError) *transport.APIError {
	t.Helper()
	var apiErr *transport.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, want.Status, apiErr.StatusCode, "status")
	assert.Equal(t, want.Code, apiErr.Code, "code")
	assert.Equal(t, want.Message, apiErr.Message, "message")
	assert.Equal(t, want.RequestID, apiErr.RequestID, "request id")
	if want.Method != "" {
		assert.Equal(t, want.Method, apiErr.Method, "method")
	}
	if want.Path != "" {
		assert.Equal(t, want.Path, apiErr.Path, "path")
	}
	for _, kind := range want.Is {
		assert.ErrorIs(t, err, kind)
	}
	for _, kind := range want.IsNot {
		assert.NotErrorIs(t, err, kind)
	}
	assert.NotContains(t, err.Error(), "\n", "one line")
	return apiErr
}

// printVerbs are the ways a value reaches a log or an error message.
var printVerbs = []string{"%v", "%+v", "%#v", "%s", "%q", "%x"}

// AssertNotPrinted checks that secret appears in none of the ways each of
// values prints (%v, %+v, %#v, %s, %q, %x): an API key or a token held in
// a client, an option or an error must never reach a log.
func AssertNotPrinted(t testing.TB, secret string, values ...any) {
	t.Helper()
	require.NotEmpty(t, secret, "a secret to look for")
	for i, v := range values {
		for _, verb := range printVerbs {
			assert.NotContains(t, fmt.Sprintf(verb, v), secret, "value %d printed with %s", i, verb)
		}
	}
}

// AssertRedactedError checks an error from a vendor answer that echoed
// secret back (as some gateways echo a bad key): it is an *APIError, the
// secret appears in none of the ways it prints nor in its Body, and its
// line shows where the secret was cut out ("[REDACTED]").
func AssertRedactedError(t testing.TB, err error, secret string) {
	t.Helper()
	var apiErr *transport.APIError
	require.ErrorAs(t, err, &apiErr)
	AssertNotPrinted(t, secret, err)
	assert.Contains(t, err.Error(), "[REDACTED]")
	assert.NotContains(t, string(apiErr.Body), secret)
}
