package munin_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/munin"
)

// Fixtures: deliveries shaped as munin-api-reference.md §3.2 and §7 describe
// them — compact JSON, envelope keys in the documented order, payload keys in
// storage order (shorter keys first), ids as <prefix>_ + 22 of [0-9a-z] (§1),
// times in UTC with milliseconds and Z.
const (
	evtOrg      = "org_2b4d6f8h0j2l4n6p8r0t2v"
	evtCorr     = "3f1c9a52-6a0e-4b1d-9d43-2f7e8c5b1a60"
	evtConv     = "ccv_1q3w5e7r9t1y3u5i7o9p1a"
	evtMsg      = "cvm_8d6f4h2j0k8l6z4x2c0v8b"
	evtChannel  = "cch_0m9n8b7v6c5x4z3l2k1j0h"
	evtUser     = "Xk3PqL9mZ2vR7tY4wB8nC1dF6gH0jS5a" // §7: user ids have no usr_ prefix
	evtEndUser  = "eu_5t4r3e2w1q0p9o8i7u6y5t"
	evtCreated  = "2026-07-02T10:00:00.123Z"
	evtExpires  = "2026-07-02T10:30:00.123Z"
	evtReadAt   = "2026-07-02T10:01:02.500Z"
	evtOpenedAt = "2026-07-02T11:00:00.000Z"
)

// evtCreatedAt is evtCreated as a time.
var evtCreatedAt = time.Date(2026, 7, 2, 10, 0, 0, 123e6, time.UTC)

// evtDelivery wraps payload in the envelope of §3.2.
func evtDelivery(typ, id, payload string) string {
	return `{"type":"` + typ + `","id":"` + id + `","orgId":"` + evtOrg + `","correlationId":"` + evtCorr +
		`","createdAt":"` + evtCreated + `","payload":` + payload + `}`
}

// evtEnvelope is the Envelope evtDelivery(typ, id, payload) parses into.
func evtEnvelope(typ, id, payload string) munin.Envelope {
	return munin.Envelope{Type: typ, ID: id, OrgID: evtOrg, CorrelationID: evtCorr, CreatedAt: evtCreatedAt,
		Payload: json.RawMessage(payload)}
}

// evtDocCase is one event of §3.3: the payload Munin sends and the event it
// must parse into.
type evtDocCase struct {
	name    string
	typ     string
	payload string
	want    func(env munin.Envelope) munin.Event
}

