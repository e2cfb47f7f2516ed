package munin

import (
	"net/http"
	"strings"
	"testing"
	"unicode"

	"github.com/botbridge/botbridge/internal/transport"
)

// FuzzDecodeError feeds decodeError every error body of the reference and
// mutations of them. It must never panic, and the code it returns is a
// machine code: no spaces, something a caller can compare and log on one
// line.
//
//	go test -run '^$' -fuzz FuzzDecodeError ./munin
func FuzzDecodeError(f *testing.F) {
	for _, tc := range errorShapes {
		f.Add(tc.status, []byte(tc.body))
	}
	for _, body := range []string{
		`null`, `[]`, `"text"`, `{"message":null}`, `{"message":42}`, `{"message":["a",1]}`,
		`{"code":"a b","message":"x"}`, `{"code":42}`, `{"code":"handover_active\n"}`,
		`{"message":":"}`, `{"message":"_: x"}`, `{"message":"channel  is inactive"}`,
		`{"fieldErrors":[{"field":"url"}]}`, `{"fieldErrors":"x"}`,
		`{"message":"Missing required scope"}`, `{"message":"x","code":"mcp_burst_limited","retryAfter":"soon"}`,
	} {
		f.Add(http.StatusBadRequest, []byte(body))
		f.Add(http.StatusTooManyRequests, []byte(body))
	}
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		code, message, kind := decodeError(status, http.Header{}, body)
		if strings.ContainsFunc(code, unicode.IsSpace) {
			t.Fatalf("code %q has white space (body %q)", code, body)
		}
		if kind != nil && code == "" {
			t.Fatalf("kind %v without a code (body %q)", kind, body)
		}
		e := transport.NewAPIError("munin", http.MethodGet, "/v1/x", status, code, message, kind)
		if s := e.Error(); strings.ContainsAny(s, "\r\n") {
			t.Fatalf("Error() is not one line: %q", s)
		}
	})
}
