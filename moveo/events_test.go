package moveo_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/moveo"
)

// The example payloads of moveo-webhook-event-payloads.txt, verbatim.
const (
	docBrainSend = `{
"event_type": "message:brain_send",
"request_id": "req-123",
"session_id": "sess-456",
"external_session_id": "your-session-789",
"integration_id": "intg-001",
"desk_id": "desk-456",
"context": {
"user": {
"user_id": "user-789"
}
},
"timestamp": 1704067200000,
"output": {
"responses": [
{
"type": "text",
"text": "Hello! How can I help you today?",
"options": [
{
"label": "Check Order",
"text": "I want to check my order"
},
{
"label": "Support",
"text": "I need support"
}
]
}
]
}
}`
	docText = `{
"type": "text",
"text": "Here's your order status.",
"options": [
{
"label": "Track Order",
"text": "Track my order"
}
]
}`
	docImage = `{
"type": "image",
"url": "https://example.com/image.jpg",
"name": "Product Image"
}`
	docVideo = `{
"type": "video",
"url": "https://example.com/video.mp4",
"name": "Tutorial Video"
}`
	docAudio = `{
"type": "audio",
"url": "https://example.com/audio.mp3",
"name": "Voice Message"
}`
	docFile = `{
"type": "file",
"url": "https://example.com/document.pdf",
"name": "Invoice.pdf",
"size": 102400
}`
	docCarousel = `{
"type": "carousel",
"cards": [
{
"title": "Product A",
"subtitle": "$29.99",
"media": {
"type": "image",
"url": "https://example.com/product-a.jpg"
},
"buttons": [
{
"type": "postback",
"label": "Buy Now",
"value": "buy_product_a"
},
{
"type": "url",
"label": "Learn More",
"url": "https://example.com/product-a"
}
]
}
]
}`
	docHandover = `{
"type": "handover",
"text": "Transferring you to a human agent...",
"desk_id": "desk-123",
"department_id": "support"
}`
	docWebview = `{
"type": "webview",
"url": "https://example.com/form",
"label": "Fill out form",
"height": "full"
}`
	docAgentMessage = `{
"event_type": "message:send",
"request_id": "req-456",
"session_id": "sess-456",
"external_session_id": "your-session-789",
"integration_id": "intg-001",
"desk_id": "desk-456",
"context": {
"user": {
"user_id": "user-789"
}
},
"timestamp": 1704067200000,
"from": {
"agent_id": "agent-123",
"agent_name": "Sarah Johnson",
"agent_avatar": "https://example.com/avatars/sarah.jpg",
"team_id": "support-team"
},
"to": {
"user_id": "user-789"
},
"body": {
"text": "Hi! I'm Sarah from support. How can I help you?",
"attachments": []
}
}`
	docTyping = `{
"event_type": "message:compose",
"request_id": "req-789",
"session_id": "sess-456",
"external_session_id": "your-session-789",
"integration_id": "intg-001",
"desk_id": "desk-456",
"context": {
"user": {
"user_id": "user-789"
}
},
"timestamp": 1704067200000,
"author_id": "agent-123",
"author_name": "Sarah Johnson",
"author_type": "agent",
"action": "start"
}`
	docRead = `{
"event_type": "message:read",
"request_id": "req-101",
"session_id": "sess-456",
"external_session_id": "your-session-789",
"integration_id": "intg-001",
"desk_id": "desk-456",
"context": {
"user": {
"user_id": "user-789"
}
},
"timestamp": 1704067200000,
"author_type": "agent"
}`
	docDelivered = `{
"event_type": "message:delivered",
"request_id": "req-102",
"session_id": "sess-456",
"external_session_id": "your-session-789",
"integration_id": "intg-001",
"desk_id": "desk-456",
"context": {
"user": {
"user_id": "user-789"
}
},
"timestamp": 1704067200000,
"author_type": "brain"
}`
	docMemberJoin = `{
"event_type": "conversation:member_join",
"request_id": "req-103",
"session_id": "sess-456",
"external_session_id": "your-session-789",
"integration_id": "intg-001",
"desk_id": "desk-456",
"context": {
"user": {
"user_id": "user-789"
}
},
"timestamp": 1704067200000,
"author_id": "agent-123",
"author_name": "Sarah Johnson",
"author_type": "agent"
}`
	docMemberLeave = `{
"event_type": "conversation:member_leave",
"request_id": "req-104",
"session_id": "sess-456",
"external_session_id": "your-session-789",
"integration_id": "intg-001",
"desk_id": "desk-456",
"context": {
"user": {
"user_id": "user-789"
}
},
"timestamp": 1704067200000,
"author_id": "agent-123",
"author_name": "Sarah Johnson",
"author_type": "agent"
}`
	docConversationClosed = `{
"event_type": "conversation:closed",
"request_id": "req-105",
"session_id": "sess-456",
"external_session_id": "your-session-789",
"integration_id": "intg-001",
"desk_id": "desk-456",
"context": {
"user": {
"user_id": "user-789"
}
},
"timestamp": 1704067200000,
"status": "resolved",
"agent_id": "agent-123",
"agent_name": "Sarah Johnson"
}`
	docConversationReopened = `{
"event_type": "conversation:reopened",
"request_id": "req-106",
"session_id": "sess-456",
"external_session_id": "your-session-789",
"integration_id": "intg-001",
"desk_id": "desk-456",
"context": {
"user": {
"user_id": "user-789"
}
},
"timestamp": 1704067200000
}`
	docSessionClosed = `{
"event_type": "session:closed",
"request_id": "req-107",
"session_id": "sess-456",
"external_session_id": "your-session-789",
"integration_id": "intg-001",
"desk_id": "desk-456",
"context": {
"user": {
"user_id": "user-789"
}
},
"timestamp": 1704067200000,
"status": "closed"
}`
	docSessionExpired = `{
"event_type": "session:expired",
"request_id": "req-108",
"session_id": "sess-456",
"external_session_id": "your-session-789",
"integration_id": "intg-001",
"desk_id": "desk-456",
"context": {
"user": {
"user_id": "user-789"
}
},
"timestamp": 1704067200000
}`
)

