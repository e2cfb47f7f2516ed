package munin

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// These tests decode each type from JSON shaped as the reference shows it,
// encode it again, and decode that: every non-zero value of the document
// must come back unchanged (a time may lose zero milliseconds, an empty
// object or list may be left out), and a second round trip must give the
// same JSON. A field whose tag is wrong loses its value on the way and
// fails the test. Types that never travel as JSON (Push, the options,
// PushResult: no JSON tags) have nothing to round-trip; the request tests
// check what they become on the wire.

// roundTrip decodes doc into a T, re-encodes it, decodes that, checks that
// doc's values survived and that the encoding is stable, and returns the
// first decode.
func roundTrip[T any](t *testing.T, doc string) T {
	t.Helper()
	var compact bytes.Buffer
	require.NoError(t, json.Compact(&compact, []byte(doc)))
	var first T
	require.NoError(t, json.Unmarshal(compact.Bytes(), &first), "decode %T", first)
	encoded, err := json.Marshal(first)
	require.NoError(t, err)
	var second T
	require.NoError(t, json.Unmarshal(encoded, &second), "decode %s", encoded)
	again, err := json.Marshal(second)
	require.NoError(t, err)
	assert.JSONEq(t, string(encoded), string(again), "%T is not stable", first)
	assertSurvived(t, fmt.Sprintf("%T", first), decodeAny(t, doc), decodeAny(t, string(encoded)))
	return first
}

func decodeAny(t *testing.T, doc string) any {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal([]byte(doc), &v))
	return v
}

// assertSurvived checks that each non-zero value of want is in got, the
// same, in objects and arrays alike. Zero values may be left out
// (omitempty); times are compared as instants.
func assertSurvived(t *testing.T, path string, want, got any) {
	t.Helper()
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !assert.True(t, ok, "%s: not an object after the round trip", path) {
			return
		}
		for k, v := range w {
			if isZeroJSON(v) {
				continue
			}
			gv, ok := g[k]
			if assert.True(t, ok, "%s.%s was dropped", path, k) {
				assertSurvived(t, path+"."+k, v, gv)
			}
		}
	case []any:
		g, ok := got.([]any)
		if assert.True(t, ok, "%s: not an array after the round trip", path) && assert.Len(t, g, len(w), path) {
			for i := range w {
				assertSurvived(t, fmt.Sprintf("%s[%d]", path, i), w[i], g[i])
			}
		}
	case string:
		if wt, err := time.Parse(time.RFC3339Nano, w); err == nil {
			gs, _ := got.(string)
			gt, err := time.Parse(time.RFC3339Nano, gs)
			if assert.NoError(t, err, "%s: %q is no longer a time", path, got) {
				assert.True(t, wt.Equal(gt), "%s: %s became %s", path, w, gs)
			}
			return
		}
		assert.Equal(t, want, got, path)
	default:
		assert.Equal(t, want, got, path)
	}
}

// isZeroJSON reports a decoded JSON value that omitempty may leave out.
func isZeroJSON(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case bool:
		return !x
	case float64:
		return x == 0
	case string:
		return x == ""
	case map[string]any:
		return len(x) == 0
	case []any:
		return len(x) == 0
	}
	return false
}

