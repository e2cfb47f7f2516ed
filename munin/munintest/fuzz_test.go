package munintest

import (
	"encoding/json"
	"testing"
)

// FuzzParseIngest checks the widget push schema, the fake's one parser of
// untrusted input: it never panics, an accepted push keeps Munin's limits
// (§2.2), and a refusal's zod issue list is valid JSON.
func FuzzParseIngest(f *testing.F) {
	for _, seed := range []string{
		`{"channelId":"cch_1","sessionId":"vis_abc123","visitor":{"name":"Vita","email":"vita@example.com"},"url":"https://customer.example/checkout","messages":[{"role":"end_user","body":"Where is my order?","providerMessageId":"evt_1"}]}`,
		`{"channelId":"cch_1","sessionId":"vis_abc123","messages":[{"role":"end_user","body":"Where is my order?","providerMessageId":"evt_1"},{"role":"agent","body":"Let me check…","providerMessageId":"evt_2"}]}`,
		`{"channelId":"cch_1","sessionId":"s","verifiedExternalId":"u","userHash":"` + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" + `","messages":[{"body":"x","at":"2026-08-21T10:00:00.000Z"}]}`,
		`{"messages":[]}`, `[]`, `null`, `{"messages":[1,"x",null]}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		x, present := decodeJSON(body)
		in, v := parseIngest(x, present)
		if !v.ok() {
			if !json.Valid([]byte(v.zodJSON())) {
				t.Fatalf("issues are not JSON: %s", v.zodJSON())
			}
			return
		}
		if n := len(in.messages); n < 1 || n > 50 {
			t.Fatalf("accepted %d messages", n)
		}
		if l := jsLen(in.sessionID); l < 1 || l > 200 {
			t.Fatalf("accepted sessionId of %d units", l)
		}
		for _, m := range in.messages {
			if l := jsLen(m.body); l < 1 || l > 1000 {
				t.Fatalf("accepted body of %d units", l)
			}
		}
	})
}