var evtDocCases = []evtDocCase{
	{"created", munin.TypeConversationCreated,
		`{"channelId":"` + evtChannel + `","displayId":1042,"conversationId":"` + evtConv + `"}`,
		func(env munin.Envelope) munin.Event {
			return &munin.ConversationCreatedEvent{Envelope: env, ConversationID: evtConv, DisplayID: 1042, ChannelID: evtChannel}
		}},
	{"message received", munin.TypeMessageReceived,
		`{"internal":false,"messageId":"` + evtMsg + `","authorType":"end_user","conversationId":"` + evtConv + `"}`,
		func(env munin.Envelope) munin.Event {
			return &munin.MessageReceivedEvent{Envelope: env, ConversationID: evtConv, MessageID: evtMsg, AuthorType: munin.AuthorEndUser}
		}},
	{"message sent by a user", munin.TypeMessageSent,
		`{"internal":false,"messageId":"` + evtMsg + `","authorType":"user","conversationId":"` + evtConv + `"}`,
		func(env munin.Envelope) munin.Event {
			return &munin.MessageSentEvent{Envelope: env, ConversationID: evtConv, MessageID: evtMsg, AuthorType: munin.AuthorUser}
		}},
	{"message sent by an agent", munin.TypeMessageSent,
		`{"internal":false,"messageId":"` + evtMsg + `","authorType":"agent","conversationId":"` + evtConv + `"}`,
		func(env munin.Envelope) munin.Event {
			return &munin.MessageSentEvent{Envelope: env, ConversationID: evtConv, MessageID: evtMsg, AuthorType: munin.AuthorAgent}
		}},
	{"message sent by the system", munin.TypeMessageSent,
		`{"internal":false,"messageId":"` + evtMsg + `","authorType":"system","conversationId":"` + evtConv + `"}`,
		func(env munin.Envelope) munin.Event {
			return &munin.MessageSentEvent{Envelope: env, ConversationID: evtConv, MessageID: evtMsg, AuthorType: munin.AuthorSystem}
		}},
	{"taken over", munin.TypeTakenOver,
		`{"holderId":"` + evtUser + `","expiresAt":"` + evtExpires + `","holderType":"user","conversationId":"` + evtConv + `"}`,
		func(env munin.Envelope) munin.Event {
			return &munin.TakenOverEvent{Envelope: env, ConversationID: evtConv, HolderType: "user", HolderID: evtUser,
				ExpiresAt: evtCreatedAt.Add(30 * time.Minute)}
		}},
	{"released", munin.TypeReleased,
		`{"holderId":"` + evtUser + `","holderType":"user","conversationId":"` + evtConv + `"}`,
		func(env munin.Envelope) munin.Event {
			return &munin.ReleasedEvent{Envelope: env, ConversationID: evtConv, HolderType: "user", HolderID: evtUser}
		}},
	{"handover requested", munin.TypeHandoverRequested,
		`{"reason":"visitor asked for a person","conversationId":"` + evtConv + `"}`,
		func(env munin.Envelope) munin.Event {
			return &munin.HandoverRequestedEvent{Envelope: env, ConversationID: evtConv, Reason: "visitor asked for a person"}
		}},
	{"handover requested without reason", munin.TypeHandoverRequested,
		`{"reason":null,"conversationId":"` + evtConv + `"}`,
		func(env munin.Envelope) munin.Event {
			return &munin.HandoverRequestedEvent{Envelope: env, ConversationID: evtConv}
		}},
	{"handover resolved", munin.TypeHandoverResolved,
		`{"messageId":"` + evtMsg + `","authorType":"user","conversationId":"` + evtConv + `"}`,
		func(env munin.Envelope) munin.Event {
			return &munin.HandoverResolvedEvent{Envelope: env, ConversationID: evtConv, MessageID: evtMsg, AuthorType: munin.AuthorUser}
		}},
	{"assigned", munin.TypeAssigned,
		`{"assigneeUserId":"` + evtUser + `","conversationId":"` + evtConv + `"}`,
		func(env munin.Envelope) munin.Event {
			return &munin.AssignedEvent{Envelope: env, ConversationID: evtConv, AssigneeUserID: evtUser}
		}},
	{"unassigned", munin.TypeAssigned,
		`{"assigneeUserId":null,"conversationId":"` + evtConv + `"}`,
		func(env munin.Envelope) munin.Event {
			return &munin.AssignedEvent{Envelope: env, ConversationID: evtConv}
		}},
	{"agent mode changed", munin.TypeAgentModeChanged,
		`{"agentMode":"off","conversationId":"` + evtConv + `"}`,
		func(env munin.Envelope) munin.Event {
			return &munin.AgentModeChangedEvent{Envelope: env, ConversationID: evtConv, AgentMode: munin.AgentModeOff}
		}},
	{"status closed", munin.TypeStatusChanged,
		`{"status":"closed","conversationId":"` + evtConv + `"}`,
		func(env munin.Envelope) munin.Event {
			return &munin.StatusChangedEvent{Envelope: env, ConversationID: evtConv, Status: munin.StatusClosed}
		}},
	{"status open", munin.TypeStatusChanged,
		`{"status":"open","conversationId":"` + evtConv + `"}`,
		func(env munin.Envelope) munin.Event {
			return &munin.StatusChangedEvent{Envelope: env, ConversationID: evtConv, Status: munin.StatusOpen}
		}},
	{"subject changed", munin.TypeSubjectChanged,
		`{"subject":"Where is my order?","conversationId":"` + evtConv + `"}`,
		func(env munin.Envelope) munin.Event {
			return &munin.SubjectChangedEvent{Envelope: env, ConversationID: evtConv, Subject: "Where is my order?"}
		}},
	{"greet requested", munin.TypeGreetRequested,
		`{"channelId":"` + evtChannel + `","endUserId":"` + evtEndUser + `","conversationId":"` + evtConv + `"}`,
		func(env munin.Envelope) munin.Event {
			return &munin.GreetRequestedEvent{Envelope: env, ConversationID: evtConv, EndUserID: evtEndUser, ChannelID: evtChannel}
		}},
	{"message read", munin.TypeMessageRead,
		`{"readAt":"` + evtReadAt + `","endUserId":"` + evtEndUser + `","messageId":"` + evtMsg + `","conversationId":"` + evtConv + `"}`,
		func(env munin.Envelope) munin.Event {
			return &munin.MessageReadEvent{Envelope: env, ConversationID: evtConv, MessageID: evtMsg, EndUserID: evtEndUser,
				ReadAt: time.Date(2026, 7, 2, 10, 1, 2, 500e6, time.UTC)}
		}},
	{"message body revised", munin.TypeMessageBodyRevised,
		`{"reason":"pii_redaction","internal":false,"messageId":"` + evtMsg + `","authorType":"end_user","conversationId":"` + evtConv + `"}`,
		func(env munin.Envelope) munin.Event {
			return &munin.MessageBodyRevisedEvent{Envelope: env, ConversationID: evtConv, MessageID: evtMsg,
				AuthorType: munin.AuthorEndUser, Reason: "pii_redaction"}
		}},
	{"message opened", munin.TypeMessageOpened,
		`{"messageId":"` + evtMsg + `","deliveryId":"cmd_7y6t5r4e3w2q1a0s9d8f7g","firstOpenedAt":"` + evtOpenedAt + `"}`,
		func(env munin.Envelope) munin.Event {
			return &munin.MessageOpenedEvent{Envelope: env, DeliveryID: "cmd_7y6t5r4e3w2q1a0s9d8f7g", MessageID: evtMsg,
				FirstOpenedAt: time.Date(2026, 7, 2, 11, 0, 0, 0, time.UTC)}
		}},
	{"voice call ended", munin.TypeVoiceCallEnded,
		`{"orgId":"` + evtOrg + `","channelId":"` + evtChannel + `","durationSec":184,"conversationId":"` + evtConv + `","vendorCallId":"CA42"}`,
		func(env munin.Envelope) munin.Event {
			return &munin.VoiceCallEndedEvent{Envelope: env, ConversationID: evtConv, ChannelID: evtChannel}
		}},
	{"message delivered", munin.TypeMessageDelivered,
		`{"orgId":"` + evtOrg + `","channelId":"` + evtChannel + `","messageId":"` + evtMsg + `","conversationId":"` + evtConv + `"}`,
		func(env munin.Envelope) munin.Event {
			return &munin.MessageDeliveredEvent{Envelope: env, ConversationID: evtConv, MessageID: evtMsg, ChannelID: evtChannel}
		}},
	{"message delivery failed", munin.TypeMessageDeliveryFailed,
		`{"error":"550 mailbox unavailable","orgId":"` + evtOrg + `","attempts":5,"channelId":"` + evtChannel + `","messageId":"` + evtMsg + `","conversationId":"` + evtConv + `"}`,
		func(env munin.Envelope) munin.Event {
			return &munin.MessageDeliveryFailedEvent{Envelope: env, ConversationID: evtConv, MessageID: evtMsg, ChannelID: evtChannel,
				Error: "550 mailbox unavailable", Attempts: 5}
		}},
}

// evtID returns a distinct event id for fixture i.
func evtID(i int) string { return fmt.Sprintf("evt_%022d", i) }