func TestRoundTripConversationTypes(t *testing.T) {
	t.Parallel()
	conv := roundTrip[Conversation](t, conversationSummary)
	assert.Equal(t, AgentModeOff, conv.AgentMode)
	require.NotNil(t, conv.NeedsHumanAttentionAt)

	listed := roundTrip[Conversation](t, `{"id":"ccv_2","displayId":7,"status":"snoozed","channelId":"cch_1",
		"channelType":"chat","endUserId":"eu_1","contactId":"ctc_1","topicId":"top_1","assigneeUserId":"Qm9iQm9i",
		"subject":"Refund","lastMessageAt":"2026-08-21T10:01:00.000Z","lastInboundPreview":"Where is my order?",
		"needsHumanAttention":false,"needsHumanAttentionAt":null,"handoverResolvedAt":"2026-08-21T11:00:00.000Z",
		"agentMode":"draft_only","outreachCampaignId":"ocp_1","voiceActive":true,
		"updatedAt":"2026-08-21T11:00:00.000Z","createdAt":"2026-08-21T10:00:00.000Z"}`)
	assert.True(t, listed.VoiceActive)
	assert.Equal(t, "Where is my order?", listed.LastInboundPreview)

	detail := roundTrip[ConversationDetail](t, conversationDetail)
	assert.Len(t, detail.Messages, 3)
	require.NotNil(t, detail.Claim)
	noClaim := roundTrip[ConversationDetail](t, strings.Replace(conversationDetail, `"claim": {"holderType": "user", "holderId": "Qm9iQm9iQm9iQm9iQm9iQm9iQm9iQm9i", "expiresAt": "2026-08-21T10:31:00.000Z"}`, `"claim": null`, 1))
	assert.Nil(t, noClaim.Claim)

	roundTrip[Claim](t, `{"holderType":"user","holderId":"Qm9iQm9iQm9iQm9iQm9iQm9iQm9iQm9i","expiresAt":"2026-08-21T10:31:00.000Z"}`)
	msg := roundTrip[Message](t, messageDto)
	assert.Equal(t, "akey_0000000000000000000001", msg.AuthorID)
	roundTrip[Message](t, `{"id":"cvm_1","conversationId":"ccv_1","authorType":"end_user","authorId":"ctc_1",
		"authorName":"Vita","body":"hi","internal":false,"inReplyToId":"cvm_0","attachments":[{"url":"https://f.example/a.png"}],
		"metadata":{"sessionId":"s1","providerMessageId":"s1:a","url":"https://shop.example","inReplyTo":"x","providerThreadId":"t"},
		"createdAt":"2026-08-21T10:00:00.000Z","seenAt":"2026-08-21T10:00:01.000Z","firstOpenedAt":"2026-08-21T10:00:02.000Z",
		"lastOpenedAt":"2026-08-21T10:00:03.000Z","openCount":2}`)

	var mode AgentMode
	require.NoError(t, json.Unmarshal([]byte(`"draft_only"`), &mode))
	assert.Equal(t, AgentModeDraftOnly, mode)

	roundTrip[SendMessageRequest](t, `{"body":"Hi","internal":true,"inReplyToId":"cvm_1","preserveAttention":true,
		"sinceMessageId":"cvm_2","components":[{"type":"button","label":"Track"}]}`)
	roundTrip[HandoverRequest](t, `{"reason":"refund","publicFallbackMessage":"A colleague will reply."}`)
	status := roundTrip[StatusRequest](t, `{"status":"snoozed","snoozeUntil":"2026-08-22T07:00:00.000Z"}`)
	require.NotNil(t, status.SnoozeUntil)
}

func TestRoundTripChannelTypes(t *testing.T) {
	t.Parallel()
	ch := roundTrip[WidgetChannel](t, widgetChannel)
	assert.Contains(t, ch.Config.Extra, "theme")
	roundTrip[WidgetChannelConfig](t, `{"provider":"widget","originAllowlist":["https://a.example"],"requireVerifiedIdentity":true,
		"hasIdentityVerificationSecret":true,"webhookOnEscalation":"https://h.example","newSetting":[1,2]}`)
	roundTrip[CreateWidgetRequest](t, `{"name":"storefront-bot","originAllowlist":["https://customer.example"],
		"webhookOnEscalation":"https://bot.example/escalate","requireVerifiedIdentity":true}`)
	// WebhookOnEscalation is not a JSON field: the SDK writes it as a
	// string, or null to clear it, which a *string cannot say.
	roundTrip[UpdateWidgetRequest](t, `{"originAllowlist":["https://a.example"],"requireVerifiedIdentity":false}`)
	roundTrip[Webhook](t, webhookDto)
	roundTrip[CreateWebhookRequest](t, `{"url":"https://bot.example/hook","events":["conversation.created"],"active":false}`)
	roundTrip[UpdateWebhookRequest](t, `{"url":"https://bot.example/v2","events":[],"active":true}`)
	d := roundTrip[Delivery](t, delivery)
	assert.Equal(t, 2, d.Attempt)
	roundTrip[Delivery](t, `{"id":"whd_2","webhookId":"whk_1","eventId":"evt_2","attempt":1,"statusCode":200,"durationMs":12,
		"error":null,"deliveredAt":"2026-08-21T10:00:01.000Z","nextAttemptAt":null,"createdAt":"2026-08-21T10:00:00.000Z","status":"delivered"}`)
	roundTrip[EventTypes](t, eventTypes)
}

