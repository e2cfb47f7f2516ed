package munintest

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The MCP front end (munin-api-reference.md §5, §7, §8): POST /mcp,
// Streamable HTTP through the official Go SDK in stateless mode, as Munin
// builds a new server per request. Tools have Munin's names, inputs and
// outputs and call the same service as REST. Results are one text content
// holding the JSON (no structuredContent); failures are isError results
// whose text is Munin's message.

// mcpTool is one tool: its scope, its input schema for tools/list, and parse,
// which reads the arguments (reporting problems to v) and returns the call
// to make once they are valid.
type mcpTool struct {
	name, scope, description string
	selfService              bool // also for non-admin keys (ping)
	props                    []prop
	parse                    func(o object) func(o *op) (any, error)
}

// prop is one input property for the tool's JSON schema.
type prop struct {
	name     string
	typ      any // "string", "boolean", "integer", "array", "object", or a list
	required bool
}

func (t *mcpTool) schema() map[string]any {
	props := map[string]any{}
	required := []string{}
	for _, p := range t.props {
		s := map[string]any{"type": p.typ}
		if p.typ == "array" {
			s["items"] = map[string]any{"type": "string"}
		}
		props[p.name] = s
		if p.required {
			required = append(required, p.name)
		}
	}
	return map[string]any{"type": "object", "properties": props, "required": required}
}

// newMCPHandler builds the /mcp handler.
func (s *Server) newMCPHandler() http.Handler {
	server := mcp.NewServer(&mcp.Implementation{Name: "munin", Version: "5.10.0"}, nil)
	tools := map[string]*mcpTool{}
	for _, t := range s.mcpTools() {
		tools[t.name] = t
		server.AddTool(&mcp.Tool{Name: t.name, Description: t.description, InputSchema: t.schema()}, s.toolHandler(t))
	}
	server.AddReceivingMiddleware(s.mcpMiddleware(tools))
	sdk := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return server },
		&mcp.StreamableHTTPOptions{Stateless: true, Logger: s.logger})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.authenticate(r.Header.Get("Authorization")) == nil {
			// A plain JSON 401, not JSON-RPC (§7).
			w.Header().Set("WWW-Authenticate", `Bearer resource_metadata="`+s.URL+`/.well-known/oauth-protected-resource/mcp"`)
			s.writeError(w, errUnauthorized())
			return
		}
		if e := s.limiter.mcpRequest(s.now()); e != nil {
			s.writeError(w, e)
			return
		}
		if r.Method == http.MethodPost && !acceptsJSONAndSSE(r.Header.Values("Accept")) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotAcceptable)
			w.Write([]byte(`{"jsonrpc":"2.0","error":{"code":-32000,"message":"Not Acceptable: Client must accept both application/json and text/event-stream"},"id":null}`))
			return
		}
		sdk.ServeHTTP(w, r)
	})
}

// acceptsJSONAndSSE is the Streamable HTTP rule Munin enforces with 406
// (§7).
func acceptsJSONAndSSE(values []string) bool {
	var jsonOK, sseOK bool
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			mt, _, _ := strings.Cut(strings.TrimSpace(part), ";")
			switch strings.ToLower(strings.TrimSpace(mt)) {
			case "application/json":
				jsonOK = true
			case "text/event-stream":
				sseOK = true
			case "*/*":
				jsonOK, sseOK = true, true
			}
		}
	}
	return jsonOK && sseOK
}

// mcpActor is the caller of an MCP request.
func (s *Server) mcpActor(extra *mcp.RequestExtra) *actor {
	if extra == nil || extra.Header == nil {
		return nil
	}
	key := s.authenticate(extra.Header.Get("Authorization"))
	if key == nil {
		return nil
	}
	return key.actor()
}

