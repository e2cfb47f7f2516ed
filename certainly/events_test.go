package certainly

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The page's claim parses with every field as the page gives it.
func TestParseClaimDocExample(t *testing.T) {
	t.Parallel()
	c, err := ParseClaim([]byte(docClaim))
	require.NoError(t, err)
	assert.Equal(t, &Claim{
		AttachedMedia:     "url_to_the_file",
		Reply:             "VarWebhook",
		BotID:             "",
		Direction:         "out",
		ExtractedData:     map[string]json.RawMessage{},
		LastName:          "last_name taken from facebook if available",
		FirstName:         "first_name taken from facebook if available",
		SessionID:         "",
		CustomVariables:   map[string]json.RawMessage{},
		From:              "token",
		To:                "user_id",
		ReplyData:         "",
		ModuleID:          "",
		BotTrainedModelID: "",
		Raw:               json.RawMessage(docClaim),
	}, c)

	ev, err := ParseEvent([]byte(docClaim))
	require.NoError(t, err)
	assert.Equal(t, c, ev)
}

// A claim with the placeholders filled in keeps the extracted data and
// custom variables as raw JSON, and the undocumented "priority" in Raw.
func TestParseClaimFilled(t *testing.T) {
	t.Parallel()
	c, err := ParseClaim([]byte(filledClaim))
	require.NoError(t, err)
	assert.Equal(t, testBot, c.BotID)
	assert.Equal(t, testUser, c.To)
	assert.Equal(t, Conversation{BotID: testBot, UserID: testUser}, c.Conversation())
	assert.Equal(t, "sess-81", c.SessionID)
	assert.Equal(t, "mod-handover", c.ModuleID)
	assert.Equal(t, "btm-3", c.BotTrainedModelID)
	assert.Equal(t, "Ana", c.FirstName)
	assert.Equal(t, "Lind", c.LastName)
	assert.Equal(t, "https://files.example/cv.pdf", c.AttachedMedia)
	assert.Equal(t, map[string]json.RawMessage{"email": json.RawMessage(`"ana@example.com"`), "orderNo": json.RawMessage(`4711`)}, c.ExtractedData)
	assert.Equal(t, map[string]json.RawMessage{"tier": json.RawMessage(`"gold"`)}, c.CustomVariables)
	assert.Equal(t, filledClaim, string(c.Raw))

	var fields map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(c.Raw, &fields))
	assert.JSONEq(t, `"high"`, string(fields["priority"]), "a field the page does not document survives in Raw")
}

// Forgiving where the page is only an example: ids may be numbers, and a
// documented field of another type is left empty (it stays in Raw).
func TestParseClaimForgiving(t *testing.T) {
	t.Parallel()
	body := `{"botId":1234,"to":98765,"attachedMedia":["a.png","b.png"],"extractedData":"none","customVariables":null,` +
		`"replyData":{"k":"v"},"firstName":"J\u00f6rg","lastName":null}`
	c, err := ParseClaim([]byte(body))
	require.NoError(t, err)
	assert.Equal(t, "1234", c.BotID)
	assert.Equal(t, "98765", c.To)
	assert.Empty(t, c.AttachedMedia)
	assert.Nil(t, c.ExtractedData)
	assert.Nil(t, c.CustomVariables)
	assert.Empty(t, c.ReplyData)
	assert.Equal(t, "Jörg", c.FirstName)
	assert.Empty(t, c.LastName)
	assert.Equal(t, body, string(c.Raw))
}

