package munin

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// These tests call each service method through a Client built WithMCP
// against the in-process MCP server, and check the tool name and arguments
// Munin receives (munin-api-reference.md §5) and the typed result.

// Answers shaped as §4 and §2.5 describe them.
const (
	mcpConversationJSON = `{"id":"ccv_0123456789abcdefghijkl","displayId":42,"status":"open",
		"channelId":"cch_0123456789abcdefghijkl","endUserId":"eu_0123456789abcdefghijkl",
		"contactId":"ctc_0123456789abcdefghijkl","topicId":null,"assigneeUserId":null,"subject":"Order 1234",
		"lastMessageAt":"2026-08-21T10:00:00.000Z","needsHumanAttention":false,"needsHumanAttentionAt":null,
		"handoverResolvedAt":null,"agentMode":"off","outreachCampaignId":null,"voiceActive":false,
		"updatedAt":"2026-08-21T10:00:00.000Z","createdAt":"2026-08-21T09:00:00.000Z"}`
	mcpMessageJSON = `{"id":"cvm_0123456789abcdefghijkl","conversationId":"ccv_0123456789abcdefghijkl",
		"authorType":"agent","authorId":"akey_0123456789abcdefghijk","authorName":null,"body":"Hello!",
		"internal":false,"inReplyToId":null,"attachments":[],"metadata":{},"createdAt":"2026-08-21T10:01:00.000Z",
		"seenAt":null,"firstOpenedAt":null,"lastOpenedAt":null,"openCount":0}`
	mcpChannelJSON = `{"id":"cch_0123456789abcdefghijkl","name":"Shop","type":"chat","active":true,
		"config":{"provider":"widget","originAllowlist":["https://shop.example"],"requireVerifiedIdentity":false,
		"hasIdentityVerificationSecret":true}}`
	mcpWebhookJSON = `{"id":"whk_0123456789abcdefghijkl","url":"https://bot.example/munin","events":["conversation.message.sent"],
		"active":true,"createdAt":"2026-08-21T09:00:00.000Z","updatedAt":"2026-08-21T09:00:00.000Z"}`
)

const (
	mcpConvID    = "ccv_0123456789abcdefghijkl"
	mcpChannelID = "cch_0123456789abcdefghijkl"
	mcpWebhookID = "whk_0123456789abcdefghijkl"
)

// withFields returns object JSON a with the fields of object JSON b added.
func withFields(t *testing.T, a, b string) json.RawMessage {
	t.Helper()
	var m, extra map[string]any
	require.NoError(t, json.Unmarshal([]byte(a), &m))
	require.NoError(t, json.Unmarshal([]byte(b), &extra))
	for k, v := range extra {
		m[k] = v
	}
	out, err := json.Marshal(m)
	require.NoError(t, err)
	return out
}

// assertToolCall checks that the server received exactly one call, to
// tool, with arguments equal to wantArgs (JSON).
func assertToolCall(t *testing.T, srv *mcpTestServer, tool, wantArgs string) {
	t.Helper()
	calls := srv.Calls()
	require.Len(t, calls, 1)
	assert.Equal(t, tool, calls[0].Tool)
	got, err := json.Marshal(calls[0].Args)
	require.NoError(t, err)
	assert.JSONEq(t, wantArgs, string(got))
}

