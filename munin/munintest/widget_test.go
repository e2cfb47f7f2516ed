package munintest_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/munin/munintest"
)

// The push of munin-chat-widget.txt, with the current API's fields (§2.2)
// and without the agent row Munin now refuses.
func docPush(channelID string) map[string]any {
	return map[string]any{
		"channelId": channelID,
		"sessionId": "vis_abc123",
		"visitor":   map[string]any{"name": "Vita", "email": "vita@example.com"},
		"url":       "https://shop.example/checkout",
		"messages":  []any{msg("Where is my order?", "providerMessageId", "evt_1")},
	}
}

func userHash(secret, externalID string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(externalID))
	return hex.EncodeToString(mac.Sum(nil))
}

func TestPushStoresTheDocExample(t *testing.T) {
	t.Parallel()
	s := munintest.NewServer(t, munintest.WithClock(munintest.NewClock(t0)))
	ch := s.Channel()

	r := push(t, s, docPush(ch.ID))
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	got := r.JSON(t)
	assert.Regexp(t, `^ccv_[0-9a-z]{22}$`, got["conversationId"])
	assert.Regexp(t, `^ctc_[0-9a-z]{22}$`, got["contactId"])
	assert.EqualValues(t, 1, got["displayId"])
	assert.EqualValues(t, 1, got["inserted"])
	assert.EqualValues(t, 0, got["skipped"])

	conv, ok := s.ConversationBySession("vis_abc123")
	require.True(t, ok)
	assert.Equal(t, "open", conv.Status)
	assert.Equal(t, "auto", string(conv.AgentMode))
	assert.Equal(t, "Vita", conv.ContactName)
	assert.Equal(t, "vita@example.com", conv.ContactEmail)
	require.Len(t, conv.Messages, 1)
	m := conv.Messages[0]
	assert.Equal(t, "end_user", m.AuthorType)
	assert.Equal(t, got["contactId"], m.AuthorID)
	assert.Equal(t, t0, m.CreatedAt)
	assert.Equal(t, map[string]any{"sessionId": "vis_abc123", "providerMessageId": "evt_1", "url": "https://shop.example/checkout"}, m.Metadata)

	assert.Equal(t, []string{"conversation.created", "conversation.message.received"}, eventTypes(s))
	evs := s.Events()
	assert.JSONEq(t, fmt.Sprintf(`{"channelId":%q,"displayId":1,"conversationId":%q}`, ch.ID, conv.ID), string(evs[0].Payload))
	assert.JSONEq(t, fmt.Sprintf(`{"internal":false,"messageId":%q,"authorType":"end_user","conversationId":%q}`, m.ID, conv.ID), string(evs[1].Payload))
	assert.Equal(t, evs[0].CorrelationID, evs[1].CorrelationID, "one request, one correlation id")
}

func TestPushUpsertsOneConversationPerSession(t *testing.T) {
	t.Parallel()
	s := munintest.NewServer(t)
	a1 := pushSession(t, s, "vis_a", msg("one"))
	a2 := pushSession(t, s, "vis_a", msg("two"))
	b := pushSession(t, s, "vis_b", msg("other"))
	assert.Equal(t, a1, a2)
	assert.NotEqual(t, a1, b)
	conv, _ := s.Conversation(a1)
	assert.Len(t, conv.Messages, 2)
	assert.Equal(t, []string{"conversation.created", "conversation.message.received", "conversation.message.received",
		"conversation.created", "conversation.message.received"}, eventTypes(s))
	b2, _ := s.Conversation(b)
	assert.EqualValues(t, 2, b2.DisplayID, "displayId is sequential per org")
}

