package certainly

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// fuzzSeeds are the page's claim, a filled one, and message bodies in the
// forms ParseMessage reads.
var fuzzSeeds = []string{
	docClaim,
	filledClaim,
	docAgentMessage,
	userMessage,
	`{"interlocutor":"user","text":"hi","bot_id":"b","user_id":"u","session_id":"s"}`,
	`{"interlocutor":"agent","message":"Hello from Agent!","botId":"b","to":"u"}`,
	`{"interlocutor":"bot","message":{"type":"card"},"botId":1,"from":"token","to":2}`,
	`{"botId":7,"to":8,"extractedData":[1],"customVariables":"x"}`,
	`{}`, `[]`, `null`, `"x"`, `{"to":"u\u0000"}`, `{"botId":"b","to":"u"} x`,
}

// checkError asserts what every parse error is: an *EventError matching
// ErrInvalidEvent, on one line.
func checkError(t *testing.T, err error) {
	t.Helper()
	var ee *EventError
	if !errors.As(err, &ee) || !errors.Is(err, ErrInvalidEvent) {
		t.Fatalf("error %v (%T) is not an *EventError", err, err)
	}
	if strings.ContainsAny(err.Error(), "\n\r") {
		t.Fatalf("error on two lines: %q", err)
	}
}

// FuzzParseEvent: no panic; an event or an error, never both; the kind
// follows the keys; an accepted payload parses the same way through its
// own parser; Raw is the input, not aliased.
func FuzzParseEvent(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		in := bytes.Clone(body)
		ev, err := ParseEvent(body)
		if err != nil {
			if ev != nil {
				t.Fatalf("an event with an error: %T", ev)
			}
			checkError(t, err)
			return
		}
		var raw json.RawMessage
		switch ev := ev.(type) {
		case *Claim:
			c, err := ParseClaim(in)
			if err != nil {
				t.Fatalf("ParseEvent made a claim, ParseClaim refuses it: %v", err)
			}
			if !equalClaims(c, ev) {
				t.Fatalf("ParseEvent %+v, ParseClaim %+v", ev, c)
			}
			raw = ev.Raw
		case *Message:
			m, err := ParseMessage(in)
			if err != nil {
				t.Fatalf("ParseEvent made a message, ParseMessage refuses it: %v", err)
			}
			if !equalMessages(m, ev) {
				t.Fatalf("ParseEvent %+v, ParseMessage %+v", ev, m)
			}
			raw = ev.Raw
		case *UnknownEvent:
			raw = ev.Raw
		default:
			t.Fatalf("event %T", ev)
		}
		if !bytes.Equal(raw, in) {
			t.Fatalf("Raw %q is not the input %q", raw, in)
		}
		if len(body) > 0 {
			body[0] ^= 0xff
			if !bytes.Equal(raw, in) {
				t.Fatal("Raw aliases the input")
			}
		}
		// Where encoding/json reads the object too, the kind follows its keys.
		var keys map[string]json.RawMessage
		if utf8.Valid(in) && json.Unmarshal(in, &keys) == nil && keys != nil {
			_, hasInterlocutor := keys["interlocutor"]
			_, isMessage := ev.(*Message)
			if hasInterlocutor != isMessage {
				t.Fatalf("interlocutor present %t, parsed as %T", hasInterlocutor, ev)
			}
		}
		_, _ = HandoffEvent(ev)
	})
}

// FuzzParseClaim: no panic; what it accepts has both ids present and free
// of control characters, keeps the input as Raw, and survives a JSON round
// trip.
func FuzzParseClaim(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		c, err := ParseClaim(body)
		if err != nil {
			if c != nil {
				t.Fatal("a claim with an error")
			}
			checkError(t, err)
			return
		}
		if !bytes.Equal(c.Raw, body) {
			t.Fatal("Raw is not the input")
		}
		if strings.ContainsFunc(c.BotID+c.To, func(r rune) bool { return r < ' ' || r == 0x7f }) {
			t.Fatalf("ids with control characters: %q %q", c.BotID, c.To)
		}
		if hev, ok := HandoffEvent(c); ok != (c.BotID != "" && c.To != "") {
			t.Fatalf("HandoffEvent %t for ids %q %q", ok, c.BotID, c.To)
		} else if ok {
			back, err := ParseConversationKey(hev.Conversation)
			if err != nil || back != c.Conversation() {
				t.Fatalf("conversation key %q does not parse back: %v", hev.Conversation, err)
			}
		}
		b, err := json.Marshal(c)
		if err != nil {
			t.Fatalf("a parsed claim does not encode: %v", err)
		}
		back, err := ParseClaim(b)
		if err != nil {
			t.Fatalf("an encoded claim does not parse: %v\n%s", err, b)
		}
		if validUTF8(c) && !equalClaims(c, back) {
			t.Fatalf("round trip:\n%+v\n%+v", c, back)
		}
	})
}

