package altabotstest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// FuzzParseServed feeds the API's decoder: it never panics, and either
// refuses with a 400 {40000} naming a field or the body, or returns a
// request that meets the "Required" column and reads back from the JSON.
func FuzzParseServed(f *testing.F) {
	for _, seed := range []string{
		`{"conversation_id":"67d8db020fa31d1ef64f53dg","timestamp":1742265090895,"body":"Hi, Sam here"}`,
		`{"conversation_id":"67d8db020fa31d1ef64f53dg","timestamp":1742265090895}`,
		`{"conversation_id":"","timestamp":1742265090895,"body":"x"}`,
		`{"conversation_id":1,"timestamp":"1742265090895","body":null}`,
		`{"timestamp":1.5e3}`, `[]`, `null`, `{`, ``, `{"a":1} {}`,
		`{"conversation_id":"a","timestamp":99999999999999999999,"body":"x"}`,
	} {
		f.Add([]byte(seed), true)
		f.Add([]byte(seed), false)
	}
	f.Fuzz(func(t *testing.T, raw []byte, withBody bool) {
		req, aerr := parseServed(raw, withBody)
		if aerr != nil {
			if aerr.status != http.StatusBadRequest || aerr.code != CodeParameter {
				t.Fatalf("refusal %d/%d", aerr.status, aerr.code)
			}
			named := false
			for _, field := range []string{"conversation_id", "timestamp", "body", "request body"} {
				named = named || strings.HasPrefix(aerr.message, field+" ")
			}
			if !named {
				t.Fatalf("refusal %q names no field", aerr.message)
			}
			return
		}
		if strings.TrimSpace(req.ConversationID) == "" || req.Timestamp <= 0 || (withBody && req.Body == "") {
			t.Fatalf("accepted an incomplete request %+v", req)
		}
		var back map[string]any
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&back); err != nil {
			t.Fatalf("accepted a body encoding/json refuses: %v", err)
		}
		if back["conversation_id"] != req.ConversationID || back["timestamp"] != json.Number(req.Timestamp.String()) {
			t.Fatalf("decoded %+v, encoding/json reads %v", req, back)
		}
		if withBody && back["body"] != req.Body {
			t.Fatalf("decoded body %q, encoding/json reads %v", req.Body, back["body"])
		}
		if !withBody && req.Body != "" {
			t.Fatal("a close has no body")
		}
	})
}

// FuzzDecodeAnswer feeds the decoder of the desk's answers: it never
// panics, and an answer it finds well-formed round-trips through
// {code, message}.
func FuzzDecodeAnswer(f *testing.F) {
	for _, seed := range []string{
		`{"code":0,"message":"success"}`, `{"code":50000,"message":"desk failed"}`,
		`{"code":"0"}`, `{"message":"x"}`, `{"code":1.5}`, `{"code":0,"message":7}`,
		`OK`, `null`, `[]`, `{"code":99999999999}`, ``,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		code, message, problem := decodeAnswer(raw)
		if problem != "" {
			return
		}
		again, err := json.Marshal(answer{Code: code, Message: message})
		if err != nil {
			t.Fatal(err)
		}
		c2, m2, p2 := decodeAnswer(again)
		if c2 != code || m2 != message || p2 != "" {
			t.Fatalf("round trip: %d %q -> %d %q %q", code, message, c2, m2, p2)
		}
	})
}