// docEvents are the payload page's event examples, in its order.
var docEvents = []string{docBrainSend, docAgentMessage, docTyping, docRead, docDelivered, docMemberJoin, docMemberLeave, docConversationClosed, docConversationReopened, docSessionClosed, docSessionExpired}

// docResponses are the payload page's response examples, in its order.
var docResponses = []string{docText, docImage, docVideo, docAudio, docFile, docCarousel, docHandover, docWebview}

// docTime is the payload page's timestamp, 1704067200000 ms.
var docTime = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// docBase is the base fields every example on the payload page shares.
func docBase(typ, requestID string) moveo.Base {
	return moveo.Base{
		Type:              typ,
		RequestID:         requestID,
		SessionID:         "sess-456",
		ExternalSessionID: "your-session-789",
		IntegrationID:     "intg-001",
		DeskID:            "desk-456",
		Timestamp:         docTime,
		TimestampMillis:   1704067200000,
	}
}

func TestParseEventDocExamples(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		payload string
		want    moveo.Event
	}{
		{"brain_send", docBrainSend, &moveo.BrainSendEvent{
			Base: docBase(moveo.TypeBrainSend, "req-123"),
			Output: moveo.BrainOutput{Responses: []moveo.Response{
				moveo.Text{Text: "Hello! How can I help you today?", Options: []moveo.QuickReply{
					{Label: "Check Order", Text: "I want to check my order"},
					{Label: "Support", Text: "I need support"},
				}},
			}},
		}},
		{"send", docAgentMessage, &moveo.AgentMessageEvent{
			Base: docBase(moveo.TypeAgentMessage, "req-456"),
			From: moveo.DeskAgent{ID: "agent-123", Name: "Sarah Johnson",
				Avatar: "https://example.com/avatars/sarah.jpg", TeamID: "support-team"},
			To:   moveo.Recipient{UserID: "user-789"},
			Body: moveo.MessageBody{Text: "Hi! I'm Sarah from support. How can I help you?", Attachments: []moveo.Attachment{}},
		}},
		{"compose", docTyping, &moveo.TypingEvent{
			Base:     docBase(moveo.TypeTyping, "req-789"),
			AuthorID: "agent-123", AuthorName: "Sarah Johnson", AuthorType: moveo.AuthorAgent, Action: moveo.TypingStart,
		}},
		{"read", docRead, &moveo.ReadEvent{Base: docBase(moveo.TypeRead, "req-101"), AuthorType: moveo.AuthorAgent}},
		{"delivered", docDelivered, &moveo.DeliveredEvent{Base: docBase(moveo.TypeDelivered, "req-102"), AuthorType: moveo.AuthorBrain}},
		{"member_join", docMemberJoin, &moveo.MemberJoinEvent{
			Base:     docBase(moveo.TypeMemberJoin, "req-103"),
			AuthorID: "agent-123", AuthorName: "Sarah Johnson", AuthorType: moveo.AuthorAgent,
		}},
		{"member_leave", docMemberLeave, &moveo.MemberLeaveEvent{
			Base:     docBase(moveo.TypeMemberLeave, "req-104"),
			AuthorID: "agent-123", AuthorName: "Sarah Johnson", AuthorType: moveo.AuthorAgent,
		}},
		{"closed", docConversationClosed, &moveo.ConversationClosedEvent{
			Base:   docBase(moveo.TypeConversationClosed, "req-105"),
			Status: "resolved", AgentID: "agent-123", AgentName: "Sarah Johnson",
		}},
		{"reopened", docConversationReopened, &moveo.ConversationReopenedEvent{Base: docBase(moveo.TypeConversationReopened, "req-106")}},
		{"session closed", docSessionClosed, &moveo.SessionClosedEvent{Base: docBase(moveo.TypeSessionClosed, "req-107"), Status: "closed"}},
		{"session expired", docSessionExpired, &moveo.SessionExpiredEvent{Base: docBase(moveo.TypeSessionExpired, "req-108")}},
	}
	require.Len(t, tests, len(docEvents), "one row per example of the page")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := moveo.ParseEvent([]byte(tt.payload))
			require.NoError(t, err)
			require.IsType(t, tt.want, got)
			base := got.EventBase()
			assert.JSONEq(t, `{"user":{"user_id":"user-789"}}`, string(base.Context))
			ctx, err := base.ContextMap()
			require.NoError(t, err)
			assert.Equal(t, map[string]any{"user": map[string]any{"user_id": "user-789"}}, ctx)
			base.Context = nil
			assert.Equal(t, tt.want, got)
		})
	}
}