func TestProviderMessageIDIsIdempotentAcrossAllMessages(t *testing.T) {
	t.Parallel()
	s := munintest.NewServer(t)
	body := func(session string) map[string]any {
		return map[string]any{"sessionId": session, "messages": []any{
			msg("a", "providerMessageId", "p1"), msg("b", "providerMessageId", "p2"), msg("no id"),
		}}
	}
	first := push(t, s, body("vis_a")).JSON(t)
	assert.EqualValues(t, 3, first["inserted"])
	again := push(t, s, body("vis_a")).JSON(t)
	assert.EqualValues(t, 1, again["inserted"], "a row without providerMessageId is inserted every time")
	assert.EqualValues(t, 2, again["skipped"])
	// §2.2: the index spans the whole message table, other sessions too.
	other := push(t, s, body("vis_b")).JSON(t)
	assert.EqualValues(t, 1, other["inserted"])
	assert.EqualValues(t, 2, other["skipped"])
	// A duplicate inside one request is skipped too.
	dup := push(t, s, map[string]any{"sessionId": "vis_c", "messages": []any{
		msg("x", "providerMessageId", "p3"), msg("x", "providerMessageId", "p3"),
	}}).JSON(t)
	assert.EqualValues(t, 1, dup["inserted"])
	assert.EqualValues(t, 1, dup["skipped"])
	received := 0
	for _, typ := range eventTypes(s) {
		if typ == "conversation.message.received" {
			received++
		}
	}
	assert.Equal(t, 3+1+1+1, received, "one message.received per inserted row")
}

func TestPushIsOneTransaction(t *testing.T) {
	t.Parallel()
	s := munintest.NewServer(t)
	r := push(t, s, map[string]any{"sessionId": "vis_a", "messages": []any{
		msg("fine", "providerMessageId", "p1"), msg(strings.Repeat("x", 1001)),
	}})
	require.Equal(t, http.StatusForbidden, r.Status)
	assert.Empty(t, s.Conversations())
	assert.Empty(t, s.Events())
	// The good row's id was not taken: a retry stores it.
	again := push(t, s, map[string]any{"sessionId": "vis_a", "messages": []any{msg("fine", "providerMessageId", "p1")}}).JSON(t)
	assert.EqualValues(t, 1, again["inserted"])
}

