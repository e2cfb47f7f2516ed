package munintest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/munin/munintest"
)

// bearer adds the key to every request, as §8 says the SDK needs.
type bearer struct {
	key  string
	next http.RoundTripper
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.key)
	return b.next.RoundTrip(r)
}

// mcpSession connects the official Go MCP client to the fake with key.
func mcpSession(t *testing.T, s *munintest.Server, key string) *mcp.ClientSession {
	t.Helper()
	client := mcp.NewClient(&mcp.Implementation{Name: "munintest-test", Version: "1"}, nil)
	transport := &mcp.StreamableClientTransport{
		Endpoint:   s.MCPURL(),
		HTTPClient: &http.Client{Transport: bearer{key, http.DefaultTransport}},
	}
	cs, err := client.Connect(ctx(t), transport, nil)
	require.NoError(t, err)
	t.Cleanup(func() { cs.Close() })
	return cs
}

// tool calls a tool and returns its text and isError.
func tool(t *testing.T, cs *mcp.ClientSession, name string, args any) (string, bool) {
	t.Helper()
	res, err := cs.CallTool(ctx(t), &mcp.CallToolParams{Name: name, Arguments: args})
	require.NoError(t, err, "tool failures are results, not errors (§8)")
	require.Len(t, res.Content, 1)
	assert.Nil(t, res.StructuredContent, "Munin sends no structuredContent (§5)")
	text, ok := res.Content[0].(*mcp.TextContent)
	require.True(t, ok)
	return text.Text, res.IsError
}

func TestMCPToolsShareTheServiceWithREST(t *testing.T) {
	t.Parallel()
	s, id := newConv(t)
	cs := mcpSession(t, s, s.AdminKey())

	text, isErr := tool(t, cs, "ping", map[string]any{})
	require.False(t, isErr, text)
	assert.Contains(t, text, `"message":"pong"`)

	text, isErr = tool(t, cs, "conv_get_conversation", map[string]any{"id": id})
	require.False(t, isErr, text)
	var detail map[string]any
	require.NoError(t, json.Unmarshal([]byte(text), &detail))
	assert.Equal(t, id, detail["id"])
	assert.NotContains(t, detail, "claim", "MCP has no claim (§5)")
	assert.Len(t, detail["messages"], 1)

	text, isErr = tool(t, cs, "conv_send_message", map[string]any{"conversationId": id, "body": "It ships today."})
	require.False(t, isErr, text)
	assert.Contains(t, text, `"authorType":"agent"`)
	assert.Contains(t, text, `"authorName":null`)
	types := eventTypes(s)
	assert.Equal(t, "conversation.message.sent", types[len(types)-1])

	text, isErr = tool(t, cs, "conv_list_conversations", map[string]any{"limit": 10})
	require.False(t, isErr, text)
	var list []map[string]any
	require.NoError(t, json.Unmarshal([]byte(text), &list), "an array, not {items}")
	require.Len(t, list, 1)
	assert.Contains(t, list[0], "lastInboundPreview")

	// The same rule as REST: a human's claim blocks the agent.
	_, err := s.Dashboard().TakeOver(id, 0)
	require.NoError(t, err)
	text, isErr = tool(t, cs, "conv_send_message", map[string]any{"conversationId": id, "body": "again"})
	assert.True(t, isErr)
	assert.Equal(t, "handover_active: a human has taken over conversation "+id, text)

	// Closing over MCP does not release the claim (§5).
	_, isErr = tool(t, cs, "conv_change_status", map[string]any{"id": id, "status": "closed"})
	require.False(t, isErr)
	conv, _ := s.Conversation(id)
	assert.NotNil(t, conv.Claim)
	assert.NotContains(t, eventTypes(s), "conversation.released")
}

func TestMCPErrors(t *testing.T) {
	t.Parallel()
	s, _ := newConv(t)
	cs := mcpSession(t, s, s.AdminKey())

	text, isErr := tool(t, cs, "conv_get_conversation", map[string]any{"id": "ccv_nope"})
	assert.True(t, isErr)
	assert.Equal(t, "conv_not_found: conversation ccv_nope", text)

	text, isErr = tool(t, cs, "conv_send_message", map[string]any{"conversationId": "ccv_x"})
	assert.True(t, isErr)
	assert.True(t, strings.HasPrefix(text, "Invalid input: ["), text)
	assert.Contains(t, text, `"body"`)

	text, isErr = tool(t, cs, "conv_widget_create_channel", map[string]any{"name": "old name"})
	assert.True(t, isErr)
	assert.Equal(t, "Unknown tool: conv_widget_create_channel", text, "the seed's names are gone (§0)")

	text, isErr = tool(t, cs, "webhooks_delete", map[string]any{"id": "whk_nope"})
	assert.True(t, isErr)
	assert.Equal(t, "webhook whk_nope not found", text)
}

