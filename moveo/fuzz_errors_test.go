package moveo

import (
	"net/http"
	"strings"
	"testing"
	"unicode"

	"github.com/botbridge/botbridge/internal/transport"
)

// FuzzDecodeError feeds the error decoders every error body of the notes
// and mutations of them. They must never panic, the code they return is a
// machine code (one word a caller can compare and log), and only a 404 on
// a session route is ErrSessionNotFound.
//
//	go test -run '^$' -fuzz FuzzDecodeError ./moveo
func FuzzDecodeError(f *testing.F) {
	for _, tc := range errorShapes {
		f.Add(tc.status, []byte(tc.body))
	}
	for _, body := range []string{
		`null`, `[]`, `"text"`, `{}`, `{"error_code":null}`, `{"error_code":""}`, `{"error_code":true}`,
		`{"error_code":1e400}`, `{"error_code":"a\u0000b"}`, `{"error_message":{"nested":1}}`,
		`{"error_code":"x","error_code":"y"}`, `{"error_code":"` + strings.Repeat("a", 200) + `"}`,
	} {
		f.Add(http.StatusBadRequest, []byte(body))
		f.Add(http.StatusNotFound, []byte(body))
	}
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		code, message, kind := decodeError(status, http.Header{}, body)
		if kind != nil {
			t.Fatalf("decodeError returned kind %v", kind)
		}
		if strings.ContainsFunc(code, unicode.IsSpace) {
			t.Fatalf("code %q has white space (body %q)", code, body)
		}
		sCode, sMessage, sKind := decodeSessionError(status, http.Header{}, body)
		if sCode != code || sMessage != message || (sKind == ErrSessionNotFound) != (status == http.StatusNotFound) {
			t.Fatalf("decodeSessionError(%d, %q) = %q, %q, %v", status, body, sCode, sMessage, sKind)
		}
		e := transport.NewAPIError("moveo", http.MethodPost, "/v1/x", status, code, message, kind)
		if s := e.Error(); strings.ContainsAny(s, "\r\n") {
			t.Fatalf("Error() is not one line: %q", s)
		}
	})
}