func TestPushChecksInMuninsOrder(t *testing.T) {
	t.Parallel()
	hashFor := func(s *munintest.Server, ext string) string { return userHash(s.Channel().IdentitySecret, ext) }
	tests := []struct {
		name    string
		key     func(s *munintest.Server) string
		origin  string
		mutate  func(s *munintest.Server, b map[string]any)
		setup   func(s *munintest.Server)
		status  int
		message string // exact, or a prefix ending in ": "
	}{
		{name: "no key", key: func(*munintest.Server) string { return "" }, status: 401, message: "invalid or expired credential"},
		{name: "unknown key", key: func(*munintest.Server) string { return "mn_widget_" + strings.Repeat("A", 43) }, status: 401, message: "invalid or expired credential"},
		{name: "admin key", key: func(s *munintest.Server) string { return s.AdminKey() }, status: 403, message: "widget_key_required"},
		{name: "agent role", mutate: func(_ *munintest.Server, b map[string]any) {
			b["messages"] = []any{msg("Let me check…", "role", "agent")}
		}, status: 403, message: "invalid_widget_input: "},
		{name: "body over 1000 UTF-16 units", mutate: func(_ *munintest.Server, b map[string]any) {
			b["messages"] = []any{msg(strings.Repeat("😀", 501))} // 1002 units, 501 runes
		}, status: 403, message: "invalid_widget_input: "},
		{name: "51 messages", mutate: func(_ *munintest.Server, b map[string]any) {
			var many []any
			for i := range 51 {
				many = append(many, msg(fmt.Sprint(i)))
			}
			b["messages"] = many
		}, status: 403, message: "invalid_widget_input: "},
		{name: "no messages", mutate: func(_ *munintest.Server, b map[string]any) { b["messages"] = []any{} }, status: 403, message: "invalid_widget_input: "},
		{name: "at with offset", mutate: func(_ *munintest.Server, b map[string]any) {
			b["messages"] = []any{msg("hi", "at", "2026-08-21T10:00:00+02:00")}
		}, status: 403, message: "invalid_widget_input: "},
		{name: "bad email", mutate: func(_ *munintest.Server, b map[string]any) {
			b["visitor"] = map[string]any{"email": "not an email"}
		}, status: 403, message: "invalid_widget_input: "},
		{name: "other channel", mutate: func(_ *munintest.Server, b map[string]any) { b["channelId"] = "cch_other" }, status: 403, message: "widget_channel_mismatch"},
		{name: "inactive channel", setup: func(s *munintest.Server) { s.SetChannelActive(s.Channel().ID, false) }, status: 403, message: "channel %s is inactive"},
		{name: "no origin", origin: "-", status: 403, message: "origin_required"},
		{name: "foreign origin", origin: "https://evil.example", status: 403, message: "origin_not_allowed"},
		{name: "other port", origin: "https://shop.example:8443", status: 403, message: "origin_not_allowed"},
		{name: "identity partial", mutate: func(_ *munintest.Server, b map[string]any) { b["verifiedExternalId"] = "user-42" }, status: 403, message: "identity_partial"},
		{name: "identity wrong hash", mutate: func(_ *munintest.Server, b map[string]any) {
			b["verifiedExternalId"], b["userHash"] = "user-42", strings.Repeat("0", 64)
		}, status: 403, message: "identity_verification_failed"},
		{name: "identity verified", mutate: func(s *munintest.Server, b map[string]any) {
			b["verifiedExternalId"], b["userHash"] = "user-42", strings.ToUpper(hashFor(s, "user-42"))
		}, status: 201},
		{name: "origin compared as URL origin", origin: "https://SHOP.example:443/checkout?x=1", status: 201},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := munintest.NewServer(t)
			ch := s.Channel()
			if tt.setup != nil {
				tt.setup(s)
			}
			b := docPush(ch.ID)
			if tt.mutate != nil {
				tt.mutate(s, b)
			}
			key := ch.WidgetKey
			if tt.key != nil {
				key = tt.key(s)
			}
			var header []string
			switch tt.origin {
			case "":
				header = []string{"Origin", munintest.DefaultOrigin}
			case "-":
			default:
				header = []string{"Origin", tt.origin}
			}
			r := call(t, s, "POST", "/v1/widget/messages", key, b, header...)
			require.Equal(t, tt.status, r.Status, "%s", r.Body)
			if tt.status == 201 {
				return
			}
			got := r.JSON(t)
			want := tt.message
			if strings.Contains(want, "%s") {
				want = fmt.Sprintf(want, ch.ID)
			}
			if strings.HasSuffix(want, ": ") {
				assert.True(t, strings.HasPrefix(got["message"].(string), want), "message %q", got["message"])
			} else {
				assert.Equal(t, want, got["message"])
			}
			assert.EqualValues(t, tt.status, got["statusCode"])
			assert.NotEmpty(t, got["error"])
			assert.Empty(t, s.Conversations(), "a refused push stores nothing")
			assert.Empty(t, s.Events())
		})
	}
}

func TestInvalidWidgetInputCarriesZodIssues(t *testing.T) {
	t.Parallel()
	s := munintest.NewServer(t)
	r := push(t, s, map[string]any{"sessionId": "vis_a", "messages": []any{msg("Let me check…", "role", "agent")}})
	require.Equal(t, http.StatusForbidden, r.Status)
	message := r.JSON(t)["message"].(string)
	assert.Equal(t, `invalid_widget_input: [
  {
    "code": "invalid_value",
    "values": [
      "end_user"
    ],
    "path": [
      "messages",
      0,
      "role"
    ],
    "message": "Invalid input: expected \"end_user\""
  }
]`, message)
}