func TestMCPConversationsGet(t *testing.T) {
	t.Parallel()
	srv := newMCPTestServer(t)
	// The tool has no claim (§5); were one sent, it must not be trusted.
	srv.respond("conv_get_conversation", withFields(t, mcpConversationJSON, `{
		"messages":[`+mcpMessageJSON+`],"assistantName":"Munin","endUserLocale":"de","contactEmail":"ada@example.com",
		"contactName":"Ada","contactPhone":null,"claim":{"holderType":"user","holderId":"u1","expiresAt":"2026-08-21T10:30:00.000Z"}}`))
	c := srv.client()

	got, err := c.Conversations.Get(t.Context(), mcpConvID)
	require.NoError(t, err)
	assertToolCall(t, srv, "conv_get_conversation", `{"id":"`+mcpConvID+`"}`)
	assert.Equal(t, mcpConvID, got.ID)
	assert.Equal(t, int64(42), got.DisplayID)
	assert.Equal(t, AgentModeOff, got.AgentMode)
	assert.Equal(t, "ada@example.com", got.ContactEmail)
	require.Len(t, got.Messages, 1)
	assert.Equal(t, "Hello!", got.Messages[0].Body)
	assert.Equal(t, AuthorAgent, got.Messages[0].AuthorType)
	assert.True(t, got.ClaimUnknown, "MCP does not report the claim")
	assert.Nil(t, got.Claim)
}

func TestMCPConversationsGetNotFound(t *testing.T) {
	t.Parallel()
	srv := newMCPTestServer(t)
	srv.fail("conv_get_conversation", "conv_not_found: conversation "+mcpConvID)
	c := srv.client()

	got, err := c.Conversations.Get(t.Context(), mcpConvID)
	assert.Nil(t, got)
	assert.ErrorIs(t, err, ErrConversationNotFound)
	assert.ErrorIs(t, err, ErrNotFound)
}

func TestMCPConversationsList(t *testing.T) {
	t.Parallel()
	srv := newMCPTestServer(t)
	srv.respond("conv_list_conversations", json.RawMessage(`[`+mcpConversationJSON+`,`+
		string(withFields(t, mcpConversationJSON, `{"id":"ccv_1","lastInboundPreview":"Where is my order?"}`))+`]`))
	c := srv.client()

	var got []Conversation
	for conv, err := range c.Conversations.List(t.Context(), ListConversationsOptions{
		Status: StatusOpen, AssigneeUserID: "u1", TopicID: "top_1", Limit: 200,
	}) {
		require.NoError(t, err)
		got = append(got, conv)
	}
	assertToolCall(t, srv, "conv_list_conversations",
		`{"status":"open","assigneeUserId":"u1","topicId":"top_1","limit":200}`)
	require.Len(t, got, 2)
	assert.Equal(t, mcpConvID, got[0].ID)
	assert.Equal(t, "Where is my order?", got[1].LastInboundPreview)
}

func TestMCPConversationsListError(t *testing.T) {
	t.Parallel()
	srv := newMCPTestServer(t)
	srv.fail("conv_list_conversations", "Missing required scope: conv:read")
	c := srv.client()

	n := 0
	for _, err := range c.Conversations.List(t.Context(), ListConversationsOptions{}) {
		n++
		assert.ErrorIs(t, err, ErrScopeMissing)
		assert.ErrorIs(t, err, ErrForbidden)
	}
	assert.Equal(t, 1, n, "the error is yielded once")
	assertToolCall(t, srv, "conv_list_conversations", `{}`)
}

func TestMCPConversationsSendMessage(t *testing.T) {
	t.Parallel()
	srv := newMCPTestServer(t)
	srv.respond("conv_send_message", json.RawMessage(mcpMessageJSON))
	c := srv.client()

	got, err := c.Conversations.SendMessage(t.Context(), mcpConvID, SendMessageRequest{
		Body: "Hello!", Internal: true, InReplyToID: "cvm_1",
	})
	require.NoError(t, err)
	assertToolCall(t, srv, "conv_send_message",
		`{"conversationId":"`+mcpConvID+`","body":"Hello!","internal":true,"inReplyToId":"cvm_1"}`)
	assert.Equal(t, "cvm_0123456789abcdefghijkl", got.ID)
	assert.Equal(t, AuthorAgent, got.AuthorType)
	assert.Equal(t, time.Date(2026, 8, 21, 10, 1, 0, 0, time.UTC), got.CreatedAt.UTC())
}