func TestMCPScopes(t *testing.T) {
	t.Parallel()
	s, id := newConv(t)
	cs := mcpSession(t, s, s.NewAdminKey("conv:read"))

	text, isErr := tool(t, cs, "conv_get_conversation", map[string]any{"id": id})
	assert.False(t, isErr, text)
	text, isErr = tool(t, cs, "conv_send_message", map[string]any{"conversationId": id, "body": "x"})
	assert.True(t, isErr)
	assert.Equal(t, "Missing required scope: conv:write", text)

	res, err := cs.ListTools(ctx(t), nil)
	require.NoError(t, err)
	var names []string
	for _, tl := range res.Tools {
		names = append(names, tl.Name)
	}
	assert.ElementsMatch(t, []string{"ping", "conv_get_conversation", "conv_list_conversations"}, names, "only the tools within the key's scopes are listed")
}

func TestMCPWebhookAndChannelTools(t *testing.T) {
	t.Parallel()
	s := munintest.NewServer(t)
	cs := mcpSession(t, s, s.AdminKey())
	text, isErr := tool(t, cs, "webhooks_create", map[string]any{"url": "https://customer.example/hook", "events": []string{"conversation.message.sent"}})
	require.False(t, isErr, text)
	var hook map[string]any
	require.NoError(t, json.Unmarshal([]byte(text), &hook))
	assert.Contains(t, hook["secret"], "whsec_")

	text, isErr = tool(t, cs, "webhooks_update", map[string]any{"id": hook["id"], "patch": map[string]any{"active": false}})
	require.False(t, isErr, text)
	assert.Contains(t, text, `"active":false`)
	text, _ = tool(t, cs, "webhooks_delete", map[string]any{"id": hook["id"]})
	assert.Equal(t, fmt.Sprintf(`{"deleted":true,"id":%q}`, hook["id"]), text)

	text, isErr = tool(t, cs, "conv_create_widget_channel", map[string]any{"name": "bot", "originAllowlist": []string{}})
	assert.True(t, isErr)
	assert.True(t, strings.HasPrefix(text, "origin_allowlist_required: "), text)
	text, isErr = tool(t, cs, "conv_create_widget_channel", map[string]any{"name": "bot", "originAllowlist": []string{"https://a.example"}})
	require.False(t, isErr, text)
	var ch map[string]any
	require.NoError(t, json.Unmarshal([]byte(text), &ch))
	text, isErr = tool(t, cs, "conv_rotate_widget_key", map[string]any{"channelId": ch["id"]})
	require.False(t, isErr, text)
	assert.Contains(t, text, `"widgetKey":"mn_widget_`)
}

func TestMCPHTTPAnswers(t *testing.T) {
	t.Parallel()
	s := munintest.NewServer(t)
	r := call(t, s, "POST", "/mcp", "", `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`, "Accept", "application/json, text/event-stream")
	assert.Equal(t, http.StatusUnauthorized, r.Status)
	assert.JSONEq(t, `{"statusCode":401,"message":"invalid or expired credential","error":"Unauthorized"}`, string(r.Body), "plain JSON, not JSON-RPC (§7)")
	assert.True(t, strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Bearer resource_metadata="))

	r = call(t, s, "POST", "/mcp", s.AdminKey(), `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`, "Accept", "application/json")
	assert.Equal(t, http.StatusNotAcceptable, r.Status)
}

func TestMCPBurstLimit(t *testing.T) {
	t.Parallel()
	s := munintest.NewServer(t, munintest.WithClock(munintest.NewClock(t0)), munintest.WithMCPRateLimit(2, 0))
	for range 2 {
		call(t, s, "POST", "/mcp", s.AdminKey(), `{}`, "Accept", "application/json, text/event-stream")
	}
	r := call(t, s, "POST", "/mcp", s.AdminKey(), `{}`, "Accept", "application/json, text/event-stream")
	assert.Equal(t, http.StatusTooManyRequests, r.Status)
	got := r.JSON(t)
	assert.Equal(t, "mcp_burst_limited", got["code"])
	assert.EqualValues(t, 60, got["retryAfter"])
}

func TestMCPDailyQuota(t *testing.T) {
	t.Parallel()
	s := munintest.NewServer(t, munintest.WithMCPRateLimit(0, 1))
	cs := mcpSession(t, s, s.AdminKey())
	_, isErr := tool(t, cs, "ping", nil)
	assert.False(t, isErr)
	text, isErr := tool(t, cs, "ping", nil)
	assert.True(t, isErr)
	assert.True(t, strings.HasPrefix(text, "rate_limited: exceeded 1 MCP calls per day"), text)
}
