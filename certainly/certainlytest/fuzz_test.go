package certainlytest

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

// FuzzParsePath feeds escaped paths to the router. Invariants: no panic;
// a path that routes has non-empty ids and a known kind, and building the
// path again from its parts (escaping each id) routes to the same parts.
func FuzzParsePath(f *testing.F) {
	for _, seed := range []string{
		"/webbot/api/webchat/123/config/",
		"/webbot/api/webchat/123/handover/user_id/",
		"/webbot/api/webchat/123/takeover/user_id/",
		"/webbot/api/webchat/123/handover/a%2Fb/",
		"/webbot/api/webchat/123/handover/%2E%2E/",
		"/webbot/api/webchat/123/handover/Jane%20Doe/",
		"/webbot/api/webchat/123/handover/user_id",
		"/webbot/api/webchat//handover//",
		"/webbot/api/webchat/123/handover/%zz/",
		"/webbot/api/webchat/",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, escaped string) {
		kind, botID, userID, ok := parsePath(escaped)
		if !ok {
			return
		}
		if botID == "" || (kind != RouteConfig && userID == "") {
			t.Fatalf("empty id from %q", escaped)
		}
		var again string
		switch kind {
		case RouteConfig:
			if userID != "" {
				t.Fatalf("config with a user id from %q", escaped)
			}
			again = DefaultPathPrefix + "/" + url.PathEscape(botID) + "/config/"
		case RouteHandover, RouteTakeover:
			again = DefaultPathPrefix + "/" + url.PathEscape(botID) + "/" + kind + "/" + url.PathEscape(userID) + "/"
		default:
			t.Fatalf("unknown kind %q from %q", kind, escaped)
		}
		k2, b2, u2, ok2 := parsePath(again)
		if !ok2 || k2 != kind || b2 != botID || u2 != userID {
			t.Fatalf("round trip of %q: %q → (%q %q %q %v), want (%q %q %q)", escaped, again, k2, b2, u2, ok2, kind, botID, userID)
		}
		if !strings.HasSuffix(escaped, "/") {
			t.Fatalf("routed %q without its trailing slash", escaped)
		}
	})
}

// FuzzDecodeAgentMessage feeds bodies to the agent message decoder.
// Invariants: no panic; either a 400 with a detail, or a non-empty text
// that the body's "message" holds.
func FuzzDecodeAgentMessage(f *testing.F) {
	for _, seed := range []string{
		`{"message":"Hello from Agent!"}`, `{"message":""}`, `{}`, `{"message":null}`,
		`{"message":42}`, `[]`, `null`, `not json`, `{"message":"a","message":"b"}`,
		`{"message":"\u00e9\ud83d\ude00"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		text, err := decodeAgentMessage(body)
		if err != nil {
			if err.status != 400 || err.detail == "" || text != "" {
				t.Fatalf("bad error for %q: %+v, text %q", body, err, text)
			}
			return
		}
		if text == "" {
			t.Fatalf("empty text accepted from %q", body)
		}
		var in map[string]any
		if err := json.Unmarshal(body, &in); err != nil || in["message"] != text {
			t.Fatalf("accepted %q as %q; encoding/json reads %v, %v", body, text, in["message"], err)
		}
		re, _ := json.Marshal(map[string]string{"message": text})
		if again, err := decodeAgentMessage(re); err != nil || again != text {
			t.Fatalf("round trip of %q: %q, %v", text, again, err)
		}
	})
}
