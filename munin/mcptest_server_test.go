package munin

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/stretchr/testify/require"
)

// mcpTestKey is the admin key the MCP test server accepts: the shape of a
// real one (§1), so a leak is easy to search for.
const mcpTestKey = "mn_admin_Qx7vK2mP9sT4wY8zB3nC6dF1gH5jL0aE2rU7iO4pW9e"

// mcpToolNames are the admin tools of §5, which the test server
// registers. A tool without a handler answers {}.
var mcpToolNames = []string{
	"conv_create_widget_channel", "conv_update_widget_channel",
	"conv_rotate_widget_key", "conv_rotate_widget_identity_secret",
	"conv_get_conversation", "conv_send_message", "conv_list_conversations",
	"conv_request_handover", "conv_assign_conversation", "conv_change_status",
	"webhooks_create", "webhooks_update", "webhooks_delete", "webhooks_rotate_secret",
	"webhooks_list", "webhooks_list_event_types", "webhooks_list_deliveries",
}

// mcpTestServer is Munin's /mcp as §5 and §7 describe it, in process: the
// official SDK's server behind a Streamable HTTP handler that is stateless
// and answers plain JSON (a new server per request, no session), tools that
// answer one text content holding JSON and no structuredContent, tool
// failures as isError results, and in front of it Munin's HTTP behaviour:
// a plain JSON 401 with www-authenticate without the right Bearer key, and
// whatever a test injects (429 mcp_burst_limited, a JSON-RPC error, a
// dropped connection).
type mcpTestServer struct {
	t      testing.TB
	srv    *httptest.Server
	server *mcp.Server
	// BaseURL is what a client passes to WithBaseURL; MCP is at
	// BaseURL + "mcp". It has a path, so absolute-URL bugs fail.
	BaseURL string

	mu       sync.Mutex
	handlers map[string]mcpToolHandler
	calls    []mcpToolCall
	requests []mcpHTTPRequest
	inject   []mcpInjection
}

// mcpToolHandler answers one tool call: a value to send as JSON text, or an
// error whose text becomes an isError result.
type mcpToolHandler func(ctx context.Context, args map[string]any) (any, error)

// mcpToolCall is one tool call the server received.
type mcpToolCall struct {
	Tool string
	Args map[string]any
}

// mcpHTTPRequest is one HTTP request the server received.
type mcpHTTPRequest struct {
	Method        string // HTTP method
	RPC           string // JSON-RPC method, for a POST
	Tool          string // for tools/call
	Authorization string
	UserAgent     string
}

// mcpInjection answers the next request that matches rpc (a JSON-RPC method;
// "" matches any) instead of the MCP handler.
type mcpInjection struct {
	rpc    string
	answer func(w http.ResponseWriter, id json.RawMessage)
}

// mcpToolFailure makes a handler answer isError with its text, as Munin's
// dispatcher does (§5).
type mcpToolFailure string

func (f mcpToolFailure) Error() string { return string(f) }

// mcpServerOption changes how the test server is built.
type mcpServerOption func(*mcpServerConfig)

type mcpServerConfig struct{ stateful bool }

// mcpStateful serves MCP with sessions (Mcp-Session-Id) instead of Munin's
// stateless way, so a test can make the server forget a session.
func mcpStateful() mcpServerOption { return func(c *mcpServerConfig) { c.stateful = true } }

// newMCPTestServer starts the server; it stops when the test ends.
func newMCPTestServer(t testing.TB, opts ...mcpServerOption) *mcpTestServer {
	t.Helper()
	var cfg mcpServerConfig
	for _, opt := range opts {
		opt(&cfg)
	}
	s := &mcpTestServer{t: t, handlers: map[string]mcpToolHandler{}}
	s.server = mcp.NewServer(&mcp.Implementation{Name: "munin", Version: "5.10.0"}, nil)
	for _, name := range mcpToolNames {
		s.addTool(name)
	}
	handler := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s.server },
		&mcp.StreamableHTTPOptions{Stateless: !cfg.stateful, JSONResponse: !cfg.stateful})
	mux := http.NewServeMux()
	mux.Handle("/base/mcp", s.front(handler))
	s.srv = httptest.NewServer(mux)
	t.Cleanup(s.srv.Close)
	s.BaseURL = s.srv.URL + "/base/"
	return s
}

// addTool registers name with a raw JSON schema, as Munin's tools are
// described, and a handler that dispatches to the test's handler.
func (s *mcpTestServer) addTool(name string) {
	s.server.AddTool(&mcp.Tool{Name: name, InputSchema: json.RawMessage(`{"type":"object"}`)},
		func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			var args map[string]any
			if len(req.Params.Arguments) > 0 {
				if err := json.Unmarshal(req.Params.Arguments, &args); err != nil {
					return mcpErrorResult("Invalid input: " + err.Error()), nil
				}
			}
			s.mu.Lock()
			s.calls = append(s.calls, mcpToolCall{Tool: name, Args: args})
			h := s.handlers[name]
			s.mu.Unlock()
			var out any = map[string]any{}
			if h != nil {
				var err error
				if out, err = h(ctx, args); err != nil {
					return mcpErrorResult(err.Error()), nil
				}
			}
			text, err := json.Marshal(out)
			if err != nil {
				return nil, err
			}
			return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: string(text)}}}, nil
		})
}

// mcpErrorResult is Munin's tool failure: isError with one text content.
func mcpErrorResult(text string) *mcp.CallToolResult {
	return &mcp.CallToolResult{IsError: true, Content: []mcp.Content{&mcp.TextContent{Text: text}}}
}

