package altabots

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The page's curl example decodes into every documented field.
func TestParseEstablishDocExample(t *testing.T) {
	t.Parallel()
	req, err := ParseEstablish([]byte(docEstablish))
	require.NoError(t, err)
	assert.Equal(t, &EstablishRequest{
		ConversationID: docConversation,
		Timestamp:      docTimestamp,
		Email:          "bob@gmail.com",
		BotID:          docBotID,
		Body: []Message{
			{Text: "human service", Type: Question},
			{Text: "", Type: Answer},
		},
		UserInfo: UserInfo{
			Phone:       nil,
			Email:       "bob@gmail.com",
			UserID:      "KDslas",
			AnonymousID: "652face5184b30540a6ea7fe",
		},
		Raw: json.RawMessage(docEstablish),
	}, req)
	assert.Equal(t, "2025-03-18T02:31:30.895Z", req.Timestamp.Time().Format("2006-01-02T15:04:05.000Z07:00"))
}

func TestParseChatAndClose(t *testing.T) {
	t.Parallel()
	chat, err := ParseChat([]byte(docChat))
	require.NoError(t, err)
	assert.Equal(t, &ChatRequest{ConversationID: docConversation, Timestamp: 1742265150895, Body: "My order never arrived.", Raw: json.RawMessage(docChat)}, chat)

	cl, err := ParseClose([]byte(docClose))
	require.NoError(t, err)
	assert.Equal(t, &CloseRequest{ConversationID: docConversation, Timestamp: 1742265390895, Type: CloseUserClosed, Raw: json.RawMessage(docClose)}, cl)

	cl, err = ParseClose([]byte(strings.Replace(docClose, "USER_CLOSED", "TIMEOUT", 1)))
	require.NoError(t, err)
	assert.Equal(t, CloseTimeout, cl.Type)
}

// Raw is a copy: the caller may reuse its buffer.
func TestParseKeepsACopy(t *testing.T) {
	t.Parallel()
	body := []byte(docEstablish)
	req, err := ParseEstablish(body)
	require.NoError(t, err)
	copy(body, strings.Repeat("x", len(body)))
	assert.JSONEq(t, docEstablish, string(req.Raw))
}

// Fields the page does not list, and a phone number, are accepted; the
// unknown ones survive in Raw.
func TestParseEstablishForgiving(t *testing.T) {
	t.Parallel()
	body := `{"conversation_id":"c1","user_info":{"phone":"+15550100","channel":"whatsapp"},"body":[{"text":"hi","message_type":"SYSTEM"}],"extra":{"a":1}}`
	req, err := ParseEstablish([]byte(body))
	require.NoError(t, err)
	require.NotNil(t, req.UserInfo.Phone)
	assert.Equal(t, "+15550100", *req.UserInfo.Phone)
	assert.Equal(t, MessageType("SYSTEM"), req.Body[0].Type)
	assert.Zero(t, req.Timestamp, "a missing timestamp is 0, unknown")
	assert.True(t, req.Timestamp.Time().IsZero())
	assert.Contains(t, string(req.Raw), `"extra":{"a":1}`)
}

// parseCase is a body one of the decoders refuses, and the message the
// handler answers with (status 400, code 40000).
type parseCase struct {
	name    string
	body    string
	field   string
	message string
}

// establishMutations are the page's example with one thing wrong.
var establishMutations = []parseCase{
	{"empty body", ``, "", "request body is empty"},
	{"white space", " \n", "", "request body is empty"},
	{"not JSON", `conversation_id=67d8`, "", "request body is not valid JSON"},
	{"truncated", docEstablish[:40], "", "request body is not valid JSON"},
	{"trailing garbage", docEstablish + `}`, "", "request body is not valid JSON"},
	{"array", `[` + docEstablish + `]`, "", "request body must be a JSON object"},
	{"null", `null`, "", "request body must be a JSON object"},
	{"string", `"hello"`, "", "request body must be a JSON object"},
	{"missing conversation_id", strings.Replace(docEstablish, `"conversation_id": "67d8db020fa31d1ef64f53dg",`, ``, 1), "conversation_id", "conversation_id is required"},
	{"empty conversation_id", strings.Replace(docEstablish, docConversation, ``, 1), "conversation_id", "conversation_id is required"},
	{"blank conversation_id", strings.Replace(docEstablish, docConversation, `  `, 1), "conversation_id", "conversation_id is required"},
	{"null conversation_id", strings.Replace(docEstablish, `"`+docConversation+`"`, `null`, 1), "conversation_id", "conversation_id is required"},
	{"numeric conversation_id", strings.Replace(docEstablish, `"`+docConversation+`"`, `12345`, 1), "conversation_id", "conversation_id must be a string"},
	{"string timestamp", strings.Replace(docEstablish, `1742265090895`, `"1742265090895"`, 1), "timestamp", "timestamp must be a whole number (milliseconds since the epoch)"},
	{"fractional timestamp", strings.Replace(docEstablish, `1742265090895`, `1742265090895.5`, 1), "timestamp", "timestamp must be a whole number (milliseconds since the epoch)"},
	{"body an object", `{"conversation_id":"c1","body":{"text":"hi","message_type":"QUESTION"}}`, "body", "body must be a list"},
	{"body entry a string", `{"conversation_id":"c1","body":["human service"]}`, "body", "body must be a list of objects"},
	{"body a string", strings.Replace(strings.Replace(docEstablish, `"body": [`, `"body": "x", "y": [`, 1), `],`, `],`, 1), "body", "body must be a list"},
	{"message text a number", strings.Replace(docEstablish, `"human service"`, `42`, 1), "body.text", "body.text must be a string"},
	{"user_info a list", strings.Replace(docEstablish, `"user_info": {`, `"user_info": [], "x": {`, 1), "user_info", "user_info must be an object"},
	{"phone a number", strings.Replace(docEstablish, `"phone": null`, `"phone": 15550100`, 1), "user_info.phone", "user_info.phone must be a string"},
	{"bot_id a bool", strings.Replace(docEstablish, `"`+docBotID+`"`, `true`, 1), "bot_id", "bot_id must be a string"},
}