// evtMessageSent is the delivery the handler and benchmark tests use: a
// dashboard reply (§3.3), about 330 bytes.
func evtMessageSent(id, authorType string) []byte {
	return []byte(evtDelivery(munin.TypeMessageSent, id,
		`{"internal":false,"messageId":"`+evtMsg+`","authorType":"`+authorType+`","conversationId":"`+evtConv+`"}`))
}

func TestParseEventDocPayloads(t *testing.T) {
	seen := map[string]bool{}
	for i, tc := range evtDocCases {
		t.Run(tc.name, func(t *testing.T) {
			body := evtDelivery(tc.typ, evtID(i), tc.payload)
			ev, err := munin.ParseEvent([]byte(body))
			require.NoError(t, err)
			assert.Equal(t, tc.want(evtEnvelope(tc.typ, evtID(i), tc.payload)), ev)
			assert.Equal(t, tc.typ, ev.EventEnvelope().Type)
		})
		seen[tc.typ] = true
	}
	// Every conversation event of §3.3, and the two emitted outside the
	// catalog, has a case.
	for _, typ := range evtKnownTypes {
		assert.True(t, seen[typ], "no doc case for %s", typ)
	}
}

// evtKnownTypes are the types ParseEvent gives a concrete type, with that
// type.
var evtKnownTypes = []string{
	munin.TypeConversationCreated, munin.TypeMessageReceived, munin.TypeMessageSent, munin.TypeTakenOver,
	munin.TypeReleased, munin.TypeHandoverRequested, munin.TypeHandoverResolved, munin.TypeAssigned,
	munin.TypeAgentModeChanged, munin.TypeStatusChanged, munin.TypeSubjectChanged, munin.TypeGreetRequested,
	munin.TypeMessageRead, munin.TypeMessageBodyRevised, munin.TypeMessageOpened, munin.TypeVoiceCallEnded,
	munin.TypeMessageDelivered, munin.TypeMessageDeliveryFailed,
}

var evtGoTypes = map[reflect.Type]string{
	reflect.TypeFor[*munin.ConversationCreatedEvent]():   munin.TypeConversationCreated,
	reflect.TypeFor[*munin.MessageReceivedEvent]():       munin.TypeMessageReceived,
	reflect.TypeFor[*munin.MessageSentEvent]():           munin.TypeMessageSent,
	reflect.TypeFor[*munin.TakenOverEvent]():             munin.TypeTakenOver,
	reflect.TypeFor[*munin.ReleasedEvent]():              munin.TypeReleased,
	reflect.TypeFor[*munin.HandoverRequestedEvent]():     munin.TypeHandoverRequested,
	reflect.TypeFor[*munin.HandoverResolvedEvent]():      munin.TypeHandoverResolved,
	reflect.TypeFor[*munin.AssignedEvent]():              munin.TypeAssigned,
	reflect.TypeFor[*munin.AgentModeChangedEvent]():      munin.TypeAgentModeChanged,
	reflect.TypeFor[*munin.StatusChangedEvent]():         munin.TypeStatusChanged,
	reflect.TypeFor[*munin.SubjectChangedEvent]():        munin.TypeSubjectChanged,
	reflect.TypeFor[*munin.GreetRequestedEvent]():        munin.TypeGreetRequested,
	reflect.TypeFor[*munin.MessageReadEvent]():           munin.TypeMessageRead,
	reflect.TypeFor[*munin.MessageBodyRevisedEvent]():    munin.TypeMessageBodyRevised,
	reflect.TypeFor[*munin.MessageOpenedEvent]():         munin.TypeMessageOpened,
	reflect.TypeFor[*munin.VoiceCallEndedEvent]():        munin.TypeVoiceCallEnded,
	reflect.TypeFor[*munin.MessageDeliveredEvent]():      munin.TypeMessageDelivered,
	reflect.TypeFor[*munin.MessageDeliveryFailedEvent](): munin.TypeMessageDeliveryFailed,
}

// evtTypeMatches reports whether ev's Go type is the one its envelope type
// calls for: the concrete type of a known type, UnknownEvent for the rest.
func evtTypeMatches(ev munin.Event) bool {
	typ := ev.EventEnvelope().Type
	if want, ok := evtGoTypes[reflect.TypeOf(ev)]; ok {
		return want == typ
	}
	_, unknown := ev.(*munin.UnknownEvent)
	return unknown && !evtIsKnown(typ)
}

func evtIsKnown(typ string) bool {
	for _, k := range evtKnownTypes {
		if k == typ {
			return true
		}
	}
	return false
}

func TestParseEventGoTypesCoverKnownTypes(t *testing.T) {
	assert.Len(t, evtGoTypes, len(evtKnownTypes))
	for _, typ := range evtKnownTypes {
		assert.True(t, evtIsKnown(typ))
	}
}

// The older page's example (munin-escalate-to-human.txt, "Payload"), with
// one author type picked: no id, no orgId, occurredAt instead of createdAt,
// and pretty-printed.
const evtOldDocDelivery = `{
  "type": "conversation.message.sent",
  "payload": {
    "conversationId": "ccv_…",
    "messageId":      "cvm_…",
    "authorType":     "user",
    "internal":       false
  },
  "occurredAt": "2026-04-30T10:00:00Z"
}`

func TestParseEventOldDocEnvelope(t *testing.T) {
	ev, err := munin.ParseEvent([]byte(evtOldDocDelivery))
	require.NoError(t, err)
	sent, ok := ev.(*munin.MessageSentEvent)
	require.True(t, ok, "got %T", ev)
	assert.Equal(t, munin.TypeMessageSent, sent.Type)
	assert.Empty(t, sent.ID)
	assert.Empty(t, sent.OrgID)
	assert.Equal(t, time.Date(2026, 4, 30, 10, 0, 0, 0, time.UTC), sent.CreatedAt)
	assert.Equal(t, "ccv_…", sent.ConversationID)
	assert.Equal(t, "cvm_…", sent.MessageID)
	assert.Equal(t, munin.AuthorUser, sent.AuthorType)
	assert.False(t, sent.Internal)
	assert.JSONEq(t, `{"conversationId":"ccv_…","messageId":"cvm_…","authorType":"user","internal":false}`, string(sent.Payload))
}