// FuzzParseMessage: no panic; what it accepts has an interlocutor, keeps
// the input as Raw, and survives a JSON round trip.
func FuzzParseMessage(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		m, err := ParseMessage(body)
		if err != nil {
			if m != nil {
				t.Fatal("a message with an error")
			}
			checkError(t, err)
			return
		}
		if m.Interlocutor == "" {
			t.Fatal("accepted without an interlocutor")
		}
		if !bytes.Equal(m.Raw, body) {
			t.Fatal("Raw is not the input")
		}
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatalf("a parsed message does not encode: %v", err)
		}
		back, err := ParseMessage(b)
		if err != nil {
			t.Fatalf("an encoded message does not parse: %v\n%s", err, b)
		}
		if utf8.ValidString(string(m.Interlocutor)+m.Text+m.BotID+m.UserID+m.SessionID) && !equalMessages(back, m) {
			t.Fatalf("round trip:\n%+v\n%+v", m, back)
		}
	})
}

// FuzzConversationKey: any two ids give a key that parses back to them.
func FuzzConversationKey(f *testing.F) {
	f.Add(testBot, testUser)
	f.Add("a/b", "c%2F")
	f.Add("", "..")
	f.Fuzz(func(t *testing.T, bot, user string) {
		key := ConversationKey(bot, user)
		back, err := ParseConversationKey(key)
		if bot == "" || user == "" {
			if err == nil {
				t.Fatalf("key %q of an empty id parsed", key)
			}
			return
		}
		if err != nil || back != (Conversation{bot, user}) {
			t.Fatalf("%q %q → %q → %+v, %v", bot, user, key, back, err)
		}
	})
}

// equalClaims compares two claims without Raw, their maps' values as
// JSON values.
func equalClaims(a, b *Claim) bool {
	ac, bc := *a, *b
	ac.Raw, bc.Raw = nil, nil
	ac.ExtractedData, bc.ExtractedData = nil, nil
	ac.CustomVariables, bc.CustomVariables = nil, nil
	return reflect.DeepEqual(ac, bc) && equalRawMaps(a.ExtractedData, b.ExtractedData) && equalRawMaps(a.CustomVariables, b.CustomVariables)
}

// equalMessages compares two messages without Raw.
func equalMessages(a, b *Message) bool {
	return a.Interlocutor == b.Interlocutor && a.Text == b.Text && a.BotID == b.BotID && a.UserID == b.UserID &&
		a.SessionID == b.SessionID
}

func equalRawMaps(a, b map[string]json.RawMessage) bool {
	if (a == nil) != (b == nil) || len(a) != len(b) {
		return false
	}
	for k, v := range a {
		w, ok := b[k]
		if !ok {
			return false
		}
		// As values: an encoder may escape "&" as "\u0026".
		var av, aw any
		if json.Unmarshal(v, &av) != nil || json.Unmarshal(w, &aw) != nil || !reflect.DeepEqual(av, aw) {
			return false
		}
	}
	return true
}

// validUTF8 reports whether every string of c is valid UTF-8, which a JSON
// round trip keeps as it is.
func validUTF8(c *Claim) bool {
	for _, s := range []string{c.AttachedMedia, c.Reply, c.BotID, c.Direction, c.LastName, c.FirstName, c.SessionID,
		c.From, c.To, c.ReplyData, c.ModuleID, c.BotTrainedModelID} {
		if !utf8.ValidString(s) {
			return false
		}
	}
	for _, m := range []map[string]json.RawMessage{c.ExtractedData, c.CustomVariables} {
		for k, v := range m {
			if !utf8.ValidString(k) || !utf8.Valid(v) {
				return false
			}
		}
	}
	return true
}