func TestContactMatching(t *testing.T) {
	t.Parallel()
	s := munintest.NewServer(t)
	visitor := func(session, name, email string) map[string]any {
		return map[string]any{"sessionId": session, "visitor": map[string]any{"name": name, "email": email}, "messages": []any{msg("hi")}}
	}
	// A session without email gets a contact keyed by session.
	a := push(t, s, map[string]any{"sessionId": "vis_a", "messages": []any{msg("hi")}}).JSON(t)
	// A later email for that session matches it by session and is never
	// added to it (§0 row 12): use PATCH /v1/widget/visitor for that.
	again := push(t, s, visitor("vis_a", "Vita", "vita@example.com")).JSON(t)
	assert.Equal(t, a["contactId"], again["contactId"])
	contacts := s.Contacts()
	require.Len(t, contacts, 1)
	assert.Empty(t, contacts[0].Email)

	// A new session with the email creates a contact, email lowercased.
	b := push(t, s, visitor("vis_b", "", "VITA@example.com")).JSON(t)
	contacts = s.Contacts()
	require.Len(t, contacts, 2)
	assert.Equal(t, "vita@example.com", contacts[1].Email)
	assert.Equal(t, b["contactId"], contacts[1].ID)

	// Another session with that email matches it and fills its empty name,
	// once.
	c := push(t, s, visitor("vis_c", "Vita", "vita@example.com")).JSON(t)
	push(t, s, visitor("vis_d", "Other", "vita@example.com"))
	contacts = s.Contacts()
	require.Len(t, contacts, 2)
	assert.Equal(t, "Vita", contacts[1].Name)
	assert.Equal(t, b["contactId"], c["contactId"])

	// The email now matches for vis_a too, but its conversation keeps its
	// original contact.
	late := push(t, s, visitor("vis_a", "", "vita@example.com")).JSON(t)
	assert.Equal(t, b["contactId"], late["contactId"])
	conv, _ := s.ConversationBySession("vis_a")
	assert.Equal(t, a["contactId"], conv.ContactID)

	// Visitor metadata is merged into a new contact only.
	push(t, s, map[string]any{"sessionId": "vis_e", "visitor": map[string]any{"metadata": map[string]any{"plan": "pro"}},
		"messages": []any{msg("hello")}})
	contacts = s.Contacts()
	require.Len(t, contacts, 3)
	assert.Equal(t, map[string]any{"sessionId": "vis_e", "plan": "pro"}, contacts[2].Metadata)

	// Contacts is a copy, nested metadata included.
	push(t, s, map[string]any{"sessionId": "vis_f", "visitor": map[string]any{"metadata": map[string]any{"prefs": map[string]any{"lang": "de"}}},
		"messages": []any{msg("hallo")}})
	s.Contacts()[3].Metadata["prefs"].(map[string]any)["lang"] = "changed"
	assert.Equal(t, map[string]any{"lang": "de"}, s.Contacts()[3].Metadata["prefs"])
}

// TestPushReportsTheFirstFailedCheck sends pushes that fail several of
// §2.1's checks at once: the earliest one answers.
func TestPushReportsTheFirstFailedCheck(t *testing.T) {
	t.Parallel()
	s := munintest.NewServer(t)
	ch := s.Channel()
	s.SetChannelActive(ch.ID, false)
	bad := map[string]any{"channelId": "cch_other", "sessionId": "vis_a", "messages": []any{}, "verifiedExternalId": "user-42"}
	steps := []struct {
		fix     func(b map[string]any)
		message string
	}{
		{func(map[string]any) {}, "invalid_widget_input: "},                                      // 4, before 5–8
		{func(b map[string]any) { b["messages"] = []any{msg("hi")} }, "widget_channel_mismatch"}, // 5, before 6–8
		{func(b map[string]any) { b["channelId"] = ch.ID }, "channel " + ch.ID + " is inactive"}, // 6, before 7–8
	}
	for _, step := range steps {
		step.fix(bad)
		r := call(t, s, "POST", "/v1/widget/messages", ch.WidgetKey, bad) // no Origin (7), half an identity (8)
		assert.Equal(t, http.StatusForbidden, r.Status)
		assert.True(t, strings.HasPrefix(r.JSON(t)["message"].(string), step.message), "want %q, got %s", step.message, r.Body)
	}
	s.SetChannelActive(ch.ID, true)
	r := call(t, s, "POST", "/v1/widget/messages", ch.WidgetKey, bad)
	assert.Equal(t, "origin_required", r.JSON(t)["message"], "7, before 8")
	r = call(t, s, "POST", "/v1/widget/messages", ch.WidgetKey, bad, "Origin", munintest.DefaultOrigin)
	assert.Equal(t, "identity_partial", r.JSON(t)["message"])
	assert.Empty(t, s.Conversations())
}