func TestParseEventCreatedAtWinsOverOccurredAt(t *testing.T) {
	body := `{"type":"conversation.created","occurredAt":"2020-01-01T00:00:00Z","createdAt":"` + evtCreated +
		`","payload":{"conversationId":"` + evtConv + `"}}`
	ev, err := munin.ParseEvent([]byte(body))
	require.NoError(t, err)
	assert.Equal(t, evtCreatedAt, ev.EventEnvelope().CreatedAt)

	// A null createdAt counts as absent.
	body = strings.Replace(body, `"createdAt":"`+evtCreated+`"`, `"createdAt":null`, 1)
	ev, err = munin.ParseEvent([]byte(body))
	require.NoError(t, err)
	assert.Equal(t, time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), ev.EventEnvelope().CreatedAt)
}

func TestParseEventUnknownTypes(t *testing.T) {
	// §3.3 and §7: non-conversation types and internal ones that a
	// subscription to all events receives; whatever their payload.
	cases := map[string]string{
		"curator_job.pending":         `{"jobId":"cjb_1","kind":"kb_refresh"}`,
		"api_key.minted":              `{"keyId":"akey_0a1b2c3d4e5f6g7h8i9j0k","kind":"admin"}`,
		"api_key.revoked":             `null`,
		"end_user.created":            `[1,2,3]`,
		"crm.contact.created":         `{"contactId":"ctc_1","nested":{"deep":[{"x":null}]}}`,
		"cms.entry.published":         `"just a string"`,
		"org_alert.opened":            `{}`,
		"conversation.escalated":      `{"conversationId":"ccv_1"}`, // never emitted (§0 #18); unknown all the same
		"conversation.something_new":  `17`,
		"Conversation.Message.Sent":   `{"conversationId":"ccv_1"}`, // types are case-sensitive
		"conversation.message.sent ":  `{}`,
		"outreach.proposal.withdrawn": `{"proposalId":"opp_1"}`,
	}
	for typ, payload := range cases {
		t.Run(typ, func(t *testing.T) {
			body := evtDelivery(typ, "evt_0k2m9x7q1w3e5r7t9y1u3i", payload)
			ev, err := munin.ParseEvent([]byte(body))
			require.NoError(t, err)
			unknown, ok := ev.(*munin.UnknownEvent)
			require.True(t, ok, "got %T", ev)
			assert.Equal(t, typ, unknown.Type)
			assert.Equal(t, "evt_0k2m9x7q1w3e5r7t9y1u3i", unknown.ID)
			assert.Equal(t, evtCreatedAt, unknown.CreatedAt)
			assert.Equal(t, body, string(unknown.Raw))
			if payload != "null" {
				assert.Equal(t, payload, string(unknown.Payload))
			} else {
				assert.Nil(t, unknown.Payload)
			}
		})
	}

	// Without a payload at all.
	ev, err := munin.ParseEvent([]byte(`{"type":"api_key.minted","createdAt":"` + evtCreated + `"}`))
	require.NoError(t, err)
	assert.IsType(t, &munin.UnknownEvent{}, ev)
}

func TestParseEventToleratesUnknownFields(t *testing.T) {
	body := `{"type":"conversation.message.sent","id":"evt_1","orgId":"` + evtOrg + `","correlationId":null,` +
		`"createdAt":"` + evtCreated + `","extra":{"a":[1,{"b":"c"}],"d":true},"version":2,` +
		`"payload":{"internal":false,"messageId":"` + evtMsg + `","authorType":"user","conversationId":"` + evtConv + `",` +
		`"metadata":{"sessionId":"s1"},"new":[null,1.5e3,"x"]}}`
	ev, err := munin.ParseEvent([]byte(body))
	require.NoError(t, err)
	sent := ev.(*munin.MessageSentEvent)
	assert.Equal(t, evtConv, sent.ConversationID)
	assert.Equal(t, evtMsg, sent.MessageID)
	assert.Empty(t, sent.CorrelationID, "null correlationId")
	assert.Contains(t, string(sent.Payload), `"metadata":{"sessionId":"s1"}`)
}

func TestParseEventPayloadBeforeType(t *testing.T) {
	// Key order is Munin's habit, not a rule of JSON.
	body := `{"payload":{"conversationId":"` + evtConv + `","messageId":"` + evtMsg + `","authorType":"user"},` +
		`"createdAt":"` + evtCreated + `","id":"evt_1","type":"conversation.message.sent"}`
	ev, err := munin.ParseEvent([]byte(body))
	require.NoError(t, err)
	sent, ok := ev.(*munin.MessageSentEvent)
	require.True(t, ok)
	assert.Equal(t, evtMsg, sent.MessageID)

	// A repeated key counts the last time, as in encoding/json.
	body = `{"type":"conversation.created","createdAt":"` + evtCreated + `","payload":{"displayId":1},` +
		`"type":"conversation.message.sent","payload":{"messageId":"` + evtMsg + `"}}`
	ev, err = munin.ParseEvent([]byte(body))
	require.NoError(t, err)
	sent, ok = ev.(*munin.MessageSentEvent)
	require.True(t, ok, "got %T", ev)
	assert.Equal(t, evtMsg, sent.MessageID)
}

