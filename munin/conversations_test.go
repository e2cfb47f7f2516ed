package munin

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const convID = "ccv_0000000000000000000001"

// conversationSummary is a ConversationSummary as the action routes return
// it (§4, §7: no channelType, no lastInboundPreview).
const conversationSummary = `{
	"id": "ccv_0000000000000000000001", "displayId": 42, "status": "open",
	"channelId": "cch_0123456789abcdefghijkl", "endUserId": "eu_0000000000000000000001",
	"contactId": "ctc_0000000000000000000001", "topicId": null, "assigneeUserId": null,
	"subject": "Where is my order?", "lastMessageAt": "2026-08-21T10:01:00.000Z",
	"needsHumanAttention": true, "needsHumanAttentionAt": "2026-08-21T10:02:00.000Z",
	"handoverResolvedAt": null, "agentMode": "off", "outreachCampaignId": null, "voiceActive": false,
	"updatedAt": "2026-08-21T10:02:00.000Z", "createdAt": "2026-08-21T10:00:00.000Z"
}`

// conversationDetail is GET /v1/conversations/:id as the reference shows
// it (§4): the summary, the messages with internal notes, and the claim.
const conversationDetail = `{
	"id": "ccv_0000000000000000000001", "displayId": 42, "status": "open",
	"channelId": "cch_0123456789abcdefghijkl", "channelType": "chat", "endUserId": "eu_0000000000000000000001",
	"contactId": "ctc_0000000000000000000001", "topicId": null, "assigneeUserId": null,
	"subject": null, "lastMessageAt": "2026-08-21T10:01:00.000Z",
	"needsHumanAttention": false, "needsHumanAttentionAt": null, "handoverResolvedAt": null,
	"agentMode": "auto", "outreachCampaignId": null, "voiceActive": false,
	"updatedAt": "2026-08-21T10:01:00.000Z", "createdAt": "2026-08-21T10:00:00.000Z",
	"messages": [
		{"id": "cvm_0000000000000000000001", "conversationId": "ccv_0000000000000000000001",
		 "authorType": "end_user", "authorId": "ctc_0000000000000000000001", "authorName": "Vita",
		 "body": "Where is my order?", "internal": false, "inReplyToId": null, "attachments": [],
		 "metadata": {"sessionId": "vis_abc123", "providerMessageId": "vis_abc123:evt_1", "url": "https://customer.example/checkout"},
		 "createdAt": "2026-08-21T10:00:00.000Z", "seenAt": null, "firstOpenedAt": null, "lastOpenedAt": null, "openCount": 0},
		{"id": "cvm_0000000000000000000002", "conversationId": "ccv_0000000000000000000001",
		 "authorType": "system", "authorId": null, "authorName": null,
		 "body": "Handover requested: refund", "internal": true, "inReplyToId": null, "attachments": [],
		 "metadata": {}, "createdAt": "2026-08-21T10:00:30.000Z", "seenAt": null, "firstOpenedAt": null, "lastOpenedAt": null, "openCount": 0},
		{"id": "cvm_0000000000000000000003", "conversationId": "ccv_0000000000000000000001",
		 "authorType": "user", "authorId": "Qm9iQm9iQm9iQm9iQm9iQm9iQm9iQm9i", "authorName": "Ada Lovelace",
		 "body": "It left today.", "internal": false, "inReplyToId": "cvm_0000000000000000000001", "attachments": [],
		 "metadata": {}, "createdAt": "2026-08-21T10:01:00.000Z", "seenAt": "2026-08-21T10:01:30.000Z",
		 "firstOpenedAt": null, "lastOpenedAt": null, "openCount": 0}
	],
	"assistantName": "Munin", "endUserLocale": "en", "contactEmail": "vita@example.com",
	"contactName": "Vita", "contactPhone": null,
	"claim": {"holderType": "user", "holderId": "Qm9iQm9iQm9iQm9iQm9iQm9iQm9iQm9i", "expiresAt": "2026-08-21T10:31:00.000Z"}
}`