// The claim's rules, each broken once: the error names the field.
func TestParseClaimRefuses(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, body, want string
	}{
		{"no botId", `{"to":"u"}`, "certainly: claim: botId: required"},
		{"null botId", `{"botId":null,"to":"u"}`, "certainly: claim: botId: required"},
		{"no to", `{"botId":"b"}`, "certainly: claim: to: required"},
		{"object to", `{"botId":"b","to":{"id":"u"}}`, "certainly: claim: to: want a string, got object"},
		{"boolean botId", `{"botId":true,"to":"u"}`, "certainly: claim: botId: want a string, got boolean"},
		{"control character", `{"botId":"b","to":"u\n1"}`, "certainly: claim: to: contains a control character"},
		{"escaped NUL", `{"botId":"b\u0000","to":"u"}`, "certainly: claim: botId: contains a control character"},
		{"array", `[{"botId":"b","to":"u"}]`, "certainly: claim: want a JSON object, got array"},
		{"string", `"claim"`, "certainly: claim: want a JSON object, got string"},
		{"null", `null`, "certainly: claim: want a JSON object, got null"},
		{"empty", ``, "certainly: claim: want a JSON object, got nothing"},
		{"not JSON", `botId=b&to=u`, "certainly: claim: want a JSON object, got invalid JSON"},
		{"broken", `{"botId":"b","to":`, "certainly: claim: invalid JSON"},
		{"trailing data", `{"botId":"b","to":"u"} {}`, "certainly: claim: invalid JSON: data after the object"},
		{"too deep", `{"botId":"b","to":"u","extractedData":` + strings.Repeat(`{"a":`, 70) + `1` + strings.Repeat(`}`, 70) + `}`,
			"certainly: claim: invalid JSON: nested more than 64 levels deep"},
	} {
		c, err := ParseClaim([]byte(tt.body))
		assert.Nil(t, c, tt.name)
		assert.EqualError(t, err, tt.want, tt.name)
		assert.ErrorIs(t, err, ErrInvalidEvent, tt.name)
		var ee *EventError
		require.True(t, errors.As(err, &ee), tt.name)
		assert.Equal(t, "claim", ee.Payload)
	}
}

func TestParseMessage(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, body string
		want       Message
	}{
		{"certainlytest's form", userMessage, Message{Interlocutor: InterlocutorUser, Text: "Where is my parcel?",
			BotID: testBot, UserID: testUser, SessionID: "sess-81"}},
		{"snake case", `{"interlocutor":"user","text":"hi","bot_id":"b","user_id":"u","session_id":"s"}`,
			Message{Interlocutor: InterlocutorUser, Text: "hi", BotID: "b", UserID: "u", SessionID: "s"}},
		{"claim naming, user", `{"interlocutor":"user","message":"hi","botId":"b","from":"u","to":"token"}`,
			Message{Interlocutor: InterlocutorUser, Text: "hi", BotID: "b", UserID: "u"}},
		{"claim naming, bot", `{"interlocutor":"bot","message":"How can I help?","botId":"b","from":"token","to":"u"}`,
			Message{Interlocutor: InterlocutorBot, Text: "How can I help?", BotID: "b", UserID: "u"}},
		{"claim naming, agent", `{"interlocutor":"agent","message":"Hello from Agent!","botId":"b","to":"u"}`,
			Message{Interlocutor: InterlocutorAgent, Text: "Hello from Agent!", BotID: "b", UserID: "u"}},
		{"userId wins over from", `{"interlocutor":"user","userId":"u1","from":"u2","botId":"b"}`,
			Message{Interlocutor: InterlocutorUser, BotID: "b", UserID: "u1"}},
		{"message not a string", `{"interlocutor":"user","message":{"type":"image"},"text":"caption","botId":7,"userId":8}`,
			Message{Interlocutor: InterlocutorUser, Text: "caption", BotID: "7", UserID: "8"}},
		{"an interlocutor this package does not know", `{"interlocutor":"system","message":"Chat ended"}`,
			Message{Interlocutor: "system", Text: "Chat ended"}},
		{"nothing else", `{"interlocutor":"user"}`, Message{Interlocutor: InterlocutorUser}},
	} {
		m, err := ParseMessage([]byte(tt.body))
		require.NoError(t, err, tt.name)
		tt.want.Raw = json.RawMessage(tt.body)
		assert.Equal(t, &tt.want, m, tt.name)

		ev, err := ParseEvent([]byte(tt.body))
		require.NoError(t, err, tt.name)
		assert.Equal(t, m, ev, tt.name)
	}
}

