package transport

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// FuzzDecodeErrorBody: any body a server sends gives an APIError whose
// Error is one bounded line, and never a panic.
func FuzzDecodeErrorBody(f *testing.F) {
	for _, seed := range []string{
		`{"statusCode":429,"message":"ThrottlerException: Too Many Requests"}`,
		`{"statusCode":400,"error":"validation_failed","message":"url: webhook URL must use https://"}`,
		`{"error_code":"session_not_found","error_message":"Session expired"}`,
		`{"code":40127,"message":"Invalid API key"}`,
		`{"message":["a","b"]}`,
		`{"code":null,"message":{"nested":true}}`,
		`<html>502 Bad Gateway</html>`,
		``,
	} {
		f.Add(400, seed)
	}
	f.Fuzz(func(t *testing.T, status int, body string) {
		code, msg, _ := DecodeErrorBody(status, nil, []byte(body))
		e := &APIError{Vendor: "munin", Method: "GET", Path: "/x", StatusCode: status, Code: code, Message: msg}
		line := e.Error()
		if strings.ContainsAny(line, "\r\n") {
			t.Fatalf("not one line: %q", line)
		}
		if len(line) > 3*maxErrorMessage {
			t.Fatalf("unbounded: %d bytes", len(line))
		}
	})
}

// FuzzParseRetryAfter: never a panic, never a negative or unbounded wait.
func FuzzParseRetryAfter(f *testing.F) {
	for _, seed := range []string{"120", "0", "Thu, 02 Jul 2026 10:01:30 GMT", "-1", "99999999999999999999", "soon"} {
		f.Add(seed)
	}
	now := time.Date(2026, 7, 2, 10, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, v string) {
		d, ok := ParseRetryAfter(http.Header{"Retry-After": {v}}, now)
		if d < 0 || d > maxRetryAfter || (!ok && d != 0) {
			t.Fatalf("ParseRetryAfter(%q) = %v, %v", v, d, ok)
		}
	})
}