// messageDto is a send answer (§4, §7: authorName is null there).
const messageDto = `{"id": "cvm_0000000000000000000009", "conversationId": "ccv_0000000000000000000001",
	"authorType": "agent", "authorId": "akey_0000000000000000000001", "authorName": null,
	"body": "Happy to help!", "internal": false, "inReplyToId": null, "attachments": [], "metadata": {},
	"createdAt": "2026-08-21T10:05:00.000Z", "seenAt": null, "firstOpenedAt": null, "lastOpenedAt": null, "openCount": 0}`

func TestConversationsGet(t *testing.T) {
	t.Parallel()
	m := newAPIMock(t)
	m.On(http.MethodGet, "/base/v1/conversations/"+convID, reply(http.StatusOK, conversationDetail))
	c := newTestClient(t, m)

	d, err := c.Conversations.Get(context.Background(), convID)
	require.NoError(t, err)
	assertAdminRequest(t, m.Only(), http.MethodGet, "/base/v1/conversations/"+convID)

	assert.Equal(t, convID, d.ID)
	assert.EqualValues(t, 42, d.DisplayID)
	assert.Equal(t, AgentModeAuto, d.AgentMode)
	assert.Equal(t, "chat", d.ChannelType)
	require.Len(t, d.Messages, 3)
	assert.Equal(t, "vis_abc123:evt_1", d.Messages[0].Metadata["providerMessageId"])
	assert.Len(t, d.PublicMessages(), 2, "the internal note is left out")
	require.NotNil(t, d.Claim)
	assert.False(t, d.ClaimUnknown)
	assert.Equal(t, Claim{HolderType: "user", HolderID: "Qm9iQm9iQm9iQm9iQm9iQm9iQm9iQm9i",
		ExpiresAt: time.Date(2026, 8, 21, 10, 31, 0, 0, time.UTC)}, *d.Claim)
}

func TestConversationsGetEscapesID(t *testing.T) {
	t.Parallel()
	m := newAPIMock(t)
	m.On(http.MethodGet, "/base/v1/conversations/a%2F..%2Fwebhooks", reply(http.StatusNotFound,
		`{"statusCode":404,"message":"conv_not_found: conversation a/../webhooks","error":"Not Found"}`))
	c := newTestClient(t, m)

	_, err := c.Conversations.Get(context.Background(), "a/../webhooks")
	assert.ErrorIs(t, err, ErrConversationNotFound)
	assert.ErrorIs(t, err, ErrNotFound)
	assert.Equal(t, "/base/v1/conversations/a%2F..%2Fwebhooks", m.Only().Path)
}