func TestParseEventStrings(t *testing.T) {
	// Escapes and non-ASCII text decode as encoding/json decodes them.
	for _, raw := range []string{
		`"ccv_\u00e9t\u00e9"`, `"tab\there \"quoted\" back\\slash \/ \b\f\n\r"`, `"emoji \ud83d\ude00"`,
		`"lone \ud83d surrogate"`, `"bad pair \ud83d\u0041"`, "\"raw \xff\xfe bytes\"", `"ünïcödé ✓"`, `""`,
	} {
		t.Run(raw, func(t *testing.T) {
			body := `{"type":"conversation.message.sent","id":` + raw + `,"createdAt":"` + evtCreated +
				`","payload":{"conversationId":` + raw + `}}`
			ev, err := munin.ParseEvent([]byte(body))
			require.NoError(t, err)
			var want string
			require.NoError(t, json.Unmarshal([]byte(raw), &want))
			assert.Equal(t, want, ev.EventEnvelope().ID)
			assert.Equal(t, want, ev.(*munin.MessageSentEvent).ConversationID)
		})
	}
}

func TestParseEventTimestamps(t *testing.T) {
	for _, s := range []string{
		"2026-07-02T10:00:00.123Z", "2026-07-02T10:00:00Z", "2026-07-02T10:00:00.1Z",
		"2026-07-02T10:00:00.123456789Z", "2026-07-02T12:00:00.5+02:00", "2026-07-02T05:30:00-04:30",
		"2024-02-29T23:59:59.999Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999Z",
	} {
		t.Run(s, func(t *testing.T) {
			want, err := time.Parse(time.RFC3339Nano, s)
			require.NoError(t, err)
			ev, err := munin.ParseEvent([]byte(`{"type":"x.y","createdAt":"` + s + `"}`))
			require.NoError(t, err)
			assert.Equal(t, want.UTC(), ev.EventEnvelope().CreatedAt)
			assert.Equal(t, time.UTC, ev.EventEnvelope().CreatedAt.Location())
		})
	}
	// An escaped time string is still a time.
	ev, err := munin.ParseEvent([]byte(`{"type":"x.y","createdAt":"\u0032026-07-02T10:00:00.123Z"}`))
	require.NoError(t, err)
	assert.Equal(t, evtCreatedAt, ev.EventEnvelope().CreatedAt)
}

func TestParseEventPayloadTimes(t *testing.T) {
	// A payload time is read as createdAt is: escapes, offsets and other
	// precisions are accepted, the result is in UTC, and a null leaves it
	// zero.
	for raw, want := range map[string]time.Time{
		`"\u0032026-07-02T10:30:00.123Z"`: evtCreatedAt.Add(30 * time.Minute),
		`"2026-07-02T12:30:00.123+02:00"`: evtCreatedAt.Add(30 * time.Minute),
		`null`:                            {},
	} {
		t.Run(raw, func(t *testing.T) {
			ev, err := munin.ParseEvent([]byte(evtDelivery(munin.TypeTakenOver, "evt_1",
				`{"expiresAt":`+raw+`,"conversationId":"`+evtConv+`"}`)))
			require.NoError(t, err)
			got := ev.(*munin.TakenOverEvent).ExpiresAt
			assert.Equal(t, want, got)
			if !got.IsZero() {
				assert.Equal(t, time.UTC, got.Location())
			}
		})
	}

	// A time that leaves the four-digit years in UTC cannot be written back:
	// refused, with the field named.
	_, err := munin.ParseEvent([]byte(evtDelivery(munin.TypeMessageRead, "evt_1", `{"readAt":"0000-01-01T00:00:00+01:00"}`)))
	var evErr *munin.EventError
	require.True(t, errors.As(err, &evErr), "%v", err)
	assert.Equal(t, "payload.readAt", evErr.Field)
	assert.Equal(t, `munin: event: payload.readAt: "0000-01-01T00:00:00+01:00" is out of range`, err.Error())
}

func TestParseEventKeysAreCaseSensitive(t *testing.T) {
	// Munin writes its keys in one spelling; another is an unknown field.
	ev, err := munin.ParseEvent([]byte(`{"Type":"x.y","type":"conversation.message.sent","createdAt":"` + evtCreated +
		`","payload":{"MessageId":"cvm_other","messageId":"` + evtMsg + `","ConversationId":"ccv_other"}}`))
	require.NoError(t, err)
	sent := ev.(*munin.MessageSentEvent)
	assert.Equal(t, evtMsg, sent.MessageID)
	assert.Empty(t, sent.ConversationID)

	_, err = munin.ParseEvent([]byte(`{"TYPE":"conversation.message.sent","createdAt":"` + evtCreated + `","payload":{}}`))
	var evErr *munin.EventError
	require.True(t, errors.As(err, &evErr), "%v", err)
	assert.Equal(t, "type", evErr.Field)
}

func TestParseEventDepthLimitCountsOnlyStructure(t *testing.T) {
	// Brackets inside strings, escaped quotes included, are text, however
	// many there are.
	text := strings.Repeat(`[{\"`, 5000) + strings.Repeat("[", 10001)
	body := evtDelivery(munin.TypeMessageSent, "evt_1", `{"messageId":"`+text+`","conversationId":"`+evtConv+`"}`)
	require.True(t, json.Valid([]byte(body)))
	ev, err := munin.ParseEvent([]byte(body))
	require.NoError(t, err)
	var want string
	require.NoError(t, json.Unmarshal([]byte(`"`+text+`"`), &want))
	assert.Equal(t, want, ev.(*munin.MessageSentEvent).MessageID)
}

// evtBase is the delivery the bad-input rows mutate.
var evtBase = evtDelivery(munin.TypeTakenOver, "evt_0k2m9x7q1w3e5r7t9y1u3i",
	`{"holderId":"`+evtUser+`","expiresAt":"`+evtExpires+`","holderType":"user","conversationId":"`+evtConv+`"}`)

func evtReplace(old, new string) func(string) string {
	return func(s string) string {
		if !strings.Contains(s, old) {
			panic("fixture lacks " + old)
		}
		return strings.Replace(s, old, new, 1)
	}
}