// Every example response of the page, inside a brain_send, decodes into
// its type with its values.
func TestParseEventDocResponses(t *testing.T) {
	t.Parallel()
	size := int64(102400)
	want := []moveo.Response{
		moveo.Text{Text: "Here's your order status.", Options: []moveo.QuickReply{{Label: "Track Order", Text: "Track my order"}}},
		moveo.Image{URL: "https://example.com/image.jpg", Name: "Product Image"},
		moveo.Video{URL: "https://example.com/video.mp4", Name: "Tutorial Video"},
		moveo.Audio{URL: "https://example.com/audio.mp3", Name: "Voice Message"},
		moveo.File{URL: "https://example.com/document.pdf", Name: "Invoice.pdf", Size: &size},
		moveo.Carousel{Cards: []moveo.Card{{
			Title: "Product A", Subtitle: "$29.99",
			Media: &moveo.CardMedia{Type: "image", URL: "https://example.com/product-a.jpg"},
			Buttons: []moveo.CardButton{
				{Type: moveo.ButtonPostback, Label: "Buy Now", Value: "buy_product_a"},
				{Type: moveo.ButtonURL, Label: "Learn More", URL: "https://example.com/product-a"},
			},
		}}},
		moveo.Handover{Text: "Transferring you to a human agent...", DeskID: "desk-123", DepartmentID: "support"},
		moveo.Webview{URL: "https://example.com/form", Label: "Fill out form", Height: moveo.WebviewFull},
	}
	require.Len(t, want, len(docResponses))
	ev, err := moveo.ParseEvent([]byte(brainSendWith(docResponses...)))
	require.NoError(t, err)
	got := ev.(*moveo.BrainSendEvent).Output.Responses
	assert.Equal(t, want, got)
	for i, r := range got {
		var head struct{ Type string }
		require.NoError(t, json.Unmarshal([]byte(docResponses[i]), &head))
		assert.Equal(t, head.Type, r.ResponseType())
	}
}

// brainSendWith is the page's brain_send with responses as its output.
func brainSendWith(responses ...string) string {
	return `{"event_type":"message:brain_send","request_id":"req-123","session_id":"sess-456",` +
		`"integration_id":"intg-001","timestamp":1704067200000,"output":{"responses":[` +
		strings.Join(responses, ",") + `]}}`
}