// TestAdminMethodsRefuseEmptyIDs: "v1/conversations/" with no id would be
// the list route; nothing is sent.
func TestAdminMethodsRefuseEmptyIDs(t *testing.T) {
	t.Parallel()
	m := newAPIMock(t)
	c := newTestClient(t, m)
	ctx := context.Background()
	calls := map[string]func() error{
		"Conversations.Get": func() error { _, err := c.Conversations.Get(ctx, ""); return err },
		"Conversations.SendMessage": func() error {
			_, err := c.Conversations.SendMessage(ctx, "", SendMessageRequest{Body: "x"})
			return err
		},
		"Conversations.TakeOver":        func() error { _, err := c.Conversations.TakeOver(ctx, "", 0); return err },
		"Conversations.Release":         func() error { return c.Conversations.Release(ctx, "") },
		"Conversations.RequestHandover": func() error { _, err := c.Conversations.RequestHandover(ctx, "", HandoverRequest{}); return err },
		"Conversations.SetAgentMode":    func() error { _, err := c.Conversations.SetAgentMode(ctx, "", AgentModeOff); return err },
		"Conversations.Assign":          func() error { _, err := c.Conversations.Assign(ctx, "", "u"); return err },
		"Conversations.SetStatus": func() error {
			_, err := c.Conversations.SetStatus(ctx, "", StatusRequest{Status: StatusClosed})
			return err
		},
		"Channels.UpdateWidget":         func() error { _, err := c.Channels.UpdateWidget(ctx, "", UpdateWidgetRequest{}); return err },
		"Channels.RotateKey":            func() error { _, err := c.Channels.RotateKey(ctx, ""); return err },
		"Channels.RotateIdentitySecret": func() error { _, err := c.Channels.RotateIdentitySecret(ctx, ""); return err },
		"Channels.Archive":              func() error { return c.Channels.Archive(ctx, "") },
		"Channels.Activate":             func() error { return c.Channels.Activate(ctx, "") },
		"Webhooks.Update":               func() error { _, err := c.Webhooks.Update(ctx, "", UpdateWebhookRequest{}); return err },
		"Webhooks.Delete":               func() error { return c.Webhooks.Delete(ctx, "") },
		"Webhooks.RotateSecret":         func() error { _, err := c.Webhooks.RotateSecret(ctx, ""); return err },
		"Webhooks.Deliveries":           func() error { _, err := c.Webhooks.Deliveries(ctx, "", DeliveriesOptions{}); return err },
	}
	for op, call := range calls {
		err := call()
		require.Error(t, err, op)
		assert.ErrorIs(t, err, ErrValidation, op)
		assert.True(t, strings.HasPrefix(err.Error(), "munin: "+op+": "), "%s: %v", op, err)
		assert.Contains(t, err.Error(), ": required", op)
	}
	assert.Empty(t, m.Requests())
}

// listPage is a GET /v1/conversations answer with one item per id (§4;
// list items add lastInboundPreview, §7).
func listPage(next string, ids ...string) string {
	items := make([]string, len(ids))
	for i, id := range ids {
		items[i] = fmt.Sprintf(`{"id":%q,"displayId":%d,"status":"open","channelId":"cch_1","lastInboundPreview":"hi",
			"needsHumanAttention":false,"agentMode":"auto","voiceActive":false,
			"updatedAt":"2026-08-21T10:00:00.000Z","createdAt":"2026-08-21T10:00:00.000Z"}`, id, i+1)
	}
	cursor := "null"
	if next != "" {
		cursor = fmt.Sprintf("%q", next)
	}
	return fmt.Sprintf(`{"items":[%s],"nextCursor":%s}`, strings.Join(items, ","), cursor)
}

func TestConversationsListQuery(t *testing.T) {
	t.Parallel()
	m := newAPIMock(t)
	m.On(http.MethodGet, "/base/v1/conversations", reply(http.StatusOK, listPage("", "ccv_a", "ccv_b")))
	c := newTestClient(t, m)

	attention := true
	var ids []string
	for conv, err := range c.Conversations.List(context.Background(), ListConversationsOptions{
		Status: StatusOpen, AssigneeUserID: "u1", TopicID: "t1", NeedsHumanAttention: &attention, Limit: 200,
	}) {
		require.NoError(t, err)
		ids = append(ids, conv.ID)
		assert.Equal(t, "hi", conv.LastInboundPreview)
	}
	assert.Equal(t, []string{"ccv_a", "ccv_b"}, ids)
	req := m.Only()
	assertAdminRequest(t, req, http.MethodGet, "/base/v1/conversations")
	assert.Equal(t, map[string][]string{
		"status": {"open"}, "assigneeUserId": {"u1"}, "topicId": {"t1"},
		"needsHumanAttention": {"true"}, "limit": {"200"},
	}, map[string][]string(req.Query))
}