func TestParseEventBadInput(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(string) string
		field  string
		msg    string // the whole error message, or its start when it ends in "…"
	}{
		// A body that is not valid JSON is not a JSON object: its error
		// names no field, and its reason after "invalid JSON: " is the
		// decoder's own wording.
		{"empty body", func(string) string { return "" }, "", "munin: event: invalid JSON: …"},
		{"white space only", func(string) string { return " \n" }, "", "munin: event: invalid JSON: …"},
		{"not JSON", func(string) string { return "type=conversation.created" }, "", "munin: event: invalid JSON: …"},
		{"form body", func(string) string { return "=x" }, "", "munin: event: invalid JSON: …"},
		{"array", func(string) string { return `[` + evtBase + `]` }, "", "munin: event: want a JSON object, got array"},
		{"string", func(string) string { return `"hello"` }, "", "munin: event: want a JSON object, got string"},
		{"null", func(string) string { return `null` }, "", "munin: event: want a JSON object, got null"},
		{"truncated", func(s string) string { return s[:len(s)-2] }, "", "munin: event: invalid JSON: …"},
		{"truncated envelope", func(s string) string { return s[:strings.Index(s, `"orgId"`)] }, "", "munin: event: invalid JSON: …"},
		{"truncated in the type", func(s string) string { return s[:20] }, "", "munin: event: invalid JSON: …"},
		{"trailing data", func(s string) string { return s + `{}` }, "", "munin: event: invalid JSON: …"},
		{"two deliveries", func(s string) string { return s + "\n" + s }, "", "munin: event: invalid JSON: …"},
		{"trailing comma", evtReplace(`"payload":`, `"x":1,}`+`,"payload":`), "", "munin: event: invalid JSON: …"},
		{"missing type", evtReplace(`"type":"conversation.taken_over",`, ``), "type", "munin: event: type: missing"},
		{"empty type", evtReplace(`"type":"conversation.taken_over"`, `"type":""`), "type", "munin: event: type: missing"},
		{"null type", evtReplace(`"type":"conversation.taken_over"`, `"type":null`), "type", "munin: event: type: missing"},
		{"numeric type", evtReplace(`"type":"conversation.taken_over"`, `"type":7`), "type", "munin: event: type: want a string, got number"},
		{"object id", evtReplace(`"id":"evt_0k2m9x7q1w3e5r7t9y1u3i"`, `"id":{"v":1}`), "id", "munin: event: id: want a string, got object"},
		{"boolean orgId", evtReplace(`"orgId":"`+evtOrg+`"`, `"orgId":true`), "orgId", "munin: event: orgId: want a string, got boolean"},
		{"numeric correlationId", evtReplace(`"correlationId":"`+evtCorr+`"`, `"correlationId":12`), "correlationId", "munin: event: correlationId: want a string, got number"},
		{"missing createdAt", evtReplace(`"createdAt":"`+evtCreated+`",`, ``), "createdAt", "munin: event: createdAt: missing"},
		{"null createdAt", evtReplace(`"createdAt":"`+evtCreated+`"`, `"createdAt":null`), "createdAt", "munin: event: createdAt: missing"},
		{"numeric createdAt", evtReplace(`"createdAt":"`+evtCreated+`"`, `"createdAt":1782986400123`), "createdAt", "munin: event: createdAt: want an RFC 3339 time string, got number"},
		{"prose createdAt", evtReplace(`"createdAt":"`+evtCreated+`"`, `"createdAt":"yesterday"`), "createdAt", `munin: event: createdAt: "yesterday" is not an RFC 3339 time`},
		{"February 30th", evtReplace(evtCreated, `2026-02-30T10:00:00.000Z`), "createdAt", `munin: event: createdAt: "2026-02-30T10:00:00.000Z" is not an RFC 3339 time`},
		{"hour 24", evtReplace(evtCreated, `2026-07-02T24:00:00.000Z`), "createdAt", `munin: event: createdAt: "2026-07-02T24:00:00.000Z" is not an RFC 3339 time`},
		{"no zone", evtReplace(evtCreated, `2026-07-02T10:00:00.000`), "createdAt", `munin: event: createdAt: "2026-07-02T10:00:00.000" is not an RFC 3339 time`},
		{"long prose createdAt", evtReplace(`"createdAt":"`+evtCreated+`"`, `"createdAt":"`+strings.Repeat("later ", 20)+`"`), "createdAt", `munin: event: createdAt: "later later later later later later late"… is not an RFC 3339 time`},
		{"bad occurredAt", func(string) string {
			return `{"type":"conversation.message.sent","payload":{},"occurredAt":"30 April 2026"}`
		}, "occurredAt", `munin: event: occurredAt: "30 April 2026" is not an RFC 3339 time`},
		{"missing payload", evtReplace(`,"payload":{"holderId"`, `,"other":{"holderId"`), "payload", "munin: event: payload: missing"},
		{"null payload", func(string) string { return evtDelivery(munin.TypeMessageSent, "evt_1", `null`) }, "payload", "munin: event: payload: missing"},
		{"array payload", func(string) string { return evtDelivery(munin.TypeMessageSent, "evt_1", `[]`) }, "payload", "munin: event: payload: want an object, got array"},
		{"string payload", func(string) string { return evtDelivery(munin.TypeAssigned, "evt_1", `"ccv_1"`) }, "payload", "munin: event: payload: want an object, got string"},
		{"numeric holderId", evtReplace(`"holderId":"`+evtUser+`"`, `"holderId":42`), "payload.holderId", "munin: event: payload.holderId: want a string, got number"},
		{"array conversationId", evtReplace(`"conversationId":"`+evtConv+`"`, `"conversationId":["`+evtConv+`"]`), "payload.conversationId", "munin: event: payload.conversationId: want a string, got array"},
		{"bad expiresAt", evtReplace(`"expiresAt":"`+evtExpires+`"`, `"expiresAt":"in half an hour"`), "payload.expiresAt", `munin: event: payload.expiresAt: "in half an hour" is not an RFC 3339 time`},
		{"numeric expiresAt", evtReplace(`"expiresAt":"`+evtExpires+`"`, `"expiresAt":1800`), "payload.expiresAt", "munin: event: payload.expiresAt: want an RFC 3339 time string, got number"},
		{"string internal", func(string) string {
			return evtDelivery(munin.TypeMessageSent, "evt_1", `{"internal":"false","messageId":"`+evtMsg+`"}`)
		}, "payload.internal", "munin: event: payload.internal: want a boolean, got string"},
		{"fractional displayId", func(string) string {
			return evtDelivery(munin.TypeConversationCreated, "evt_1", `{"displayId":1.5}`)
		}, "payload.displayId", "munin: event: payload.displayId: number is not a 64-bit integer"},
		{"displayId with exponent", func(string) string {
			return evtDelivery(munin.TypeConversationCreated, "evt_1", `{"displayId":1e3}`)
		}, "payload.displayId", "munin: event: payload.displayId: number is not a 64-bit integer"},
		{"huge displayId", func(string) string {
			return evtDelivery(munin.TypeConversationCreated, "evt_1", `{"displayId":9223372036854775808}`)
		}, "payload.displayId", "munin: event: payload.displayId: number is not a 64-bit integer"},
		{"string displayId", func(string) string {
			return evtDelivery(munin.TypeConversationCreated, "evt_1", `{"displayId":"1042"}`)
		}, "payload.displayId", "munin: event: payload.displayId: want an integer, got string"},
		{"string attempts", func(string) string {
			return evtDelivery(munin.TypeMessageDeliveryFailed, "evt_1", `{"attempts":"5"}`)
		}, "payload.attempts", "munin: event: payload.attempts: want an integer, got string"},
		{"numeric agentMode", func(string) string {
			return evtDelivery(munin.TypeAgentModeChanged, "evt_1", `{"agentMode":0}`)
		}, "payload.agentMode", "munin: event: payload.agentMode: want a string, got number"},
		{"bad JSON inside payload", evtReplace(`"holderType":"user"`, `"holderType":"user" "x"`), "", "munin: event: invalid JSON: …"},
		{"bad JSON in a payload value", evtReplace(`"holderType":"user"`, `"holderType":tru`), "", "munin: event: invalid JSON: …"},
		{"bad escape", evtReplace(`"holderType":"user"`, `"holderType":"us\er"`), "", "munin: event: invalid JSON: …"},
		{"short unicode escape", evtReplace(`"holderType":"user"`, `"holderType":"\u12"`), "", "munin: event: invalid JSON: …"},
		{"control character", evtReplace(`"holderType":"user"`, "\"holderType\":\"us\ner\""), "", "munin: event: invalid JSON: …"},
		{"leading zero", evtReplace(`"holderType":"user"`, `"n":01`), "", "munin: event: invalid JSON: …"},
		{"lone minus", evtReplace(`"holderType":"user"`, `"n":-`), "", "munin: event: invalid JSON: …"},
		{"bare decimal point", evtReplace(`"holderType":"user"`, `"n":1.`), "", "munin: event: invalid JSON: …"},
		{"empty exponent", evtReplace(`"holderType":"user"`, `"n":1e+`), "", "munin: event: invalid JSON: …"},
		{"single quotes", evtReplace(`"holderType":"user"`, `'holderType':'user'`), "", "munin: event: invalid JSON: …"},
		{"missing colon", evtReplace(`"holderType":"user"`, `"holderType" "user"`), "", "munin: event: invalid JSON: …"},
		{"unclosed array in an unknown field", evtReplace(`"holderType":"user"`, `"list":[1,2`), "", "munin: event: invalid JSON: …"},
		{"array missing comma", evtReplace(`"holderType":"user"`, `"list":[1 2]`), "", "munin: event: invalid JSON: …"},
		{"too deep", evtReplace(`"holderType":"user"`, `"deep":`+strings.Repeat("[", 10001)+strings.Repeat("]", 10001)), "", "munin: event: invalid JSON: nested too deeply"},
		{"bad JSON in an unknown envelope field", evtReplace(`"orgId"`, `"x":nul,"orgId"`), "", "munin: event: invalid JSON: …"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			body := tc.mutate(evtBase)
			ev, err := munin.ParseEvent([]byte(body))
			require.Error(t, err)
			assert.Nil(t, ev)
			assert.ErrorIs(t, err, munin.ErrInvalidEvent)
			var evErr *munin.EventError
			require.True(t, errors.As(err, &evErr))
			assert.Equal(t, tc.field, evErr.Field)
			if prefix, cut := strings.CutSuffix(tc.msg, "…"); cut {
				assert.True(t, strings.HasPrefix(err.Error(), prefix), "error %q does not start with %q", err, prefix)
			} else {
				assert.Equal(t, tc.msg, err.Error())
			}
			assert.NotContains(t, err.Error(), "\n", "one line")
			if !json.Valid([]byte(body)) {
				assert.Contains(t, err.Error(), "invalid JSON", "encoding/json refuses it too")
			}
		})
	}
}