// Each response type marshals back into JSON equivalent to what came in.
func TestResponsesRoundTrip(t *testing.T) {
	t.Parallel()
	cases := append([]string{}, docResponses...)
	cases = append(cases,
		`{"type":"pause","duration":1500}`,
		`{"type":"pause"}`,
		`{"type":"survey","questions":[{"q":"How was it?"}]}`,
		`{"type":"text","text":"no options"}`,
		`{"type":"file","url":"https://example.com/a.pdf","name":"a.pdf"}`,
		`{"type":"file","url":"https://example.com/a.pdf","name":"a.pdf","size":0}`,
		`{"type":"image","url":"https://example.com/i.png"}`,
		`{"type":"handover"}`,
		`{"type":"carousel","cards":[{"title":"T","buttons":[{"type":"webview","label":"Open","url":"https://example.com/w"}]}]}`,
	)
	for _, in := range cases {
		r, err := moveo.ParseResponse([]byte(in))
		require.NoError(t, err, in)
		out, err := json.Marshal(r)
		require.NoError(t, err)
		assert.JSONEq(t, in, string(out), "round trip of %T", r)

		// And through a whole event.
		ev, err := moveo.ParseEvent([]byte(brainSendWith(in)))
		require.NoError(t, err)
		out, err = json.Marshal(ev.(*moveo.BrainSendEvent).Output)
		require.NoError(t, err)
		assert.JSONEq(t, `{"responses":[`+in+`]}`, string(out))
	}
}

func TestResponsesMarshalFromGo(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		r    moveo.Response
		want string
	}{
		{moveo.Text{Text: "hi"}, `{"type":"text","text":"hi"}`},
		{moveo.Handover{}, `{"type":"handover"}`},
		{moveo.Pause{}, `{"type":"pause"}`},
		{moveo.UnknownResponse{Type: "survey"}, `{"type":"survey"}`},
		{&moveo.Webview{URL: "u", Label: "l"}, `{"type":"webview","url":"u","label":"l"}`},
	} {
		b, err := json.Marshal(tt.r)
		require.NoError(t, err)
		assert.JSONEq(t, tt.want, string(b))
	}
}

func TestParseEventPauseAndUnknownResponse(t *testing.T) {
	t.Parallel()
	ev, err := moveo.ParseEvent([]byte(brainSendWith(`{"type":"pause","time":2}`, `{"type":"survey","x":[1]}`, `{"text":"no type"}`)))
	require.NoError(t, err)
	rs := ev.(*moveo.BrainSendEvent).Output.Responses
	require.Len(t, rs, 3)
	assert.JSONEq(t, `{"type":"pause","time":2}`, string(rs[0].(moveo.Pause).Raw))
	assert.Equal(t, "pause", rs[0].ResponseType())
	u := rs[1].(moveo.UnknownResponse)
	assert.Equal(t, "survey", u.Type)
	assert.Equal(t, "survey", u.ResponseType())
	assert.JSONEq(t, `{"type":"survey","x":[1]}`, string(u.Raw))
	assert.Equal(t, moveo.UnknownResponse{Raw: json.RawMessage(`{"text":"no type"}`)}, rs[2])
}

func TestParseEventUnknownType(t *testing.T) {
	t.Parallel()
	payload := `{"event_type":"message:reaction","request_id":"req-9","session_id":"s","timestamp":1704067200000,"emoji":{"x":1}}`
	ev, err := moveo.ParseEvent([]byte(payload))
	require.NoError(t, err)
	u, ok := ev.(*moveo.UnknownEvent)
	require.True(t, ok, "%T", ev)
	assert.Equal(t, "message:reaction", u.Type)
	assert.Equal(t, "req-9", u.RequestID)
	assert.Equal(t, docTime, u.Timestamp)
	assert.Equal(t, payload, string(u.Raw))
	b, err := json.Marshal(u)
	require.NoError(t, err)
	assert.JSONEq(t, payload, string(b))
}