func TestVerifiedContactIsMatchedByExternalID(t *testing.T) {
	t.Parallel()
	s := munintest.NewServer(t)
	secret := s.Channel().IdentitySecret
	for _, session := range []string{"vis_a", "vis_b"} {
		r := push(t, s, map[string]any{"sessionId": session, "verifiedExternalId": "user-42", "userHash": userHash(secret, "user-42"),
			"messages": []any{msg("hi")}})
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	}
	contacts := s.Contacts()
	require.Len(t, contacts, 1)
	assert.Equal(t, "user-42", contacts[0].Metadata["externalId"])
}

func TestAtBecomesCreatedAtAndRowsShareTheTransactionTime(t *testing.T) {
	t.Parallel()
	clock := munintest.NewClock(t0)
	s := munintest.NewServer(t, munintest.WithClock(clock))
	at := "2026-08-21T09:59:58.123Z"
	id := pushSession(t, s, "vis_a", msg("early", "at", at), msg("now 1"), msg("now 2"))
	conv, _ := s.Conversation(id)
	require.Len(t, conv.Messages, 3)
	assert.Equal(t, time.Date(2026, 8, 21, 9, 59, 58, 123e6, time.UTC), conv.Messages[0].CreatedAt)
	assert.Equal(t, t0, conv.Messages[1].CreatedAt)
	assert.Equal(t, t0, conv.Messages[2].CreatedAt)
}

func TestEndUserMessageReopensAClosedConversation(t *testing.T) {
	t.Parallel()
	s := munintest.NewServer(t)
	id := pushSession(t, s, "vis_a", msg("hi"))
	require.NoError(t, s.Dashboard().Close(id))
	pushSession(t, s, "vis_a", msg("one more thing"))
	conv, _ := s.Conversation(id)
	assert.Equal(t, "open", conv.Status)
	types := eventTypes(s)
	assert.Equal(t, []string{"conversation.status_changed", "conversation.message.received"}, types[len(types)-2:])
	assert.JSONEq(t, fmt.Sprintf(`{"status":"open","conversationId":%q}`, id), string(s.Events()[len(types)-2].Payload))
}

func feed(t *testing.T, s *munintest.Server, session, query string, header ...string) reply {
	t.Helper()
	ch := s.Channel()
	h := append([]string{"Origin", munintest.DefaultOrigin, "X-Munin-Session-Id", session}, header...)
	return call(t, s, "GET", "/v1/widget/messages?channelId="+ch.ID+query, ch.WidgetKey, nil, h...)
}

type feedPage struct {
	Messages []struct {
		ID, Role, Body, At     string
		AuthorKind, AuthorName *string
	}
	HasMore      bool
	Cursor       *string
	Conversation *struct {
		ID, Status   string
		HandedOver   bool
		AssigneeName *string
		ContactEmail *string
	}
}