// front is Munin's HTTP layer in front of the MCP handler.
func (s *mcpTestServer) front(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := mcpHTTPRequest{Method: r.Method, Authorization: r.Header.Get("Authorization"), UserAgent: r.Header.Get("User-Agent")}
		var id json.RawMessage
		if r.Method == http.MethodPost {
			body, err := io.ReadAll(r.Body)
			require.NoError(s.t, err)
			r.Body = io.NopCloser(bytes.NewReader(body))
			var msg struct {
				ID     json.RawMessage `json:"id"`
				Method string          `json:"method"`
				Params struct {
					Name string `json:"name"`
				} `json:"params"`
			}
			_ = json.Unmarshal(body, &msg) // a response or a batch has no method
			rec.RPC, rec.Tool, id = msg.Method, msg.Params.Name, msg.ID
		}
		s.mu.Lock()
		s.requests = append(s.requests, rec)
		var inj *mcpInjection
		if rec.Authorization == "Bearer "+mcpTestKey {
			for i, in := range s.inject {
				if in.rpc == "" || in.rpc == rec.RPC {
					inj = &in
					s.inject = append(s.inject[:i:i], s.inject[i+1:]...)
					break
				}
			}
		}
		s.mu.Unlock()

		switch {
		case rec.Authorization != "Bearer "+mcpTestKey:
			// §7: a plain JSON 401, not JSON-RPC.
			w.Header().Set("WWW-Authenticate", `Bearer resource_metadata="`+s.srv.URL+`/.well-known/oauth-protected-resource"`)
			mcpWriteJSON(w, http.StatusUnauthorized, `{"statusCode":401,"message":"invalid or expired credential","error":"Unauthorized"}`)
		case inj != nil:
			inj.answer(w, id)
		default:
			w.Header().Set("X-Request-Id", "req_mcp")
			next.ServeHTTP(w, r)
		}
	})
}

func mcpWriteJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// handle sets the handler of tool.
func (s *mcpTestServer) handle(tool string, h mcpToolHandler) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.handlers[tool] = h
}

// respond makes tool answer v.
func (s *mcpTestServer) respond(tool string, v any) {
	s.handle(tool, func(context.Context, map[string]any) (any, error) { return v, nil })
}

// fail makes tool answer isError with text.
func (s *mcpTestServer) fail(tool, text string) {
	s.handle(tool, func(context.Context, map[string]any) (any, error) { return nil, mcpToolFailure(text) })
}

// injectNext answers the next request for rpc with answer.
func (s *mcpTestServer) injectNext(rpc string, answer func(w http.ResponseWriter, id json.RawMessage)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inject = append(s.inject, mcpInjection{rpc: rpc, answer: answer})
}

// burstLimitNext answers the next tool call with Munin's 429 (§1, §8).
func (s *mcpTestServer) burstLimitNext(retryAfter int) {
	s.injectNext("tools/call", func(w http.ResponseWriter, _ json.RawMessage) {
		mcpWriteJSON(w, http.StatusTooManyRequests, fmt.Sprintf(
			`{"code":"mcp_burst_limited","retryAfter":%d,"message":"MCP burst limit exceeded: 60 requests per minute"}`, retryAfter))
	})
}

// dropConnectionNext closes the connection of the next tool call without
// an answer.
func (s *mcpTestServer) dropConnectionNext() {
	s.injectNext("tools/call", func(w http.ResponseWriter, _ json.RawMessage) {
		conn, _, err := http.NewResponseController(w).Hijack()
		require.NoError(s.t, err)
		_ = conn.Close()
	})
}

// forgetSessions closes every server-side session (stateful mode), as a
// restarted server would.
func (s *mcpTestServer) forgetSessions() {
	for ss := range s.server.Sessions() {
		_ = ss.Close()
	}
}

// Calls returns the tool calls received so far.
func (s *mcpTestServer) Calls() []mcpToolCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]mcpToolCall(nil), s.calls...)
}

// lastCall returns the last tool call received.
func (s *mcpTestServer) lastCall() mcpToolCall {
	s.t.Helper()
	calls := s.Calls()
	require.NotEmpty(s.t, calls, "no tool call reached the server")
	return calls[len(calls)-1]
}

// Requests returns the HTTP requests received so far.
func (s *mcpTestServer) Requests() []mcpHTTPRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]mcpHTTPRequest(nil), s.requests...)
}

// count returns how many POSTs carried the JSON-RPC method rpc.
func (s *mcpTestServer) count(rpc string) int {
	n := 0
	for _, r := range s.Requests() {
		if r.RPC == rpc {
			n++
		}
	}
	return n
}

// connects counts the connects the server saw: a client opens a session
// with server/discover (protocol 2026-07-28), or, on a server that refuses
// it, with initialize (§8).
func (s *mcpTestServer) connects() int { return s.count("server/discover") + s.count("initialize") }

// client returns an admin client that talks to the server over MCP, with
// the endpoint derived from the base URL.
func (s *mcpTestServer) client(opts ...Option) *Client {
	s.t.Helper()
	c, err := NewClient(mcpTestKey, append([]Option{WithBaseURL(s.BaseURL), WithMCP("")}, opts...)...)
	require.NoError(s.t, err)
	s.t.Cleanup(func() { _ = c.Close() })
	require.True(s.t, strings.HasSuffix(c.mcp.endpoint, "/base/mcp"), c.mcp.endpoint)
	return c
}