func TestParseEstablishRefuses(t *testing.T) {
	t.Parallel()
	for _, tc := range establishMutations {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req, err := ParseEstablish([]byte(tc.body))
			assert.Nil(t, req)
			assertRequestError(t, err, tc.field, tc.message)
		})
	}
}

var chatMutations = []parseCase{
	{"missing conversation_id", `{"timestamp":1742265150895,"body":"hi"}`, "conversation_id", "conversation_id is required"},
	{"body a number", strings.Replace(docChat, `"My order never arrived."`, `7`, 1), "body", "body must be a string"},
	{"body a list", strings.Replace(docChat, `"My order never arrived."`, `["a"]`, 1), "body", "body must be a string"},
	{"timestamp a string", strings.Replace(docChat, `1742265150895`, `"now"`, 1), "timestamp", "timestamp must be a whole number (milliseconds since the epoch)"},
	{"not JSON", `{"conversation_id":`, "", "request body is not valid JSON"},
}

var closeMutations = []parseCase{
	{"missing conversation_id", `{"timestamp":1742265390895,"type":"TIMEOUT"}`, "conversation_id", "conversation_id is required"},
	{"missing type", `{"conversation_id":"c1","timestamp":1742265390895}`, "type", "type must be TIMEOUT or USER_CLOSED"},
	{"unknown type", strings.Replace(docClose, "USER_CLOSED", "AGENT_CLOSED", 1), "type", "type must be TIMEOUT or USER_CLOSED"},
	{"lower-case type", strings.Replace(docClose, "USER_CLOSED", "user_closed", 1), "type", "type must be TIMEOUT or USER_CLOSED"},
	{"type a number", strings.Replace(docClose, `"USER_CLOSED"`, `1`, 1), "type", "type must be a string"},
	{"array", `[]`, "", "request body must be a JSON object"},
}

func TestParseChatRefuses(t *testing.T) {
	t.Parallel()
	for _, tc := range chatMutations {
		req, err := ParseChat([]byte(tc.body))
		assert.Nil(t, req, tc.name)
		assertRequestError(t, err, tc.field, tc.message)
	}
}

func TestParseCloseRefuses(t *testing.T) {
	t.Parallel()
	for _, tc := range closeMutations {
		req, err := ParseClose([]byte(tc.body))
		assert.Nil(t, req, tc.name)
		assertRequestError(t, err, tc.field, tc.message)
	}
}

// An empty chat message is accepted: the page does not require it.
func TestParseChatEmptyBody(t *testing.T) {
	t.Parallel()
	req, err := ParseChat([]byte(`{"conversation_id":"c1","timestamp":1,"body":""}`))
	require.NoError(t, err)
	assert.Empty(t, req.Body)
}

func assertRequestError(t *testing.T, err error, field, message string) {
	t.Helper()
	var reqErr *RequestError
	require.ErrorAs(t, err, &reqErr)
	assert.Equal(t, field, reqErr.Field)
	assert.Equal(t, message, reqErr.Message)
	assert.EqualError(t, err, "altabots: "+message)
	assert.ErrorIs(t, err, ErrInvalidRequest)
}

func TestCloseTypeValid(t *testing.T) {
	t.Parallel()
	assert.True(t, CloseTimeout.Valid())
	assert.True(t, CloseUserClosed.Valid())
	for _, ct := range []CloseType{"", "timeout", "CLOSED", "USER_CLOSED "} {
		assert.False(t, ct.Valid(), ct)
	}
}

// The request types encode back into the page's field names, without Raw.
func TestRequestsRoundTrip(t *testing.T) {
	t.Parallel()
	req, err := ParseEstablish([]byte(docEstablish))
	require.NoError(t, err)
	out, err := json.Marshal(req)
	require.NoError(t, err)
	assert.JSONEq(t, docEstablish, string(out))
	again, err := ParseEstablish(out)
	require.NoError(t, err)
	again.Raw = req.Raw
	assert.Equal(t, req, again)
}

func TestJSONKind(t *testing.T) {
	t.Parallel()
	for v, want := range map[any]string{
		"": "a string", 1: "a whole number", uint8(1): "a whole number", 1.5: "a number", true: "true or false",
		UnixMillis(1): "a whole number (milliseconds since the epoch)", struct{}{}: "an object", [1]int{}: "a list",
		make(chan int): "of another type",
	} {
		assert.Equal(t, want, jsonKind(reflect.TypeOf(v)), "%T", v)
	}
	assert.Equal(t, "of another type", jsonKind(nil))
}