// mcpMiddleware answers an unknown tool as Munin's dispatcher does (an
// isError result, not a JSON-RPC error) and lists only the tools the key's
// scopes allow.
func (s *Server) mcpMiddleware(tools map[string]*mcpTool) mcp.Middleware {
	return func(next mcp.MethodHandler) mcp.MethodHandler {
		return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
			switch method {
			case "tools/call":
				if r, ok := req.(*mcp.CallToolRequest); ok && r.Params != nil {
					if _, known := tools[r.Params.Name]; !known {
						return toolError("Unknown tool: " + r.Params.Name), nil
					}
				}
			case "tools/list":
				res, err := next(ctx, method, req)
				if list, ok := res.(*mcp.ListToolsResult); ok && err == nil {
					a := s.mcpActor(req.GetExtra())
					list.Tools = slices.DeleteFunc(list.Tools, func(t *mcp.Tool) bool {
						tool := tools[t.Name]
						return a == nil || tool == nil || !toolAllowed(a, tool)
					})
				}
				return res, err
			}
			return next(ctx, method, req)
		}
	}
}

func toolAllowed(a *actor, t *mcpTool) bool {
	if a.typ != "admin_agent" && !t.selfService {
		return false
	}
	return t.scope == "" || a.hasScope(t.scope)
}

func toolError(text string) *mcp.CallToolResult {
	return &mcp.CallToolResult{IsError: true, Content: []mcp.Content{&mcp.TextContent{Text: text}}}
}

// toolHandler runs Munin's dispatch order (§5): caller, audience, scope,
// input, daily quota, the call.
func (s *Server) toolHandler(t *mcpTool) mcp.ToolHandler {
	return func(_ context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		a := s.mcpActor(req.GetExtra())
		if a == nil {
			return toolError("invalid or expired credential"), nil
		}
		if a.typ != "admin_agent" && !t.selfService {
			return toolError("Tool " + t.name + " is not available for this caller"), nil
		}
		if t.scope != "" && !a.hasScope(t.scope) {
			return toolError("Missing required scope: " + t.scope), nil
		}
		var raw []byte
		if req.Params != nil {
			raw = req.Params.Arguments
		}
		x, present := decodeJSON(raw)
		if !present {
			x, present = map[string]any{}, true // arguments default to {}
		}
		v := &validator{}
		run := t.parse(v.root(x, present))
		if !v.ok() {
			return toolError(v.mcpError().message), nil
		}
		if err := s.limiter.mcpToolCall(s.now()); err != nil {
			return toolError(err.Error()), nil
		}
		out, err := run(s.newOp(a))
		if err != nil {
			return toolError(asAPIError(err).message), nil
		}
		b, err := marshalJS(out)
		if err != nil {
			s.internalError(err)
			return toolError("Internal server error"), nil
		}
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: string(b)}}}, nil
	}
}