// TestConversationsListStopsOn500: following nextCursor answers 500 at the
// reference commit (§7). The iterator yields the first page, then the
// error once, and stops; the 500 is not retried.
func TestConversationsListStopsOn500(t *testing.T) {
	t.Parallel()
	m := newAPIMock(t)
	m.On(http.MethodGet, "/base/v1/conversations",
		reply(http.StatusOK, listPage("2026-08-21T10:00:00.000Z|ccv_b", "ccv_a", "ccv_b")),
		reply(http.StatusInternalServerError, `{"statusCode":500,"message":"Internal server error"}`))
	c := newTestClient(t, m)

	var ids []string
	var errs []error
	for conv, err := range c.Conversations.List(context.Background(), ListConversationsOptions{Limit: 2}) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ids = append(ids, conv.ID)
	}
	assert.Equal(t, []string{"ccv_a", "ccv_b"}, ids)
	require.Len(t, errs, 1)
	assert.ErrorIs(t, errs[0], ErrServer)
	reqs := m.Requests()
	require.Len(t, reqs, 2, "the 500 is not retried")
	assert.Equal(t, "2026-08-21T10:00:00.000Z|ccv_b", reqs[1].Query.Get("cursor"))
	assert.Equal(t, "2", reqs[1].Query.Get("limit"), "the filters stay on every page")
}

func TestConversationsListFollowsCursor(t *testing.T) {
	t.Parallel()
	m := newAPIMock(t)
	m.On(http.MethodGet, "/base/v1/conversations",
		reply(http.StatusOK, listPage("c1", "ccv_a")),
		reply(http.StatusOK, listPage("c2", "ccv_b")),
		reply(http.StatusOK, listPage("c2", "ccv_c")), // a cursor that does not move ends it
		reply(http.StatusOK, listPage("", "ccv_never")))
	c := newTestClient(t, m)

	var ids []string
	for conv, err := range c.Conversations.List(context.Background(), ListConversationsOptions{}) {
		require.NoError(t, err)
		ids = append(ids, conv.ID)
	}
	assert.Equal(t, []string{"ccv_a", "ccv_b", "ccv_c"}, ids)
	assert.Len(t, m.Requests(), 3)
	assert.Empty(t, m.Requests()[0].Query, "no options, no query")
}

func TestConversationsListEarlyBreak(t *testing.T) {
	t.Parallel()
	m := newAPIMock(t)
	m.On(http.MethodGet, "/base/v1/conversations", reply(http.StatusOK, listPage("c1", "ccv_a", "ccv_b")))
	c := newTestClient(t, m)
	for conv, err := range c.Conversations.List(context.Background(), ListConversationsOptions{}) {
		require.NoError(t, err)
		assert.Equal(t, "ccv_a", conv.ID)
		break
	}
	assert.Len(t, m.Requests(), 1)
}

func TestConversationsListLimit(t *testing.T) {
	t.Parallel()
	for _, limit := range []int{-1, 201} {
		m := newAPIMock(t)
		c := newTestClient(t, m)
		n := 0
		for _, err := range c.Conversations.List(context.Background(), ListConversationsOptions{Limit: limit}) {
			n++
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrValidation)
			assert.Contains(t, err.Error(), "munin: Conversations.List: Limit: must be 1–200")
		}
		assert.Equal(t, 1, n)
		assert.Empty(t, m.Requests())
	}
}

func TestConversationsSendMessage(t *testing.T) {
	t.Parallel()
	m := newAPIMock(t)
	path := "/base/v1/conversations/" + convID + "/messages"
	m.On(http.MethodPost, path, reply(http.StatusCreated, messageDto))
	c := newTestClient(t, m)

	msg, err := c.Conversations.SendMessage(context.Background(), convID, SendMessageRequest{
		Body: "Happy to help!", InReplyToID: "cvm_0000000000000000000001",
		SinceMessageID: "cvm_0000000000000000000008", PreserveAttention: true,
		Components: json.RawMessage(`[{"type":"button","label":"Track"}]`),
	})
	require.NoError(t, err)
	assert.Equal(t, "cvm_0000000000000000000009", msg.ID)
	assert.Equal(t, AuthorAgent, msg.AuthorType)
	assert.Empty(t, msg.AuthorName, "null in send answers (§7)")

	req := m.Only()
	assertAdminRequest(t, req, http.MethodPost, path)
	assert.JSONEq(t, `{"body":"Happy to help!","inReplyToId":"cvm_0000000000000000000001",
		"sinceMessageId":"cvm_0000000000000000000008","preserveAttention":true,
		"components":[{"type":"button","label":"Track"}]}`, string(req.Body))
}