// TestRoundTripSecrets: the types with one-time secrets decode them, and
// encode them as [REDACTED] by design; everything else round-trips.
func TestRoundTripSecrets(t *testing.T) {
	t.Parallel()

	var created CreatedWidget
	require.NoError(t, json.Unmarshal([]byte(createdWidget), &created))
	assert.Equal(t, testWidgetKeyIssued, created.WidgetKey.Value())
	assert.Equal(t, testIdentitySecret, created.IdentityVerificationSecret.Value())
	encoded, err := json.Marshal(created)
	require.NoError(t, err)
	assert.NotContains(t, string(encoded), testWidgetKeyIssued)
	assert.NotContains(t, string(encoded), testIdentitySecret)
	assert.Contains(t, string(encoded), `"widgetKey":"[REDACTED]"`)
	assert.Contains(t, string(encoded), `"identityVerificationSecret":"[REDACTED]"`)
	var back CreatedWidget
	require.NoError(t, json.Unmarshal(encoded, &back))
	assert.Equal(t, "[REDACTED]", back.WidgetKey.Value())
	created.WidgetKey, created.IdentityVerificationSecret = Secret{}, Secret{}
	back.WidgetKey, back.IdentityVerificationSecret = Secret{}, Secret{}
	assert.Equal(t, created, back)

	var hook WebhookWithSecret
	require.NoError(t, json.Unmarshal([]byte(webhookWithSecret), &hook))
	assert.Equal(t, testWebhookSecret, hook.Secret.Value())
	encoded, err = json.Marshal(hook)
	require.NoError(t, err)
	assert.NotContains(t, string(encoded), testWebhookSecret)
	assert.Contains(t, string(encoded), `"secret":"[REDACTED]"`)
	var hookBack WebhookWithSecret
	require.NoError(t, json.Unmarshal(encoded, &hookBack))
	hook.Secret, hookBack.Secret = Secret{}, Secret{}
	assert.Equal(t, hook, hookBack)
}

func TestRoundTripWidgetTypes(t *testing.T) {
	t.Parallel()
	page := roundTrip[FeedPage](t, feedPage)
	assert.Len(t, page.Messages, 2)
	roundTrip[FeedPage](t, `{"messages":[],"hasMore":false,"cursor":null,"conversation":null}`)
	roundTrip[FeedMessage](t, `{"id":"cvm_3","role":"system","authorKind":null,"authorName":null,"body":"closed",
		"bodyHtml":null,"at":"2026-08-21T10:00:00.000Z","readAt":null}`)
	roundTrip[FeedConversation](t, `{"id":"ccv_1","subject":"Order","status":"open","handedOver":true,
		"assigneeName":"Ada","contactEmail":"vita@example.com"}`)
	roundTrip[VisitorResult](t, `{"contactId":"ctc_1","email":"vita@example.com","name":"Vita"}`)
	roundTrip[IdentifyResult](t, `{"endUserId":"eu_1","contactId":"ctc_1"}`)
	roundTrip[IdentifyResult](t, `{"endUserId":"eu_1","contactId":null}`)
}