func TestParseEventDepthLimitMatchesEncodingJSON(t *testing.T) {
	// encoding/json accepts 10000 levels of nesting and refuses 10001; so
	// does ParseEvent, counting the envelope as one.
	for _, depth := range []int{9999, 10000} {
		body := `{"type":"x.y","createdAt":"` + evtCreated + `","payload":` +
			strings.Repeat("[", depth-1) + strings.Repeat("]", depth-1) + `}`
		_, err := munin.ParseEvent([]byte(body))
		assert.Equal(t, json.Valid([]byte(body)), err == nil, "depth %d: %v", depth, err)
	}
}

func TestParseEventDoesNotRetainInput(t *testing.T) {
	body := []byte(evtDelivery(munin.TypeMessageSent, "evt_1", `{"messageId":"`+evtMsg+`","conversationId":"`+evtConv+`"}`))
	ev, err := munin.ParseEvent(body)
	require.NoError(t, err)
	for i := range body {
		body[i] = 'x'
	}
	sent := ev.(*munin.MessageSentEvent)
	assert.Equal(t, evtMsg, sent.MessageID)
	assert.JSONEq(t, `{"messageId":"`+evtMsg+`","conversationId":"`+evtConv+`"}`, string(sent.Payload))
}

// withoutPayload returns a copy of ev's value with Envelope.Payload cleared,
// for comparing events whose payload bytes were re-encoded.
func withoutPayload(ev munin.Event) any {
	v := reflect.New(reflect.TypeOf(ev).Elem())
	v.Elem().Set(reflect.ValueOf(ev).Elem())
	v.Interface().(munin.Event).EventEnvelope().Payload = nil
	return v.Interface()
}