func TestMCPConversationsSendMessageHandoverActive(t *testing.T) {
	t.Parallel()
	srv := newMCPTestServer(t)
	srv.fail("conv_send_message", "handover_active: a human holds conversation "+mcpConvID)
	c := srv.client()

	got, err := c.Conversations.SendMessage(t.Context(), mcpConvID, SendMessageRequest{Body: "Hello!"})
	assert.Nil(t, got)
	// The same branches as over REST (§4: 409 handover_active).
	assert.ErrorIs(t, err, ErrHandoverActive)
	assert.ErrorIs(t, err, ErrConflict)
	assertToolCall(t, srv, "conv_send_message", `{"conversationId":"`+mcpConvID+`","body":"Hello!"}`)
}

func TestMCPConversationsRequestHandover(t *testing.T) {
	t.Parallel()
	srv := newMCPTestServer(t)
	srv.respond("conv_request_handover", withFields(t, mcpConversationJSON, `{"needsHumanAttention":true,"needsHumanAttentionAt":"2026-08-21T10:02:00.000Z"}`))
	c := srv.client()

	got, err := c.Conversations.RequestHandover(t.Context(), mcpConvID, HandoverRequest{
		Reason: "visitor asked for a human", PublicFallbackMessage: "A colleague will answer shortly.",
	})
	require.NoError(t, err)
	assertToolCall(t, srv, "conv_request_handover", `{"conversationId":"`+mcpConvID+`",
		"reason":"visitor asked for a human","publicFallbackMessage":"A colleague will answer shortly."}`)
	assert.True(t, got.NeedsHumanAttention)
	require.NotNil(t, got.NeedsHumanAttentionAt)
}