// TestConversationsSendMessageNotRetried: a post that may have reached
// Munin is not sent again (it would post twice); one that Munin said it
// did not process (503) is.
func TestConversationsSendMessageNotRetried(t *testing.T) {
	t.Parallel()
	path := "/base/v1/conversations/" + convID + "/messages"

	m := newAPIMock(t)
	m.On(http.MethodPost, path, reply(http.StatusBadGateway, `{"statusCode":502,"message":"Bad Gateway"}`))
	_, err := newTestClient(t, m).Conversations.SendMessage(context.Background(), convID, SendMessageRequest{Body: "x"})
	assert.ErrorIs(t, err, ErrServer)
	assert.Len(t, m.Requests(), 1)

	m = newAPIMock(t)
	m.On(http.MethodPost, path,
		reply(http.StatusServiceUnavailable, `{"statusCode":503,"message":"Service Unavailable"}`),
		reply(http.StatusCreated, messageDto))
	_, err = newTestClient(t, m).Conversations.SendMessage(context.Background(), convID, SendMessageRequest{Body: "x"})
	require.NoError(t, err)
	assert.Len(t, m.Requests(), 2)
}

func TestConversationsSendMessageHandoverActive(t *testing.T) {
	t.Parallel()
	m := newAPIMock(t)
	m.On(http.MethodPost, "/base/v1/conversations/"+convID+"/messages", reply(http.StatusConflict,
		`{"message":"handover_active: a human holds this conversation until 2026-08-21T10:31:00.000Z","code":"handover_active"}`))
	_, err := newTestClient(t, m).Conversations.SendMessage(context.Background(), convID, SendMessageRequest{Body: "x"})
	assert.ErrorIs(t, err, ErrHandoverActive)
	assert.ErrorIs(t, err, ErrConflict)
}

func TestConversationsSendMessageBody(t *testing.T) {
	t.Parallel()
	m := newAPIMock(t)
	c := newTestClient(t, m)
	for body, want := range map[string]string{
		"":                         "munin: Conversations.SendMessage: Body: required",
		strings.Repeat("b", 50001): "munin: Conversations.SendMessage: Body: 50001 characters, the limit is 50000",
	} {
		_, err := c.Conversations.SendMessage(context.Background(), convID, SendMessageRequest{Body: body})
		require.Error(t, err)
		assert.Equal(t, want, err.Error())
	}
	assert.Empty(t, m.Requests())
}

func TestConversationsTakeOver(t *testing.T) {
	t.Parallel()
	path := "/base/v1/conversations/" + convID + "/take-over"
	for ttl, body := range map[time.Duration]string{0: `{}`, 45 * time.Minute: `{"ttlMinutes":45}`, 4 * time.Hour: `{"ttlMinutes":240}`} {
		m := newAPIMock(t)
		m.On(http.MethodPost, path, reply(http.StatusOK,
			`{"holderType":"user","holderId":"Qm9iQm9iQm9iQm9iQm9iQm9iQm9iQm9i","expiresAt":"2026-08-21T10:30:00.000Z"}`))
		claim, err := newTestClient(t, m).Conversations.TakeOver(context.Background(), convID, ttl)
		require.NoError(t, err)
		assert.Equal(t, "user", claim.HolderType)
		assert.Equal(t, time.Date(2026, 8, 21, 10, 30, 0, 0, time.UTC), claim.ExpiresAt)
		req := m.Only()
		assertAdminRequest(t, req, http.MethodPost, path)
		assert.JSONEq(t, body, string(req.Body))
	}

	m := newAPIMock(t)
	c := newTestClient(t, m)
	for _, ttl := range []time.Duration{90 * time.Second, 241 * time.Minute, -time.Minute, time.Second} {
		_, err := c.Conversations.TakeOver(context.Background(), convID, ttl)
		require.Error(t, err, ttl)
		assert.ErrorIs(t, err, ErrValidation)
		assert.Contains(t, err.Error(), "Conversations.TakeOver: ttl: ")
	}
	assert.Empty(t, m.Requests())
}