// Fields the page does not list are ignored, and a message's attachments
// decode into Attachment.
func TestParseEventToleratesUnknownFields(t *testing.T) {
	t.Parallel()
	payload := `{"event_type":"message:send","request_id":"r","session_id":"s","timestamp":1704067200001,
		"new_field":{"deep":[1,2,{"a":null}]},"context":null,
		"from":{"agent_id":"a1","agent_name":"Ann","extra":true},
		"body":{"text":"see attached","attachments":[{"type":"image","mime_type":"image/png","url":"https://example.com/x.png","filename":"x.png","size":5}]}}`
	ev, err := moveo.ParseEvent([]byte(payload))
	require.NoError(t, err)
	m := ev.(*moveo.AgentMessageEvent)
	assert.Nil(t, m.Context)
	assert.Equal(t, docTime.Add(time.Millisecond), m.Timestamp)
	assert.Equal(t, int64(1704067200001), m.TimestampMillis)
	assert.Equal(t, moveo.DeskAgent{ID: "a1", Name: "Ann"}, m.From)
	assert.Equal(t, []moveo.Attachment{{Type: moveo.AttachmentImage, MimeType: "image/png",
		URL: "https://example.com/x.png", Filename: "x.png"}}, m.Body.Attachments)
	ctx, err := m.ContextMap()
	assert.NoError(t, err)
	assert.Nil(t, ctx)
}

// ParseEvent keeps nothing of its input.
func TestParseEventDoesNotKeepInput(t *testing.T) {
	t.Parallel()
	payload := []byte(docAgentMessage)
	ev, err := moveo.ParseEvent(payload)
	require.NoError(t, err)
	for i := range payload {
		payload[i] = 'x'
	}
	assert.Equal(t, "Sarah Johnson", ev.(*moveo.AgentMessageEvent).From.Name)
}

// Events marshal back into JSON equivalent to the page's, for the fields
// this package knows.
func TestEventsMarshal(t *testing.T) {
	t.Parallel()
	for _, in := range docEvents {
		ev, err := moveo.ParseEvent([]byte(in))
		require.NoError(t, err)
		out, err := json.Marshal(ev)
		require.NoError(t, err)
		if ev.EventBase().Type == moveo.TypeAgentMessage {
			// The page sends "attachments": [], which is not written back.
			in = strings.Replace(in, `,
"attachments": []`, "", 1)
		}
		assert.JSONEq(t, in, string(out), ev.EventBase().Type)
	}
}

func TestBrainOutputUnmarshalJSON(t *testing.T) {
	t.Parallel()
	var ev moveo.BrainSendEvent
	require.NoError(t, json.Unmarshal([]byte(docBrainSend), &ev))
	require.Len(t, ev.Output.Responses, 1)
	assert.Equal(t, "Hello! How can I help you today?", ev.Output.Responses[0].(moveo.Text).Text)
	assert.Equal(t, "req-123", ev.RequestID)

	err := json.Unmarshal([]byte(`{"output":{"responses":[{"type":"text","text":1}]}}`), &ev)
	assert.ErrorIs(t, err, moveo.ErrInvalidEvent)
	assert.NoError(t, json.Unmarshal([]byte(`{"output":null}`), &ev))
}