// mcpTools are the tools a bot uses, with Munin's names and inputs (§5).
func (s *Server) mcpTools() []*mcpTool {
	str := func(name string, required bool) prop { return prop{name, "string", required} }
	id := func(name string) []prop { return []prop{str(name, true)} }
	return []*mcpTool{
		{name: "ping", selfService: true, description: "Verify the MCP pipe; echoes a message and returns the resolved org id, org name and actor type.",
			props: []prop{str("message", false)},
			parse: func(o object) func(*op) (any, error) {
				msg, ok := o.optStr("message")
				if !ok {
					msg = "pong"
				}
				return func(op *op) (any, error) {
					return map[string]any{"message": msg, "orgId": s.st.orgID, "orgName": s.st.orgName,
						"actorType": op.actor.typ, "correlationId": op.correlationID, "now": iso(op.now)}, nil
				}
			}},
		{name: "conv_list_conversations", scope: "conv:read", description: "List conversations for your org, newest activity first.",
			props: []prop{str("status", false), str("assigneeUserId", false), str("topicId", false), str("endUserId", false),
				str("handover", false), str("since", false), {"limit", "integer", false}},
			parse: func(o object) func(*op) (any, error) {
				var f listFilter
				f.status, _ = o.enum("status", false, statuses...)
				f.assigneeID, _ = o.optStr("assigneeUserId")
				f.topicID, _ = o.optStr("topicId")
				f.endUserID, _ = o.optStr("endUserId")
				f.handover, _ = o.enum("handover", false, "active", "resolved", "never")
				since, hasSince := o.optStr("since", minLen(1), maxLen(40))
				f.limit, _ = o.optInt("limit", 0, 200)
				return func(op *op) (any, error) {
					if hasSince {
						t, ok := parseLooseTime(since)
						if !ok {
							return nil, errBadRequest(`conv_invalid: since must be an ISO 8601 timestamp, got "` + since + `"`)
						}
						f.since = &t
					}
					items, _, err := s.listConversations(op, f)
					return items, err
				}
			}},
		{name: "conv_get_conversation", scope: "conv:read", description: "Fetch one conversation with its messages.",
			props: id("id"),
			parse: func(o object) func(*op) (any, error) {
				convID := o.str("id")
				return func(op *op) (any, error) { return s.getConversation(op, convID, false) }
			}},
		{name: "conv_send_message", scope: "conv:write", description: "Append a message to a conversation.",
			props: []prop{str("conversationId", true), str("body", true), {"internal", "boolean", false}, str("inReplyToId", false)},
			parse: func(o object) func(*op) (any, error) {
				convID := o.str("conversationId")
				in := sendInput{body: o.str("body", minLen(1), maxLen(50000))}
				in.internal, _ = o.optBool("internal")
				in.inReplyToID, _ = o.optStr("inReplyToId")
				return func(op *op) (any, error) { return s.sendMessage(op, convID, in, "agent") }
			}},
		{name: "conv_assign_conversation", scope: "conv:write", description: "Assign a conversation to a user, or unassign it with null.",
			props: []prop{str("id", true), {"assigneeUserId", []string{"string", "null"}, true}},
			parse: func(o object) func(*op) (any, error) {
				convID := o.str("id")
				assignee, _, _ := o.nullableStr("assigneeUserId", true)
				return func(op *op) (any, error) { return s.assign(op, convID, assignee) }
			}},
		{name: "conv_change_status", scope: "conv:write", description: "Change a conversation's status. Closing here does not release a claim.",
			props: []prop{str("id", true), str("status", true), str("snoozeUntil", false)},
			parse: func(o object) func(*op) (any, error) {
				convID := o.str("id")
				status, until := parseStatus(o)
				return func(op *op) (any, error) { return s.changeStatus(op, convID, status, until, false) }
			}},
		{name: "conv_request_handover", scope: "conv:write", description: "Flag a conversation as needing human attention.",
			props: []prop{str("conversationId", true), str("reason", false), str("suggestedReply", false), str("publicFallbackMessage", false)},
			parse: func(o object) func(*op) (any, error) {
				convID := o.str("conversationId")
				var in handoverInput
				in.reason, _ = o.optStr("reason", maxLen(500))
				in.suggestedReply, _ = o.optStr("suggestedReply", maxLen(2000))
				in.fallback, _ = o.optStr("publicFallbackMessage", maxLen(2000))
				return func(op *op) (any, error) { return s.requestHandover(op, convID, in) }
			}},
		{name: "conv_create_widget_channel", scope: "conv:write", description: "Create a chat-widget channel and mint a widget API key bound to it.",
			props: []prop{str("name", true), {"originAllowlist", "array", false}, str("webhookOnEscalation", false), {"requireVerifiedIdentity", "boolean", false}},
			parse: func(o object) func(*op) (any, error) {
				in := parseWidgetInput(o, true)
				return func(op *op) (any, error) { return s.createWidgetChannel(op, in) }
			}},
		{name: "conv_update_widget_channel", scope: "conv:write", description: "Update a chat-widget channel's originAllowlist, webhookOnEscalation or requireVerifiedIdentity.",
			props: []prop{str("channelId", true), {"originAllowlist", "array", false}, {"webhookOnEscalation", []string{"string", "null"}, false}, {"requireVerifiedIdentity", "boolean", false}},
			parse: func(o object) func(*op) (any, error) {
				channelID := o.str("channelId")
				in := parseWidgetInput(o, false)
				return func(op *op) (any, error) { return s.updateWidgetChannel(op, channelID, in) }
			}},
		{name: "conv_rotate_widget_key", scope: "conv:write", description: "Revoke the channel's widget keys and mint a fresh one.",
			props: id("channelId"),
			parse: func(o object) func(*op) (any, error) {
				channelID := o.str("channelId")
				return func(op *op) (any, error) { return s.rotateWidgetKey(op, channelID) }
			}},
		{name: "conv_rotate_widget_identity_secret", scope: "conv:write", description: "Generate a fresh identity verification secret for the channel.",
			props: id("channelId"),
			parse: func(o object) func(*op) (any, error) {
				channelID := o.str("channelId")
				return func(op *op) (any, error) { return s.rotateIdentitySecret(op, channelID) }
			}},
		{name: "webhooks_list", scope: "webhooks:read", description: "List all webhook subscriptions for your org.",
			parse: func(object) func(*op) (any, error) {
				return func(*op) (any, error) { return s.listWebhooks(), nil }
			}},
		{name: "webhooks_create", scope: "webhooks:write", description: "Create a webhook subscription; the response includes a one-time secret.",
			props: []prop{str("url", true), {"events", "array", false}, {"active", "boolean", false}},
			parse: func(o object) func(*op) (any, error) {
				in := parseWebhookInput(o, true, 64)
				return func(op *op) (any, error) { return s.createWebhook(op, in) }
			}},
		{name: "webhooks_update", scope: "webhooks:write", description: "Patch a webhook subscription.",
			props: []prop{str("id", true), {"patch", "object", true}},
			parse: func(o object) func(*op) (any, error) {
				hookID := o.str("id")
				patch, ok := o.optObject("patch")
				if !ok {
					o.v.invalidType(extend(o.path, "patch"), "object", nil, false)
				}
				in := parseWebhookInput(patch, false, 64)
				return func(op *op) (any, error) { return s.updateWebhook(op, hookID, in) }
			}},
		{name: "webhooks_delete", scope: "webhooks:write", description: "Delete a webhook; its pending deliveries are deleted.",
			props: id("id"),
			parse: func(o object) func(*op) (any, error) {
				hookID := o.str("id")
				return func(*op) (any, error) {
					if err := s.deleteWebhook(hookID); err != nil {
						return nil, err
					}
					return map[string]any{"deleted": true, "id": hookID}, nil
				}
			}},
		{name: "webhooks_rotate_secret", scope: "webhooks:write", description: "Generate a new secret for a webhook.",
			props: id("id"),
			parse: func(o object) func(*op) (any, error) {
				hookID := o.str("id")
				return func(op *op) (any, error) { return s.rotateWebhookSecret(op, hookID) }
			}},
		{name: "webhooks_list_deliveries", scope: "webhooks:read", description: "List delivery attempts for one webhook, newest first.",
			props: []prop{str("webhookId", true), {"limit", "integer", false}, str("status", false)},
			parse: func(o object) func(*op) (any, error) {
				hookID := o.str("webhookId")
				limit, _ := o.optInt("limit", 0, 200)
				status, _ := o.enum("status", false, "pending", "delivered", "failed")
				return func(*op) (any, error) { return s.listDeliveries(hookID, limit, status) }
			}},
		{name: "webhooks_list_event_types", scope: "webhooks:read", description: "List the known event types.",
			parse: func(object) func(*op) (any, error) {
				return func(*op) (any, error) { return eventTypesJSON(), nil }
			}},
	}
}