func TestConversationsTakeOverHeldByOther(t *testing.T) {
	t.Parallel()
	m := newAPIMock(t)
	m.On(http.MethodPost, "/base/v1/conversations/"+convID+"/take-over", reply(http.StatusConflict,
		`{"message":"claim_held_by_other: conversation is claimed by another user","code":"claim_held_by_other"}`))
	_, err := newTestClient(t, m).Conversations.TakeOver(context.Background(), convID, 0)
	assert.ErrorIs(t, err, ErrClaimHeldByOther)
}

func TestConversationsRelease(t *testing.T) {
	t.Parallel()
	m := newAPIMock(t)
	path := "/base/v1/conversations/" + convID + "/release"
	m.On(http.MethodPost, path, reply(http.StatusOK, `{"released":true}`))
	require.NoError(t, newTestClient(t, m).Conversations.Release(context.Background(), convID))
	req := m.Only()
	assertAdminRequest(t, req, http.MethodPost, path)
	assert.Empty(t, req.Body, "release takes no body (§7)")
}

func TestConversationsRequestHandover(t *testing.T) {
	t.Parallel()
	path := "/base/v1/conversations/" + convID + "/request-handover"
	for _, tc := range []struct {
		req  HandoverRequest
		body string
	}{
		{HandoverRequest{}, `{}`}, // Munin wants at least {} (§7)
		{HandoverRequest{Reason: "refund", PublicFallbackMessage: "A colleague will reply shortly."},
			`{"reason":"refund","publicFallbackMessage":"A colleague will reply shortly."}`},
	} {
		m := newAPIMock(t)
		m.On(http.MethodPost, path, reply(http.StatusOK, conversationSummary))
		conv, err := newTestClient(t, m).Conversations.RequestHandover(context.Background(), convID, tc.req)
		require.NoError(t, err)
		assert.True(t, conv.NeedsHumanAttention)
		req := m.Only()
		assertAdminRequest(t, req, http.MethodPost, path)
		assert.JSONEq(t, tc.body, string(req.Body))
	}

	m := newAPIMock(t)
	c := newTestClient(t, m)
	_, err := c.Conversations.RequestHandover(context.Background(), convID, HandoverRequest{Reason: strings.Repeat("r", 501)})
	assert.EqualError(t, err, "munin: Conversations.RequestHandover: Reason: 501 characters, the limit is 500")
	_, err = c.Conversations.RequestHandover(context.Background(), convID, HandoverRequest{PublicFallbackMessage: strings.Repeat("p", 2001)})
	assert.EqualError(t, err, "munin: Conversations.RequestHandover: PublicFallbackMessage: 2001 characters, the limit is 2000")
	assert.Empty(t, m.Requests())
}

func TestConversationsSetAgentMode(t *testing.T) {
	t.Parallel()
	m := newAPIMock(t)
	path := "/base/v1/conversations/" + convID + "/agent-mode"
	m.On(http.MethodPost, path, reply(http.StatusOK, conversationSummary))
	c := newTestClient(t, m)
	conv, err := c.Conversations.SetAgentMode(context.Background(), convID, AgentModeOff)
	require.NoError(t, err)
	assert.Equal(t, AgentModeOff, conv.AgentMode)
	req := m.Only()
	assertAdminRequest(t, req, http.MethodPost, path)
	assert.JSONEq(t, `{"mode":"off"}`, string(req.Body))

	_, err = c.Conversations.SetAgentMode(context.Background(), convID, "silent")
	assert.ErrorIs(t, err, ErrValidation)
	assert.Contains(t, err.Error(), `Conversations.SetAgentMode: mode: "silent" is not`)
	assert.Len(t, m.Requests(), 1)
}