func TestEventJSONRoundTrip(t *testing.T) {
	for i, tc := range evtDocCases {
		t.Run(tc.name, func(t *testing.T) {
			ev, err := munin.ParseEvent([]byte(evtDelivery(tc.typ, evtID(i), tc.payload)))
			require.NoError(t, err)

			// Pointer and value marshal the same: the whole delivery.
			b, err := json.Marshal(ev)
			require.NoError(t, err)
			bv, err := json.Marshal(reflect.ValueOf(ev).Elem().Interface())
			require.NoError(t, err)
			assert.Equal(t, string(b), string(bv))
			assert.True(t, strings.HasPrefix(string(b), `{"type":"`+tc.typ+`","id":"`+evtID(i)+`","orgId":"`+evtOrg+`","correlationId":"`+evtCorr+`","createdAt":"2026-07-02T10:00:00.123Z","payload":{`), string(b))

			back, err := munin.ParseEvent(b)
			require.NoError(t, err)
			assert.Equal(t, withoutPayload(ev), withoutPayload(back))

			// json.Unmarshal into the concrete type reads it back too.
			into := reflect.New(reflect.TypeOf(ev).Elem()).Interface()
			require.NoError(t, json.Unmarshal(b, into))
			assert.Equal(t, withoutPayload(ev), withoutPayload(into.(munin.Event)))

			// ... and refuses a delivery of another type.
			other := evtDelivery("crm.contact.created", "evt_2", `{}`)
			if tc.typ == munin.TypeMessageSent {
				other = evtDelivery(munin.TypeMessageReceived, "evt_2", `{}`)
			}
			err = json.Unmarshal([]byte(other), reflect.New(reflect.TypeOf(ev).Elem()).Interface())
			var evErr *munin.EventError
			require.True(t, errors.As(err, &evErr), "%v", err)
			assert.Equal(t, "type", evErr.Field)
		})
	}
}

// TestEventJSONRoundTripAllFields fills every payload field of every event
// type with a distinct value, so that a field the decoder does not know
// under its JSON name (or knows under another) shows up.
func TestEventJSONRoundTripAllFields(t *testing.T) {
	for goType, typ := range evtGoTypes {
		t.Run(typ, func(t *testing.T) {
			v := reflect.New(goType.Elem())
			env := v.Interface().(munin.Event).EventEnvelope()
			*env = munin.Envelope{Type: typ, ID: "evt_1", OrgID: evtOrg, CreatedAt: evtCreatedAt}
			st := v.Elem()
			for i := range st.NumField() {
				f := st.Field(i)
				switch p := f.Addr().Interface().(type) {
				case *munin.Envelope:
				case *string:
					*p = fmt.Sprintf("value-%d-ü\"\\", i)
				case *munin.AgentMode:
					*p = munin.AgentMode(fmt.Sprintf("mode-%d", i))
				case *bool:
					*p = true
				case *int:
					*p = -100 - i
				case *int64:
					*p = 1<<40 + int64(i)
				case *time.Time:
					*p = evtCreatedAt.Add(time.Duration(i) * time.Hour).Add(456 * time.Nanosecond)
				default:
					t.Fatalf("field %s has a type the test does not fill: %T", st.Type().Field(i).Name, p)
				}
			}
			b, err := json.Marshal(v.Interface())
			require.NoError(t, err)
			back, err := munin.ParseEvent(b)
			require.NoError(t, err)
			assert.Equal(t, withoutPayload(v.Interface().(munin.Event)), withoutPayload(back))
		})
	}
}

func TestUnknownEventJSON(t *testing.T) {
	body := evtDelivery("curator_job.pending", "evt_9", `{"jobId":"cjb_1"}`)
	ev, err := munin.ParseEvent([]byte(body))
	require.NoError(t, err)
	b, err := json.Marshal(ev)
	require.NoError(t, err)
	assert.Equal(t, body, string(b), "written as received")

	var back munin.UnknownEvent
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, ev, &back)

	// Built by hand, without Raw: written from the envelope.
	made := munin.UnknownEvent{Envelope: munin.Envelope{Type: "api_key.minted", ID: "evt_3", CreatedAt: evtCreatedAt}}
	b, err = json.Marshal(made)
	require.NoError(t, err)
	assert.Equal(t, `{"type":"api_key.minted","id":"evt_3","orgId":"","correlationId":null,"createdAt":"2026-07-02T10:00:00.123Z","payload":null}`, string(b))
}

func TestEventErrorIs(t *testing.T) {
	err := error(&munin.EventError{Field: "createdAt", Reason: "missing"})
	assert.Equal(t, "munin: event: createdAt: missing", err.Error())
	assert.ErrorIs(t, err, munin.ErrInvalidEvent)
	assert.NotErrorIs(t, err, errors.New("munin: invalid event"))
}
