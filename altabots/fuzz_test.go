package altabots

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"unicode"

	"github.com/botbridge/botbridge/internal/transport"
)

// addSeeds seeds f with the doc bodies and every refused mutation of the
// tables.
func addSeeds(f *testing.F, docs []string, cases ...[]parseCase) {
	for _, d := range docs {
		f.Add([]byte(d))
	}
	for _, list := range cases {
		for _, tc := range list {
			f.Add([]byte(tc.body))
		}
	}
	for _, s := range []string{``, `{}`, `null`, `[]`, `{"conversation_id":"\u0000"}`, `{"conversation_id":"a","CONVERSATION_ID":""}`,
		`{"conversation_id":"\xff\xfe"}`, `{"conversation_id":"c","timestamp":-1}`, `{"conversation_id":"c","timestamp":9223372036854775808}`} {
		f.Add([]byte(s))
	}
}

// checkRefusal asserts what every refusal keeps true: a *RequestError
// matching ErrInvalidRequest, with a one-line, bounded message that names
// its field.
func checkRefusal(t *testing.T, body []byte, err error) {
	t.Helper()
	var reqErr *RequestError
	if !errors.As(err, &reqErr) || !errors.Is(err, ErrInvalidRequest) {
		t.Fatalf("error %v (%T) is not a *RequestError", err, err)
	}
	if reqErr.Message == "" || len(reqErr.Message) > 200 || strings.ContainsAny(reqErr.Message, "\r\n") {
		t.Fatalf("message %q is not one bounded line", reqErr.Message)
	}
	if reqErr.Field != "" && !strings.HasPrefix(reqErr.Message, reqErr.Field+" ") {
		t.Fatalf("message %q does not start with its field %q", reqErr.Message, reqErr.Field)
	}
	if reqErr.Field == "" && !strings.HasPrefix(reqErr.Message, "request body ") {
		t.Fatalf("message %q names no field (body %q)", reqErr.Message, body)
	}
}

// checkAccepted asserts what every accepted request keeps true, and that it
// survives an encode and a decode.
func checkAccepted[R any](t *testing.T, body []byte, req *R, id string, raw json.RawMessage, parse func([]byte) (*R, error), clearRaw func(*R)) {
	t.Helper()
	if strings.TrimSpace(id) == "" {
		t.Fatalf("accepted a blank conversation_id: %q", body)
	}
	if !bytes.Equal(raw, body) {
		t.Fatalf("Raw %q is not the body %q", raw, body)
	}
	out, err := json.Marshal(req)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	again, err := parse(out)
	if err != nil {
		t.Fatalf("re-parse of %s: %v", out, err)
	}
	clearRaw(req)
	clearRaw(again)
	if got, _ := json.Marshal(again); !bytes.Equal(got, out) {
		t.Fatalf("round trip changed %s into %s", out, got)
	}
}

// FuzzParseEstablish: never a panic; either a *RequestError naming its
// field, or a request with a conversation id, Raw equal to the body, that
// round-trips.
//
//	go test -run '^$' -fuzz '^FuzzParseEstablish$' ./altabots
func FuzzParseEstablish(f *testing.F) {
	addSeeds(f, []string{docEstablish}, establishMutations)
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := ParseEstablish(body)
		if err != nil {
			if req != nil {
				t.Fatal("a request with an error")
			}
			checkRefusal(t, body, err)
			return
		}
		checkAccepted(t, body, req, req.ConversationID, req.Raw, ParseEstablish, func(r *EstablishRequest) { r.Raw = nil })
	})
}

// FuzzParseChat is FuzzParseEstablish for the chat body.
//
//	go test -run '^$' -fuzz '^FuzzParseChat$' ./altabots
func FuzzParseChat(f *testing.F) {
	addSeeds(f, []string{docChat}, chatMutations)
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := ParseChat(body)
		if err != nil {
			if req != nil {
				t.Fatal("a request with an error")
			}
			checkRefusal(t, body, err)
			return
		}
		checkAccepted(t, body, req, req.ConversationID, req.Raw, ParseChat, func(r *ChatRequest) { r.Raw = nil })
	})
}

// FuzzParseClose is FuzzParseEstablish for the close body; an accepted
// one's type is TIMEOUT or USER_CLOSED.
//
//	go test -run '^$' -fuzz '^FuzzParseClose$' ./altabots
func FuzzParseClose(f *testing.F) {
	addSeeds(f, []string{docClose, strings.Replace(docClose, "USER_CLOSED", "TIMEOUT", 1)}, closeMutations)
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := ParseClose(body)
		if err != nil {
			if req != nil {
				t.Fatal("a request with an error")
			}
			checkRefusal(t, body, err)
			return
		}
		if !req.Type.Valid() {
			t.Fatalf("accepted close type %q", req.Type)
		}
		checkAccepted(t, body, req, req.ConversationID, req.Raw, ParseClose, func(r *CloseRequest) { r.Raw = nil })
	})
}

// FuzzDecodeError feeds the error decoder and the 2xx check (checkSuccess,
// the transport's SuccessCheck) every error body of the tables and
// mutations of them. They never panic; the code is one word; a sentinel
// comes only from its code; a 2xx body that reports a failure maps to a
// 4xx or 5xx status.
//
//	go test -run '^$' -fuzz '^FuzzDecodeError$' ./altabots
func FuzzDecodeError(f *testing.F) {
	for _, tc := range errorShapes {
		f.Add(tc.status, []byte(tc.body))
	}
	for _, body := range []string{
		`{"code":0,"message":"success"}`, `{"code":200}`, `{"code":"0"}`, `{"code":null}`, `{"code":1e400}`,
		`{"error":null}`, `{"error":{}}`, `{"error":{"code":{"x":1}}}`, `{"code":"a\u0000b"}`, `[]`, `"x"`,
		`{"code":40000,"code":0}`, `{"code":"` + strings.Repeat("4", 200) + `"}`,
	} {
		f.Add(http.StatusOK, []byte(body))
		f.Add(http.StatusBadRequest, []byte(body))
	}
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		code, message, kind := decodeError(status, http.Header{}, body)
		if strings.ContainsFunc(code, unicode.IsSpace) || len(code) > 100 {
			t.Fatalf("code %q is not one word (body %q)", code, body)
		}
		if kind != codeKind(code) {
			t.Fatalf("kind %v for code %q", kind, code)
		}
		e := transport.NewAPIError("altabots", http.MethodPost, "/v1/human/close", status, code, message, kind)
		if s := e.Error(); strings.ContainsAny(s, "\r\n") {
			t.Fatalf("Error() is not one line: %q", s)
		}
		fcode, _, failed := failureIn(body)
		f := checkSuccess(http.StatusOK, http.Header{}, body)
		switch {
		case failed != (f != nil):
			t.Fatalf("failureIn says %v, checkSuccess %+v (body %q)", failed, f, body)
		case !failed && fcode != "":
			t.Fatalf("a success with code %q", fcode)
		case failed && (f.StatusCode < 400 || f.StatusCode > 599):
			t.Fatalf("failure code %q maps to status %d", f.Code, f.StatusCode)
		case failed && (f.Code != fcode || f.Kind != codeKind(f.Code)):
			t.Fatalf("failure %+v for code %q", f, fcode)
		}
	})
}