func TestMCPConversationsAssign(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, assignee, wantArgs string
	}{
		{"assign", "Xy7AbCdEfGhIjKlMnOpQrStUvWxYz012", `{"id":"` + mcpConvID + `","assigneeUserId":"Xy7AbCdEfGhIjKlMnOpQrStUvWxYz012"}`},
		{"unassign sends null", "", `{"id":"` + mcpConvID + `","assigneeUserId":null}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newMCPTestServer(t)
			srv.respond("conv_assign_conversation", withFields(t, mcpConversationJSON, `{"assigneeUserId":"Xy7AbCdEfGhIjKlMnOpQrStUvWxYz012"}`))
			c := srv.client()

			got, err := c.Conversations.Assign(t.Context(), mcpConvID, tt.assignee)
			require.NoError(t, err)
			assertToolCall(t, srv, "conv_assign_conversation", tt.wantArgs)
			assert.Equal(t, "Xy7AbCdEfGhIjKlMnOpQrStUvWxYz012", got.AssigneeUserID)
		})
	}
}

func TestMCPConversationsSetStatus(t *testing.T) {
	t.Parallel()
	srv := newMCPTestServer(t)
	srv.respond("conv_change_status", withFields(t, mcpConversationJSON, `{"status":"snoozed"}`))
	c := srv.client()

	// A local time: Munin wants Z (§1), so the SDK converts it.
	until := time.Date(2026, 8, 22, 11, 0, 0, 0, time.FixedZone("CEST", 2*3600))
	got, err := c.Conversations.SetStatus(t.Context(), mcpConvID, StatusRequest{Status: StatusSnoozed, SnoozeUntil: &until})
	require.NoError(t, err)
	assertToolCall(t, srv, "conv_change_status",
		`{"id":"`+mcpConvID+`","status":"snoozed","snoozeUntil":"2026-08-22T09:00:00.000Z"}`)
	assert.Equal(t, StatusSnoozed, got.Status)
}

func TestMCPChannelsCreateWidget(t *testing.T) {
	t.Parallel()
	srv := newMCPTestServer(t)
	srv.respond("conv_create_widget_channel", withFields(t, mcpChannelJSON,
		`{"widgetKey":"mn_widget_NewKeyNewKeyNewKeyNewKeyNewKeyNewKeyNewKeyN","identityVerificationSecret":"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2Vj"}`))
	c := srv.client()

	got, err := c.Channels.CreateWidget(t.Context(), CreateWidgetRequest{
		Name: "Shop", OriginAllowlist: []string{"https://shop.example"}, RequireVerifiedIdentity: true,
	})
	require.NoError(t, err)
	assertToolCall(t, srv, "conv_create_widget_channel",
		`{"name":"Shop","originAllowlist":["https://shop.example"],"requireVerifiedIdentity":true}`)
	assert.Equal(t, mcpChannelID, got.ID)
	assert.Equal(t, []string{"https://shop.example"}, got.Config.OriginAllowlist)
	assert.Equal(t, "mn_widget_NewKeyNewKeyNewKeyNewKeyNewKeyNewKeyNewKeyN", got.WidgetKey.Value())
	assert.Equal(t, "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2Vj", got.IdentityVerificationSecret.Value())
}

func TestMCPChannelsUpdateWidget(t *testing.T) {
	t.Parallel()
	srv := newMCPTestServer(t)
	srv.respond("conv_update_widget_channel", json.RawMessage(mcpChannelJSON))
	c := srv.client()

	none, off := "", false
	got, err := c.Channels.UpdateWidget(t.Context(), mcpChannelID, UpdateWidgetRequest{
		OriginAllowlist: []string{"https://shop.example", "https://www.shop.example"}, WebhookOnEscalation: &none,
		RequireVerifiedIdentity: &off,
	})
	require.NoError(t, err)
	assertToolCall(t, srv, "conv_update_widget_channel", `{"channelId":"`+mcpChannelID+`",
		"originAllowlist":["https://shop.example","https://www.shop.example"],"webhookOnEscalation":null,
		"requireVerifiedIdentity":false}`)
	assert.Equal(t, "Shop", got.Name)
	assert.True(t, got.Config.HasIdentityVerificationSecret)
}

func TestMCPChannelsRotateKey(t *testing.T) {
	t.Parallel()
	srv := newMCPTestServer(t)
	srv.respond("conv_rotate_widget_key", map[string]any{"widgetKey": "mn_widget_RotatedRotatedRotatedRotatedRotatedRotated"})
	c := srv.client()

	key, err := c.Channels.RotateKey(t.Context(), mcpChannelID)
	require.NoError(t, err)
	assertToolCall(t, srv, "conv_rotate_widget_key", `{"channelId":"`+mcpChannelID+`"}`)
	assert.Equal(t, "mn_widget_RotatedRotatedRotatedRotatedRotatedRotated", key.Value())
}

func TestMCPChannelsRotateIdentitySecret(t *testing.T) {
	t.Parallel()
	srv := newMCPTestServer(t)
	srv.respond("conv_rotate_widget_identity_secret", map[string]any{
		"channelId": mcpChannelID, "identityVerificationSecret": "TmV3SWRlbnRpdHlTZWNyZXROZXdJZGVudGl0eVNlY3I",
	})
	c := srv.client()

	secret, err := c.Channels.RotateIdentitySecret(t.Context(), mcpChannelID)
	require.NoError(t, err)
	assertToolCall(t, srv, "conv_rotate_widget_identity_secret", `{"channelId":"`+mcpChannelID+`"}`)
	assert.Equal(t, "TmV3SWRlbnRpdHlTZWNyZXROZXdJZGVudGl0eVNlY3I", secret.Value())
}

func TestMCPWebhooksCreate(t *testing.T) {
	t.Parallel()
	srv := newMCPTestServer(t)
	srv.respond("webhooks_create", withFields(t, mcpWebhookJSON, `{"secret":"whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}`))
	c := srv.client()

	active := true
	got, err := c.Webhooks.Create(t.Context(), CreateWebhookRequest{
		URL: "https://bot.example/munin", Events: []string{"conversation.message.sent"}, Active: &active,
	})
	require.NoError(t, err)
	assertToolCall(t, srv, "webhooks_create",
		`{"url":"https://bot.example/munin","events":["conversation.message.sent"],"active":true}`)
	assert.Equal(t, mcpWebhookID, got.ID)
	assert.Equal(t, "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", got.Secret.Value())
}

func TestMCPWebhooksCreateTooManyEvents(t *testing.T) {
	t.Parallel()
	srv := newMCPTestServer(t)
	c := srv.client()
	events := make([]string, 65)
	for i := range events {
		events[i] = "conversation.message.sent"
	}
	_, err := c.Webhooks.Create(t.Context(), CreateWebhookRequest{URL: "https://bot.example/munin", Events: events})
	assert.ErrorIs(t, err, ErrValidation, "§5: create allows at most 64 events")
	assert.Empty(t, srv.Requests())
}

func TestMCPWebhooksList(t *testing.T) {
	t.Parallel()
	srv := newMCPTestServer(t)
	srv.respond("webhooks_list", json.RawMessage(`[`+mcpWebhookJSON+`]`))
	c := srv.client()

	got, err := c.Webhooks.List(t.Context())
	require.NoError(t, err)
	assertToolCall(t, srv, "webhooks_list", `{}`)
	require.Len(t, got, 1)
	assert.Equal(t, []string{"conversation.message.sent"}, got[0].Events)
}

func TestMCPWebhooksUpdate(t *testing.T) {
	t.Parallel()
	srv := newMCPTestServer(t)
	srv.respond("webhooks_update", withFields(t, mcpWebhookJSON, `{"active":false,"events":[]}`))
	c := srv.client()

	newURL, events, active := "https://bot.example/v2", []string{}, false
	got, err := c.Webhooks.Update(t.Context(), mcpWebhookID, UpdateWebhookRequest{URL: &newURL, Events: &events, Active: &active})
	require.NoError(t, err)
	assertToolCall(t, srv, "webhooks_update",
		`{"id":"`+mcpWebhookID+`","patch":{"url":"https://bot.example/v2","events":[],"active":false}}`)
	assert.False(t, got.Active)
	assert.Empty(t, got.Events)
}

func TestMCPWebhooksDelete(t *testing.T) {
	t.Parallel()
	srv := newMCPTestServer(t)
	srv.respond("webhooks_delete", map[string]any{"deleted": true})
	c := srv.client()

	require.NoError(t, c.Webhooks.Delete(t.Context(), mcpWebhookID))
	assertToolCall(t, srv, "webhooks_delete", `{"id":"`+mcpWebhookID+`"}`)
}

func TestMCPWebhooksDeleteNotFound(t *testing.T) {
	t.Parallel()
	srv := newMCPTestServer(t)
	srv.fail("webhooks_delete", "webhook "+mcpWebhookID+" not found")
	c := srv.client()

	err := c.Webhooks.Delete(t.Context(), mcpWebhookID)
	assert.ErrorIs(t, err, ErrNotFound, "§3.1: 404 webhook <id> not found")
}

func TestMCPWebhooksRotateSecret(t *testing.T) {
	t.Parallel()
	srv := newMCPTestServer(t)
	srv.respond("webhooks_rotate_secret", withFields(t, mcpWebhookJSON, `{"secret":"whsec_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"}`))
	c := srv.client()

	got, err := c.Webhooks.RotateSecret(t.Context(), mcpWebhookID)
	require.NoError(t, err)
	assertToolCall(t, srv, "webhooks_rotate_secret", `{"id":"`+mcpWebhookID+`"}`)
	assert.Equal(t, "whsec_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB", got.Secret.Value())
}

func TestMCPWebhooksDeliveries(t *testing.T) {
	t.Parallel()
	srv := newMCPTestServer(t)
	srv.respond("webhooks_list_deliveries", json.RawMessage(`[{"id":"whd_0123456789abcdefghijkl","webhookId":"`+mcpWebhookID+`",
		"eventId":"evt_0123456789abcdefghijkl","attempt":2,"statusCode":500,"durationMs":31,"error":"non-2xx: 500",
		"deliveredAt":null,"nextAttemptAt":"2026-08-21T10:05:00.000Z","createdAt":"2026-08-21T10:00:00.000Z","status":"pending"}]`))
	c := srv.client()

	got, err := c.Webhooks.Deliveries(t.Context(), mcpWebhookID, DeliveriesOptions{Limit: 10, Status: "pending"})
	require.NoError(t, err)
	assertToolCall(t, srv, "webhooks_list_deliveries", `{"webhookId":"`+mcpWebhookID+`","limit":10,"status":"pending"}`)
	require.Len(t, got, 1)
	assert.Equal(t, 2, got[0].Attempt)
	require.NotNil(t, got[0].StatusCode)
	assert.Equal(t, 500, *got[0].StatusCode)
	assert.Nil(t, got[0].DeliveredAt)
}

func TestMCPWebhooksEventTypes(t *testing.T) {
	t.Parallel()
	srv := newMCPTestServer(t)
	srv.respond("webhooks_list_event_types", json.RawMessage(`{"modules":{"conv":["conversation.created","conversation.message.sent"],
		"system":[]},"all":["conversation.created","conversation.message.sent"]}`))
	c := srv.client()

	got, err := c.Webhooks.EventTypes(t.Context())
	require.NoError(t, err)
	assertToolCall(t, srv, "webhooks_list_event_types", `{}`)
	assert.Equal(t, []string{"conversation.created", "conversation.message.sent"}, got.All)
	assert.Len(t, got.Modules["conv"], 2)
}

// TestMCPRESTOnly checks that what Munin offers over REST only (§5) fails
// with ErrRESTOnly, naming the operation or the field, before anything is
// sent.
func TestMCPRESTOnly(t *testing.T) {
	t.Parallel()
	attention := true
	tests := []struct {
		name string
		call func(ctx context.Context, c *Client) error
	}{
		{"Conversations.TakeOver", func(ctx context.Context, c *Client) error {
			_, err := c.Conversations.TakeOver(ctx, mcpConvID, 30*time.Minute)
			return err
		}},
		{"Conversations.Release", func(ctx context.Context, c *Client) error {
			return c.Conversations.Release(ctx, mcpConvID)
		}},
		{"Conversations.SetAgentMode", func(ctx context.Context, c *Client) error {
			_, err := c.Conversations.SetAgentMode(ctx, mcpConvID, AgentModeOff)
			return err
		}},
		{"Channels.Archive", func(ctx context.Context, c *Client) error {
			return c.Channels.Archive(ctx, mcpChannelID)
		}},
		{"Channels.Activate", func(ctx context.Context, c *Client) error {
			return c.Channels.Activate(ctx, mcpChannelID)
		}},
		{"Conversations.SendMessage with SinceMessageID", func(ctx context.Context, c *Client) error {
			_, err := c.Conversations.SendMessage(ctx, mcpConvID, SendMessageRequest{Body: "hi", SinceMessageID: "cvm_1"})
			return err
		}},
		{"Conversations.SendMessage with PreserveAttention", func(ctx context.Context, c *Client) error {
			_, err := c.Conversations.SendMessage(ctx, mcpConvID, SendMessageRequest{Body: "hi", PreserveAttention: true})
			return err
		}},
		{"Conversations.SendMessage with Components", func(ctx context.Context, c *Client) error {
			_, err := c.Conversations.SendMessage(ctx, mcpConvID, SendMessageRequest{Body: "hi", Components: json.RawMessage(`[{"type":"button"}]`)})
			return err
		}},
		{"Conversations.List with NeedsHumanAttention", func(ctx context.Context, c *Client) error {
			for _, err := range c.Conversations.List(ctx, ListConversationsOptions{NeedsHumanAttention: &attention}) {
				return err
			}
			return errors.New("List yielded nothing")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newMCPTestServer(t)
			c := srv.client()
			err := tt.call(t.Context(), c)
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrRESTOnly)
			assert.Equal(t, "munin: "+tt.name+" is REST only; Munin's MCP tools do not offer it", err.Error())
			assert.Empty(t, srv.Requests(), "nothing is sent, not even a connect")
		})
	}
}