func TestFeedPagesByIngestionWithAnExclusiveCursor(t *testing.T) {
	t.Parallel()
	s := munintest.NewServer(t, munintest.WithClock(munintest.NewClock(t0)))
	for i := range 3 {
		var batch []map[string]any
		for j := range 50 {
			batch = append(batch, msg(fmt.Sprintf("m%03d", i*50+j)))
		}
		pushSession(t, s, "vis_a", batch...)
	}
	var page feedPage
	feed(t, s, "vis_a", "").Decode(t, &page)
	require.Len(t, page.Messages, 100, "the oldest page")
	assert.True(t, page.HasMore)
	assert.Equal(t, "m000", page.Messages[0].Body)
	require.NotNil(t, page.Cursor)

	var next feedPage
	feed(t, s, "vis_a", "&since="+*page.Cursor).Decode(t, &next)
	require.Len(t, next.Messages, 50, "since is exclusive and no row is skipped")
	assert.Equal(t, "m100", next.Messages[0].Body)
	assert.False(t, next.HasMore)

	var none feedPage
	feed(t, s, "vis_a", "&since="+*next.Cursor).Decode(t, &none)
	assert.Empty(t, none.Messages)
}

func TestFeedLabelsEveryAgentRowAsMunin(t *testing.T) {
	t.Parallel()
	s := munintest.NewServer(t)
	id := pushSession(t, s, "vis_a", msg("hi"))
	// The bot's own post over REST (§7: labelled ai/Munin too).
	r := call(t, s, "POST", "/v1/conversations/"+id+"/messages", s.AdminKey(), map[string]any{"body": "Bot here"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	call(t, s, "POST", "/v1/conversations/"+id+"/messages", s.AdminKey(), map[string]any{"body": "note", "internal": true})
	_, err := s.Dashboard().Reply(id, "Sam here")
	require.NoError(t, err)
	require.NoError(t, s.Dashboard().Assign(id, s.Dashboard().UserID()))

	var page feedPage
	feed(t, s, "vis_a", "").Decode(t, &page)
	require.Len(t, page.Messages, 3, "internal notes are never in the feed")
	assert.Equal(t, "end_user", page.Messages[0].Role)
	assert.Nil(t, page.Messages[0].AuthorKind)
	assert.Equal(t, "agent", page.Messages[1].Role)
	assert.Equal(t, "ai", *page.Messages[1].AuthorKind)
	assert.Equal(t, "Munin", *page.Messages[1].AuthorName)
	assert.Equal(t, "agent", page.Messages[2].Role)
	assert.Equal(t, "human", *page.Messages[2].AuthorKind)
	assert.Equal(t, "Sam", *page.Messages[2].AuthorName, "a Munin user shows with the first name")
	require.NotNil(t, page.Conversation)
	assert.True(t, page.Conversation.HandedOver, "handedOver is true only with an assignee")
	assert.Equal(t, "Sam", *page.Conversation.AssigneeName)
}

func TestFeedReadsTheSessionFromTheHeaderOnly(t *testing.T) {
	t.Parallel()
	s := munintest.NewServer(t)
	pushSession(t, s, "vis_a", msg("hi"))
	ch := s.Channel()
	// §0 row 21: a session id in the query is ignored.
	r := call(t, s, "GET", "/v1/widget/messages?channelId="+ch.ID+"&sessionId=vis_a", ch.WidgetKey, nil, "Origin", munintest.DefaultOrigin)
	require.Equal(t, http.StatusForbidden, r.Status)
	assert.True(t, strings.HasPrefix(r.JSON(t)["message"].(string), "invalid_widget_query: "))

	// An unknown session is an empty page with conversation null.
	empty := feed(t, s, "vis_nobody", "")
	require.Equal(t, http.StatusOK, empty.Status)
	assert.JSONEq(t, `{"messages":[],"hasMore":false,"cursor":null,"conversation":null}`, string(empty.Body))
}

func TestUpdateVisitorSetsTheContact(t *testing.T) {
	t.Parallel()
	s := munintest.NewServer(t)
	ch := s.Channel()
	pushSession(t, s, "vis_a", msg("hi"))
	r := call(t, s, "PATCH", "/v1/widget/visitor", ch.WidgetKey,
		map[string]any{"channelId": ch.ID, "sessionId": "vis_a", "email": "Vita@Example.com", "name": " Vita "}, "Origin", munintest.DefaultOrigin)
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	got := r.JSON(t)
	assert.Equal(t, "vita@example.com", got["email"])
	assert.Equal(t, "Vita", got["name"])
	conv, _ := s.ConversationBySession("vis_a")
	assert.Equal(t, "vita@example.com", conv.ContactEmail)

	missing := call(t, s, "PATCH", "/v1/widget/visitor", ch.WidgetKey,
		map[string]any{"channelId": ch.ID, "sessionId": "vis_none", "name": "X"}, "Origin", munintest.DefaultOrigin)
	assert.Equal(t, http.StatusNotFound, missing.Status)
	assert.Equal(t, "session_not_found", missing.JSON(t)["message"])
}

func TestIdentifyClaimsTheAnonymousSession(t *testing.T) {
	t.Parallel()
	s := munintest.NewServer(t)
	ch := s.Channel()
	id := pushSession(t, s, "vis_a", msg("hi"))
	body := map[string]any{"channelId": ch.ID, "sessionId": "vis_a", "verifiedExternalId": "user-42", "userHash": userHash(ch.IdentitySecret, "user-42")}
	r := call(t, s, "POST", "/v1/widget/identify", ch.WidgetKey, body, "Origin", munintest.DefaultOrigin)
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	got := r.JSON(t)
	assert.Regexp(t, `^eu_`, got["endUserId"])
	conv, _ := s.Conversation(id)
	assert.Equal(t, conv.ContactID, got["contactId"])
	assert.Equal(t, got["endUserId"], conv.EndUserID)

	// The session is now user-42's: another verified user is refused.
	body["verifiedExternalId"], body["userHash"] = "user-7", userHash(ch.IdentitySecret, "user-7")
	r = call(t, s, "POST", "/v1/widget/identify", ch.WidgetKey, body, "Origin", munintest.DefaultOrigin)
	assert.Equal(t, http.StatusForbidden, r.Status)
	assert.Equal(t, "session_already_claimed", r.JSON(t)["message"])
}

func TestWidgetCORS(t *testing.T) {
	t.Parallel()
	s := munintest.NewServer(t)
	pre := call(t, s, "OPTIONS", "/v1/widget/messages", "", nil, "Origin", "https://anything.example", "Access-Control-Request-Method", "POST")
	assert.Equal(t, http.StatusNoContent, pre.Status)
	assert.Equal(t, "https://anything.example", pre.Header.Get("Access-Control-Allow-Origin"))
	assert.Empty(t, pre.Header.Get("X-Request-Id"), "a preflight has no x-request-id (§7)")

	// Any Origin is echoed; the allowlist is enforced afterwards.
	r := call(t, s, "POST", "/v1/widget/messages", s.Channel().WidgetKey, docPush(s.Channel().ID), "Origin", "https://evil.example")
	assert.Equal(t, http.StatusForbidden, r.Status)
	assert.Equal(t, "https://evil.example", r.Header.Get("Access-Control-Allow-Origin"))
}

func TestWidgetConversationsListsSessions(t *testing.T) {
	t.Parallel()
	s := munintest.NewServer(t)
	ch := s.Channel()
	pushSession(t, s, "vis_a", msg("First question"))
	pushSession(t, s, "vis_b", msg("Other"))
	r := call(t, s, "GET", "/v1/widget/conversations?channelId="+ch.ID, ch.WidgetKey, nil,
		"Origin", munintest.DefaultOrigin, "X-Munin-Session-Ids", "vis_a, vis_none")
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	var got struct {
		Conversations []struct{ SessionID, Title, Preview, Status string }
	}
	r.Decode(t, &got)
	require.Len(t, got.Conversations, 1)
	assert.Equal(t, "vis_a", got.Conversations[0].SessionID)
	assert.Equal(t, "First question", got.Conversations[0].Title)
}