func TestParseEventErrors(t *testing.T) {
	t.Parallel()
	// mutate edits the page's brain_send, decoded into a map.
	mutate := func(fn func(m map[string]any)) string {
		var m map[string]any
		if err := json.Unmarshal([]byte(docBrainSend), &m); err != nil {
			panic(err)
		}
		fn(m)
		b, err := json.Marshal(m)
		if err != nil {
			panic(err)
		}
		return string(b)
	}
	responses := func(m map[string]any) []any { return m["output"].(map[string]any)["responses"].([]any) }
	firstResponse := func(m map[string]any) map[string]any { return responses(m)[0].(map[string]any) }
	tests := []struct {
		name    string
		payload string
		want    string
	}{
		{"empty", ``, "moveo: event: want a JSON object, got nothing"},
		{"array", `[1]`, "moveo: event: want a JSON object, got array"},
		{"string", `"x"`, "moveo: event: want a JSON object, got string"},
		{"truncated", docBrainSend[:40], "moveo: event: invalid JSON: "},
		{"trailing data", docSessionExpired + ` {}`, "moveo: event: invalid JSON: data after the value"},
		{"no event_type", mutate(func(m map[string]any) { delete(m, "event_type") }), "moveo: event: event_type: missing"},
		{"event_type number", mutate(func(m map[string]any) { m["event_type"] = 5 }), "moveo: event: event_type: want a string, got number"},
		{"no timestamp", mutate(func(m map[string]any) { delete(m, "timestamp") }), "moveo: event: timestamp: missing"},
		{"null timestamp", mutate(func(m map[string]any) { m["timestamp"] = nil }), "moveo: event: timestamp: missing"},
		{"timestamp string", mutate(func(m map[string]any) { m["timestamp"] = "1704067200000" }), "moveo: event: timestamp: want an integer number of milliseconds, got string"},
		{"timestamp fraction", mutate(func(m map[string]any) { m["timestamp"] = 1.5 }), `moveo: event: timestamp: want an integer number of milliseconds, got "1.5"`},
		{"session_id number", mutate(func(m map[string]any) { m["session_id"] = 1 }), "moveo: event: session_id: want a string, got number"},
		{"context array", mutate(func(m map[string]any) { m["context"] = []any{} }), "moveo: event: context: want an object, got array"},
		{"output string", mutate(func(m map[string]any) { m["output"] = "hi" }), "moveo: event: output: want an object, got string"},
		{"responses object", mutate(func(m map[string]any) { m["output"] = map[string]any{"responses": map[string]any{}} }), "moveo: event: output.responses: want an array, got object"},
		{"response number", mutate(func(m map[string]any) { m["output"] = map[string]any{"responses": []any{1}} }), "moveo: event: output.responses[0]: want an object, got number"},
		{"response type number", mutate(func(m map[string]any) { firstResponse(m)["type"] = 1 }), "moveo: event: output.responses[0].type: want a string, got number"},
		{"text number", mutate(func(m map[string]any) { firstResponse(m)["text"] = 1 }), "moveo: event: output.responses[0].text: want a string, got number"},
		{"option label", mutate(func(m map[string]any) {
			firstResponse(m)["options"].([]any)[1].(map[string]any)["label"] = true
		}), "moveo: event: output.responses[0].options[1].label: want a string, got boolean"},
		{"file size", brainSendWith(`{"type":"file","url":"u","size":"big"}`), "moveo: event: output.responses[0].size: want an integer, got string"},
		{"card title", brainSendWith(docText, `{"type":"carousel","cards":[{"title":"a"},{"title":{}}]}`), "moveo: event: output.responses[1].cards[1].title: want a string, got object"},
		{"button url", brainSendWith(`{"type":"carousel","cards":[{"title":"a","buttons":[{"type":"url","url":7}]}]}`), "moveo: event: output.responses[0].cards[0].buttons[0].url: want a string, got number"},
		{"media", brainSendWith(`{"type":"carousel","cards":[{"media":"x"}]}`), "moveo: event: output.responses[0].cards[0].media: want an object, got string"},
		{"webview height", brainSendWith(`{"type":"webview","height":100}`), "moveo: event: output.responses[0].height: want a string, got number"},
		{"from", strings.Replace(docAgentMessage, `"agent_id": "agent-123"`, `"agent_id": 123`, 1), "moveo: event: from.agent_id: want a string, got number"},
		{"attachment", strings.Replace(docAgentMessage, `"attachments": []`, `"attachments": [{"type":"image","url":5}]`, 1), "moveo: event: body.attachments[0].url: want a string, got number"},
		{"action", strings.Replace(docTyping, `"action": "start"`, `"action": false`, 1), "moveo: event: action: want a string, got boolean"},
		{"status", strings.Replace(docConversationClosed, `"status": "resolved"`, `"status": ["resolved"]`, 1), "moveo: event: status: want a string, got array"},
		{"deep", `{"event_type":"x","timestamp":1,"a":` + strings.Repeat("[", 2000) + strings.Repeat("]", 2000) + `}`, "moveo: event: invalid JSON: nested more than 1000 levels deep"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ev, err := moveo.ParseEvent([]byte(tt.payload))
			require.Error(t, err)
			assert.Nil(t, ev)
			assert.True(t, errors.Is(err, moveo.ErrInvalidEvent))
			var evErr *moveo.EventError
			require.ErrorAs(t, err, &evErr)
			assert.True(t, strings.HasPrefix(err.Error(), tt.want), "got %q, want %q", err, tt.want)
			assert.NotContains(t, err.Error(), "\n")
		})
	}
}

func TestParseResponseErrors(t *testing.T) {
	t.Parallel()
	_, err := moveo.ParseResponse([]byte(`[]`))
	assert.EqualError(t, err, "moveo: event: want a JSON object, got array")
	_, err = moveo.ParseResponse([]byte(`{"type":"image","url":1}`))
	assert.EqualError(t, err, "moveo: event: url: want a string, got number")
}