func TestParseMessageRefuses(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, body, want string
	}{
		{"no interlocutor", `{"message":"hi"}`, "certainly: message: interlocutor: required"},
		{"empty interlocutor", `{"interlocutor":"","message":"hi"}`, "certainly: message: interlocutor: required"},
		{"null interlocutor", `{"interlocutor":null}`, "certainly: message: interlocutor: required"},
		{"number interlocutor", `{"interlocutor":1}`, "certainly: message: interlocutor: want a string, got number"},
		{"array", `[]`, "certainly: message: want a JSON object, got array"},
		{"broken", `{"interlocutor":"user",}`, "certainly: message: invalid JSON"},
		{"control character in the user", `{"interlocutor":"user","userId":"u\n1"}`, "certainly: message: userId: contains a control character"},
		{"control character in the sender", `{"interlocutor":"user","from":"u\u0000"}`, "certainly: message: userId: contains a control character"},
		{"control character in the bot", `{"interlocutor":"user","bot_id":"b\t"}`, "certainly: message: botId: contains a control character"},
		{"control character in the session", `{"interlocutor":"user","sessionId":"s\r"}`, "certainly: message: sessionId: contains a control character"},
	} {
		m, err := ParseMessage([]byte(tt.body))
		assert.Nil(t, m, tt.name)
		assert.EqualError(t, err, tt.want, tt.name)
		assert.ErrorIs(t, err, ErrInvalidEvent, tt.name)
	}
	// Through ParseEvent, a body with "interlocutor" is a message.
	_, err := ParseEvent([]byte(`{"interlocutor":null,"botId":"b","to":"u"}`))
	assert.EqualError(t, err, "certainly: message: interlocutor: required")
}

// ParseEvent tells the payloads apart by their keys.
func TestParseEventKinds(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		body string
		want any
	}{
		{docClaim, &Claim{}},
		{filledClaim, &Claim{}},
		{userMessage, &Message{}},
		{`{"to":"u","botId":""}`, &Claim{}},
		{`{"interlocutor":"bot","to":"u","botId":"b","moduleId":"m"}`, &Message{}},
		{`{}`, &UnknownEvent{}},
		{`{"event":"conversation.closed","user":"u"}`, &UnknownEvent{}},
		{`{"TO":"u","BotId":"b"}`, &UnknownEvent{}}, // keys match exactly
	} {
		ev, err := ParseEvent([]byte(tt.body))
		require.NoError(t, err, tt.body)
		assert.IsType(t, tt.want, ev, tt.body)
		if u, ok := ev.(*UnknownEvent); ok {
			assert.Equal(t, tt.body, string(u.Raw))
		}
	}
	for _, body := range []string{`{"moduleId":"m"}`, `{"reply":"VarWebhook"}`} {
		_, err := ParseEvent([]byte(body))
		assert.EqualError(t, err, "certainly: claim: botId: required", body)
	}
	for _, body := range []string{``, `[]`, `"x"`, `42`, `null`, `{`} {
		ev, err := ParseEvent([]byte(body))
		assert.Nil(t, ev, body)
		assert.ErrorIs(t, err, ErrInvalidEvent, body)
		assert.True(t, strings.HasPrefix(err.Error(), "certainly: event: "), err.Error())
	}
}

// The parsers copy their input: the caller may reuse its buffer.
func TestParseDoesNotKeepTheInput(t *testing.T) {
	t.Parallel()
	buf := []byte(filledClaim)
	ev, err := ParseEvent(buf)
	require.NoError(t, err)
	c := ev.(*Claim)
	for i := range buf {
		buf[i] = ' '
	}
	assert.Equal(t, filledClaim, string(c.Raw))
	assert.Equal(t, "Ana", c.FirstName)
	assert.JSONEq(t, `"gold"`, string(c.CustomVariables["tier"]))

	buf = []byte(userMessage)
	m, err := ParseMessage(buf)
	require.NoError(t, err)
	copy(buf, bytes.Repeat([]byte("x"), len(buf)))
	assert.Equal(t, userMessage, string(m.Raw))
	assert.Equal(t, "Where is my parcel?", m.Text)
}

// A Claim and a Message encode as the payloads they came from, without
// Raw, and parse back to themselves.
func TestEventsRoundTrip(t *testing.T) {
	t.Parallel()
	c, err := ParseClaim([]byte(filledClaim))
	require.NoError(t, err)
	b, err := json.Marshal(c)
	require.NoError(t, err)
	assert.NotContains(t, string(b), "priority")
	back, err := ParseClaim(b)
	require.NoError(t, err)
	back.Raw, c.Raw = nil, nil
	assert.Equal(t, c, back)

	m, err := ParseMessage([]byte(userMessage))
	require.NoError(t, err)
	b, err = json.Marshal(m)
	require.NoError(t, err)
	assert.JSONEq(t, userMessage, string(b))
}