func TestConversationsAssign(t *testing.T) {
	t.Parallel()
	path := "/base/v1/conversations/" + convID + "/assign"
	for user, body := range map[string]string{
		"Qm9iQm9iQm9iQm9iQm9iQm9iQm9iQm9i": `{"assigneeUserId":"Qm9iQm9iQm9iQm9iQm9iQm9iQm9iQm9i"}`,
		"":                                 `{"assigneeUserId":null}`,
	} {
		m := newAPIMock(t)
		m.On(http.MethodPost, path, reply(http.StatusOK, conversationSummary))
		_, err := newTestClient(t, m).Conversations.Assign(context.Background(), convID, user)
		require.NoError(t, err)
		req := m.Only()
		assertAdminRequest(t, req, http.MethodPost, path)
		assert.JSONEq(t, body, string(req.Body))
	}
}

func TestConversationsSetStatus(t *testing.T) {
	t.Parallel()
	path := "/base/v1/conversations/" + convID + "/status"
	until := time.Date(2026, 8, 22, 9, 0, 0, 0, time.FixedZone("CEST", 2*3600))
	for _, tc := range []struct {
		req  StatusRequest
		body string
	}{
		{StatusRequest{Status: StatusClosed}, `{"status":"closed"}`},
		// Munin rejects offsets (§1): the time goes as UTC with Z.
		{StatusRequest{Status: StatusSnoozed, SnoozeUntil: &until}, `{"status":"snoozed","snoozeUntil":"2026-08-22T07:00:00.000Z"}`},
	} {
		m := newAPIMock(t)
		m.On(http.MethodPost, path, reply(http.StatusOK, conversationSummary))
		_, err := newTestClient(t, m).Conversations.SetStatus(context.Background(), convID, tc.req)
		require.NoError(t, err)
		req := m.Only()
		assertAdminRequest(t, req, http.MethodPost, path)
		assert.JSONEq(t, tc.body, string(req.Body))
	}

	m := newAPIMock(t)
	c := newTestClient(t, m)
	for status, want := range map[string]string{"": "Status: required", "close": `Status: "close" is not open, snoozed, closed or spam`} {
		_, err := c.Conversations.SetStatus(context.Background(), convID, StatusRequest{Status: status})
		require.Error(t, err)
		assert.Contains(t, err.Error(), want)
	}
	assert.Empty(t, m.Requests())
}

// TestSendMessageRemembersEcho: with WithEchoFilter, the id of every post
// is remembered, so its conversation.message.sent echo is known as the
// bot's own; a failed post remembers nothing.
func TestSendMessageRemembersEcho(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	const posted = "cvm_0000000000000000000009"

	t.Run("REST", func(t *testing.T) {
		t.Parallel()
		m := newAPIMock(t)
		m.On(http.MethodPost, "/base/v1/conversations/"+convID+"/messages",
			reply(http.StatusCreated, messageDto),
			reply(http.StatusConflict, `{"message":"handover_active: held","code":"handover_active"}`))
		echoes := NewEchoFilter(16)
		c := newTestClient(t, m, WithEchoFilter(echoes))
		_, err := c.Conversations.SendMessage(ctx, convID, SendMessageRequest{Body: "Happy to help!"})
		require.NoError(t, err)
		assert.True(t, echoes.Contains(posted))
		_, err = c.Conversations.SendMessage(ctx, convID, SendMessageRequest{Body: "again"})
		require.Error(t, err)
		assert.Equal(t, 1, echoes.Len())
	})

	t.Run("MCP", func(t *testing.T) {
		t.Parallel()
		srv := newMCPTestServer(t)
		srv.respond("conv_send_message", json.RawMessage(messageDto))
		echoes := NewEchoFilter(16)
		c := srv.client(WithEchoFilter(echoes))
		_, err := c.Conversations.SendMessage(ctx, convID, SendMessageRequest{Body: "Happy to help!"})
		require.NoError(t, err)
		assert.True(t, echoes.Contains(posted))
	})
}
