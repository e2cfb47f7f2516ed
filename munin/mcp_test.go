package munin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/internal/transport"
)

func TestMCPEndpoint(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts []Option
		want string
	}{
		{"hosted default", nil, DefaultMCPURL},
		{"hosted, base given without slash", []Option{WithBaseURL("https://api.getmunin.com")}, DefaultMCPURL},
		{"hosted with a path prefix", []Option{WithPathPrefix("api")}, DefaultMCPURL},
		{"self-hosted", []Option{WithBaseURL("http://localhost:3001")}, "http://localhost:3001/mcp"},
		{"self-hosted, trailing slashes", []Option{WithBaseURL("http://localhost:3001//")}, "http://localhost:3001/mcp"},
		{"behind a proxy mount", []Option{WithBaseURL("https://example.com/munin/")}, "https://example.com/munin/mcp"},
		{"path prefix is REST only", []Option{WithBaseURL("http://localhost:3001"), WithPathPrefix("/api/")}, "http://localhost:3001/mcp"},
		{"proxy mount and path prefix", []Option{WithBaseURL("https://example.com/munin"), WithPathPrefix("api")}, "https://example.com/munin/mcp"},
		{"explicit endpoint wins", []Option{WithBaseURL("http://localhost:3001"), WithMCP("https://mcp.example.com/x")}, "https://mcp.example.com/x"},
		{"explicit hosted endpoint", []Option{WithMCP(DefaultMCPURL)}, DefaultMCPURL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			opts := append([]Option{WithMCP("")}, tt.opts...) // a later WithMCP wins
			c, err := NewClient(mcpTestKey, opts...)
			require.NoError(t, err)
			assert.Equal(t, tt.want, c.mcp.endpoint)
			assert.NoError(t, c.Close())
		})
	}
}

func TestMCPEndpointWithCredentialsRefused(t *testing.T) {
	t.Parallel()
	_, err := NewClient(mcpTestKey, WithMCP("https://user:hunter2@mcp.example.com/"))
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "hunter2")
}

func TestMCPReusesOneSession(t *testing.T) {
	t.Parallel()
	srv := newMCPTestServer(t)
	srv.respond("conv_get_conversation", map[string]any{"id": "ccv_1"})
	c := srv.client(WithUserAgent("storefront-bot/1.2"))

	const calls = 20
	for range calls {
		var out struct{ ID string }
		require.NoError(t, c.mcp.call(t.Context(), "conv_get_conversation", map[string]any{"id": "ccv_1"}, &out))
		assert.Equal(t, "ccv_1", out.ID)
	}

	assert.Equal(t, 1, srv.connects(), "one connect for the client's life (§8)")
	assert.Equal(t, calls, srv.count("tools/call"))
	// §8: every request counts against 60/min; a Streamable session with
	// the default protocol costs one request to open and none to keep.
	assert.Len(t, srv.Requests(), calls+1)
	for _, r := range srv.Requests() {
		assert.Equal(t, "Bearer "+mcpTestKey, r.Authorization)
		assert.True(t, strings.HasPrefix(r.UserAgent, "storefront-bot/1.2 botbridge/"), r.UserAgent)
		assert.True(t, strings.HasSuffix(r.UserAgent, " (+munin)"), r.UserAgent)
	}
}

func TestMCPConnectsLazily(t *testing.T) {
	t.Parallel()
	srv := newMCPTestServer(t)
	c := srv.client()
	assert.Empty(t, srv.Requests(), "NewClient sends nothing")
	require.NoError(t, c.Close())
	assert.Empty(t, srv.Requests(), "closing an unused client sends nothing")
}

func TestMCPConcurrentCalls(t *testing.T) {
	t.Parallel()
	srv := newMCPTestServer(t)
	srv.handle("conv_get_conversation", func(_ context.Context, args map[string]any) (any, error) {
		return map[string]any{"id": args["id"]}, nil
	})
	c := srv.client()

	const callers = 32
	var wg sync.WaitGroup
	errs := make([]error, callers)
	got := make([]string, callers)
	for i := range callers {
		wg.Go(func() {
			var out struct{ ID string }
			errs[i] = c.mcp.call(t.Context(), "conv_get_conversation", map[string]any{"id": fmt.Sprint("ccv_", i)}, &out)
			got[i] = out.ID
		})
	}
	wg.Wait()

	for i := range callers {
		require.NoError(t, errs[i])
		assert.Equal(t, fmt.Sprint("ccv_", i), got[i])
	}
	assert.Equal(t, 1, srv.connects(), "concurrent first calls share one connect")
	assert.Equal(t, callers, srv.count("tools/call"))
}

func TestMCPResultDecoding(t *testing.T) {
	t.Parallel()
	srv := newMCPTestServer(t)
	srv.respond("webhooks_list", []map[string]any{{"id": "whk_1"}, {"id": "whk_2"}})
	c := srv.client()

	var hooks []struct{ ID string }
	require.NoError(t, c.mcp.call(t.Context(), "webhooks_list", nil, &hooks))
	assert.Equal(t, []struct{ ID string }{{"whk_1"}, {"whk_2"}}, hooks)
	assert.Equal(t, map[string]any{}, srv.lastCall().Args, "nil args are sent as {}")

	// out may be nil: the result is read and dropped.
	require.NoError(t, c.mcp.call(t.Context(), "webhooks_delete", map[string]any{"id": "whk_1"}, nil))

	var wrong struct{ ID int }
	srv.respond("conv_get_conversation", map[string]any{"id": "ccv_1"})
	err := c.mcp.call(t.Context(), "conv_get_conversation", map[string]any{"id": "x"}, &wrong)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "conv_get_conversation")
	assert.Contains(t, err.Error(), "decode result")
}

func TestMCPArgumentsMustBeAnObject(t *testing.T) {
	t.Parallel()
	srv := newMCPTestServer(t)
	c := srv.client()
	for _, args := range []any{"ccv_1", []string{"a"}, 42, func() {}} {
		err := c.mcp.call(t.Context(), "conv_get_conversation", args, nil)
		require.Error(t, err, "%T", args)
		assert.Contains(t, err.Error(), "conv_get_conversation: arguments")
	}
	type params struct {
		ID string `json:"id"`
	}
	require.NoError(t, c.mcp.call(t.Context(), "conv_get_conversation", params{ID: "ccv_9"}, nil))
	assert.Equal(t, map[string]any{"id": "ccv_9"}, srv.lastCall().Args)
	assert.Len(t, srv.Calls(), 1, "bad arguments are refused before anything is sent")
}

// TestMCPToolErrors checks that each isError text of §5 and §8 becomes the
// *APIError the REST twin would give: its code's sentinel and the sentinel
// of the twin's status.
func TestMCPToolErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		text     string
		code     string
		status   int
		sentinel error // the code's sentinel, or nil
		class    error // the status's sentinel
	}{
		{"handover_active: conversation ccv_1 is claimed by a human until 2026-08-21T10:30:00.000Z", "handover_active", 409, ErrHandoverActive, ErrConflict},
		{"claim_held_by_other: claim held by another user", "claim_held_by_other", 409, ErrClaimHeldByOther, ErrConflict},
		{"agent_reply_race: a newer agent message exists", "agent_reply_race", 409, ErrAgentReplyRace, ErrConflict},
		{"conv_not_found: conversation ccv_404", "conv_not_found", 404, ErrConversationNotFound, ErrNotFound},
		{"webhook whk_404 not found", "", 404, nil, ErrNotFound},
		{"channel cch_404 not found or archived", "", 404, nil, ErrNotFound},
		{"Unknown tool: conv_widget_create_channel", "unknown_tool", 404, nil, ErrNotFound},
		{"rate_limited: daily tool call limit of 1000 reached", "rate_limited", 429, ErrRateLimited, ErrRateLimited},
		{"Missing required scope: conv:write", "scope_missing", 403, ErrScopeMissing, ErrForbidden},
		{"channel cch_1 is inactive", "channel_inactive", 403, ErrChannelInactive, ErrForbidden},
		{"Invalid input: body: String must contain at least 1 character(s)", "validation_failed", 400, nil, ErrValidation},
		{"validation_failed: url: webhook URL must use https://", "validation_failed", 400, nil, ErrValidation},
		{"origin_allowlist_required: a widget channel needs an origin allowlist", "origin_allowlist_required", 400, ErrOriginAllowlistRequired, ErrValidation},
		{"assignee_not_member: user is not a member of the org", "assignee_not_member", 422, nil, ErrValidation},
		{"Cannot read properties of undefined (reading 'id')", "", 500, nil, ErrServer},
		{"", "", 500, nil, ErrServer},
	}
	srv := newMCPTestServer(t)
	c := srv.client()
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			// Not parallel: the subtests share the server's handler.
			srv.fail("conv_send_message", tt.text)
			err := c.mcp.call(t.Context(), "conv_send_message", map[string]any{"conversationId": "ccv_1", "body": "hi"}, nil)
			require.Error(t, err)
			var apiErr *APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, "munin", apiErr.Vendor)
			assert.Equal(t, "MCP", apiErr.Method)
			assert.Equal(t, "conv_send_message", apiErr.Path)
			assert.Equal(t, tt.status, apiErr.StatusCode)
			assert.Equal(t, tt.code, apiErr.Code)
			assert.Equal(t, tt.text, apiErr.Message)
			assert.ErrorIs(t, err, tt.class)
			if tt.sentinel != nil {
				assert.ErrorIs(t, err, tt.sentinel)
			}
			assert.NotContains(t, err.Error(), "\n")
		})
	}
	assert.Equal(t, 1, srv.connects(), "a tool error leaves the session alone")
}

// TestMCPToolErrorMatchesREST checks the point of the mapping: a bot's
// errors.Is branches work the same over both transports.
func TestMCPToolErrorMatchesREST(t *testing.T) {
	t.Parallel()
	srv := newMCPTestServer(t)
	srv.fail("conv_send_message", "handover_active: a human holds the conversation")
	c := srv.client()

	mcpErr := c.mcp.call(t.Context(), "conv_send_message", map[string]any{"conversationId": "ccv_1", "body": "hi"}, nil)
	// REST's answer to the same post (§1): 409 with the code in the body.
	code, message, kind := decodeError(409, nil, []byte(`{"message":"handover_active: a human holds the conversation","code":"handover_active"}`))
	restErr := transport.NewAPIError("munin", "POST", "/v1/conversations/ccv_1/messages", 409, code, message, kind)

	for _, target := range []error{ErrHandoverActive, ErrConflict} {
		assert.ErrorIs(t, restErr, target)
		assert.ErrorIs(t, mcpErr, target)
	}
	var a, b *APIError
	require.ErrorAs(t, mcpErr, &a)
	require.ErrorAs(t, restErr, &b)
	assert.Equal(t, b.StatusCode, a.StatusCode)
	assert.Equal(t, b.Code, a.Code)
	assert.Equal(t, b.Message, a.Message)
	assert.NotErrorIs(t, mcpErr, ErrNotFound)
	assert.NotErrorIs(t, mcpErr, ErrRateLimited)
}

func TestMCPBurstLimited(t *testing.T) {
	t.Parallel()
	srv := newMCPTestServer(t)
	c := srv.client()
	require.NoError(t, c.mcp.call(t.Context(), "webhooks_list", nil, nil))

	srv.burstLimitNext(17)
	err := c.mcp.call(t.Context(), "webhooks_list", nil, nil)
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrRateLimited)
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusTooManyRequests, apiErr.StatusCode)
	assert.Equal(t, "mcp_burst_limited", apiErr.Code)
	assert.Equal(t, 17*time.Second, apiErr.RetryAfter, "retryAfter from the body, which the SDK drops (§8)")
	assert.Contains(t, err.Error(), "webhooks_list")
	assert.Contains(t, string(apiErr.Body), `"retryAfter":17`)

	// Not retried by the SDK, and the session survives a 429.
	require.NoError(t, c.mcp.call(t.Context(), "webhooks_list", nil, nil))
	assert.Equal(t, 1, srv.connects())
	assert.Equal(t, 3, srv.count("tools/call"))
}

func TestMCPBurstLimitedOnConnect(t *testing.T) {
	t.Parallel()
	srv := newMCPTestServer(t)
	for range 2 { // server/discover, then the SDK's initialize fallback
		srv.injectNext("", func(w http.ResponseWriter, _ json.RawMessage) {
			mcpWriteJSON(w, http.StatusTooManyRequests, `{"code":"mcp_burst_limited","retryAfter":3}`)
		})
	}
	c := srv.client()
	err := c.mcp.call(t.Context(), "webhooks_list", nil, nil)
	assert.ErrorIs(t, err, ErrRateLimited)
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 3*time.Second, apiErr.RetryAfter)

	// The next call connects again.
	require.NoError(t, c.mcp.call(t.Context(), "webhooks_list", nil, nil))
	assert.Equal(t, 1, srv.count("tools/call"))
}

func TestMCPBadKey(t *testing.T) {
	t.Parallel()
	srv := newMCPTestServer(t)
	const badKey = "mn_admin_WRONGwrongWRONGwrongWRONGwrongWRONGwrongWRO"
	c, err := NewClient(badKey, WithBaseURL(srv.BaseURL), WithMCP(""))
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })

	err = c.mcp.call(t.Context(), "conv_get_conversation", map[string]any{"id": "ccv_1"}, nil)
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrUnauthorized)
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusUnauthorized, apiErr.StatusCode)
	assert.Equal(t, "invalid or expired credential", apiErr.Message)
	assert.Equal(t, "conv_get_conversation", apiErr.Path)
	assert.NotContains(t, err.Error(), badKey)
	assert.NotContains(t, fmt.Sprintf("%+v %#v", err, apiErr), badKey)
	assert.Empty(t, srv.Calls())
	// server/discover, then the SDK's fallback to initialize (§8).
	assert.LessOrEqual(t, len(srv.Requests()), 2)
}

func TestMCPBadKeySharedByConcurrentCallers(t *testing.T) {
	t.Parallel()
	srv := newMCPTestServer(t)
	c, err := NewClient("mn_admin_WRONGwrongWRONGwrongWRONGwrongWRONGwrongWRO", WithBaseURL(srv.BaseURL), WithMCP(""))
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })

	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			err := c.mcp.call(t.Context(), "webhooks_list", nil, nil)
			assert.ErrorIs(t, err, ErrUnauthorized)
			var apiErr *APIError
			if assert.ErrorAs(t, err, &apiErr) {
				assert.Equal(t, "webhooks_list", apiErr.Path)
			}
		})
	}
	wg.Wait()
	// A caller that waited for someone else's failing connect gets its
	// error, named after its own tool, instead of connecting again.
	assert.Empty(t, srv.Calls())
}

func TestMCPReconnectsAfterSessionForgotten(t *testing.T) {
	t.Parallel()
	srv := newMCPTestServer(t, mcpStateful())
	srv.respond("conv_get_conversation", map[string]any{"id": "ccv_1"})
	c := srv.client()

	require.NoError(t, c.mcp.call(t.Context(), "conv_get_conversation", map[string]any{"id": "ccv_1"}, nil))
	require.Equal(t, 1, srv.count("initialize"))

	srv.forgetSessions()
	// The server answers 404 to the old session: the tool never ran, so
	// the call goes out again on a new session.
	var out struct{ ID string }
	require.NoError(t, c.mcp.call(t.Context(), "conv_get_conversation", map[string]any{"id": "ccv_1"}, &out))
	assert.Equal(t, "ccv_1", out.ID)
	assert.Equal(t, 2, srv.count("initialize"))
	assert.Len(t, srv.Calls(), 2, "each call ran once")
	assert.Equal(t, 3, srv.count("tools/call"), "one tools/call was answered 404 and sent again")
}

func TestMCPReconnectsAfterConnectionDropped(t *testing.T) {
	t.Parallel()
	srv := newMCPTestServer(t)
	c := srv.client()
	require.NoError(t, c.mcp.call(t.Context(), "webhooks_list", nil, nil))

	srv.dropConnectionNext()
	err := c.mcp.call(t.Context(), "conv_send_message", map[string]any{"conversationId": "ccv_1", "body": "hi"}, nil)
	require.Error(t, err, "the post may have reached Munin: not sent again")
	assert.Contains(t, err.Error(), "conv_send_message")
	assert.Equal(t, 1, srv.connects())

	require.NoError(t, c.mcp.call(t.Context(), "webhooks_list", nil, nil))
	assert.Equal(t, 2, srv.connects(), "the next call reconnected")
}

func TestMCPReconnectsAfterTerminalHTTPError(t *testing.T) {
	t.Parallel()
	srv := newMCPTestServer(t)
	c := srv.client()
	require.NoError(t, c.mcp.call(t.Context(), "webhooks_list", nil, nil))

	// A 400 that is not JSON-RPC makes the SDK give the connection up.
	srv.injectNext("tools/call", func(w http.ResponseWriter, _ json.RawMessage) {
		http.Error(w, "Bad Request: bad session", http.StatusBadRequest)
	})
	err := c.mcp.call(t.Context(), "webhooks_list", nil, nil)
	assert.ErrorIs(t, err, ErrValidation)
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusBadRequest, apiErr.StatusCode)

	require.NoError(t, c.mcp.call(t.Context(), "webhooks_list", nil, nil))
	assert.Equal(t, 2, srv.connects())
}

func TestMCPProtocolError(t *testing.T) {
	t.Parallel()
	srv := newMCPTestServer(t)
	c := srv.client()
	require.NoError(t, c.mcp.call(t.Context(), "webhooks_list", nil, nil))

	// §7: an unknown JSON-RPC method is HTTP 200 with error -32601.
	srv.injectNext("tools/call", func(w http.ResponseWriter, id json.RawMessage) {
		mcpWriteJSON(w, http.StatusOK, `{"jsonrpc":"2.0","id":`+string(id)+`,"error":{"code":-32601,"message":"Method not found"}}`)
	})
	err := c.mcp.call(t.Context(), "webhooks_list", nil, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "webhooks_list")
	assert.Contains(t, err.Error(), "-32601")
	assert.Contains(t, err.Error(), "Method not found")
	var apiErr *APIError
	assert.False(t, errors.As(err, &apiErr), "not a Munin answer to the call")

	require.NoError(t, c.mcp.call(t.Context(), "webhooks_list", nil, nil))
	assert.Equal(t, 1, srv.connects(), "a JSON-RPC error leaves the session alone")
}

func TestMCPKeyNeverLeaks(t *testing.T) {
	t.Parallel()
	srv := newMCPTestServer(t)
	// A server that echoes the key wherever it can.
	srv.fail("conv_send_message", "handover_active: caller "+mcpTestKey+" is not the holder")
	var logs strings.Builder
	c := srv.client(WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))

	var errs []error
	errs = append(errs, c.mcp.call(t.Context(), "conv_send_message", map[string]any{"conversationId": "ccv_1", "body": "hi"}, nil))
	srv.injectNext("tools/call", func(w http.ResponseWriter, id json.RawMessage) {
		mcpWriteJSON(w, http.StatusOK, `{"jsonrpc":"2.0","id":`+string(id)+`,"error":{"code":-32603,"message":"bad key `+mcpTestKey+`"}}`)
	})
	errs = append(errs, c.mcp.call(t.Context(), "webhooks_list", nil, nil))
	srv.injectNext("tools/call", func(w http.ResponseWriter, _ json.RawMessage) {
		mcpWriteJSON(w, http.StatusTooManyRequests, `{"code":"mcp_burst_limited","retryAfter":1,"message":"slow down, `+mcpTestKey+`"}`)
	})
	errs = append(errs, c.mcp.call(t.Context(), "webhooks_list", nil, nil))
	srv.dropConnectionNext()
	errs = append(errs, c.mcp.call(t.Context(), "webhooks_list", nil, nil))

	for i, err := range errs {
		require.Error(t, err, i)
		for _, s := range []string{err.Error(), fmt.Sprintf("%v|%+v|%#v|%s|%q", err, err, err, err, err)} {
			assert.NotContains(t, s, mcpTestKey, "error %d", i)
		}
		var apiErr *APIError
		if errors.As(err, &apiErr) {
			assert.NotContains(t, string(apiErr.Body), mcpTestKey)
			assert.NotContains(t, apiErr.Message, mcpTestKey)
			assert.NotContains(t, fmt.Sprintf("%#v", *apiErr), mcpTestKey)
		}
	}
	assert.Contains(t, errs[0].Error(), "[REDACTED]")
	for _, v := range []any{c, c.mcp} {
		assert.NotContains(t, fmt.Sprintf("%v|%+v|%#v", v, v, v), mcpTestKey)
	}
	assert.NotEmpty(t, logs.String(), "the logger saw the connects")
	assert.NotContains(t, logs.String(), mcpTestKey)
}

func TestMCPContextCanceled(t *testing.T) {
	t.Parallel()
	srv := newMCPTestServer(t)
	started, release := make(chan struct{}), make(chan struct{})
	srv.handle("conv_get_conversation", func(ctx context.Context, _ map[string]any) (any, error) {
		close(started)
		select {
		case <-release:
		case <-ctx.Done():
		}
		return map[string]any{}, nil
	})
	c := srv.client()

	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- c.mcp.call(ctx, "conv_get_conversation", map[string]any{"id": "ccv_1"}, nil) }()
	<-started
	cancel()
	err := <-done
	close(release)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Contains(t, err.Error(), "conv_get_conversation")

	// A canceled call does not cost the session.
	srv.respond("conv_get_conversation", map[string]any{"id": "ccv_1"})
	require.NoError(t, c.mcp.call(t.Context(), "conv_get_conversation", map[string]any{"id": "ccv_1"}, nil))
	assert.Equal(t, 1, srv.connects())
}

func TestMCPCanceledBeforeConnect(t *testing.T) {
	t.Parallel()
	srv := newMCPTestServer(t)
	c := srv.client()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	err := c.mcp.call(ctx, "webhooks_list", nil, nil)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Empty(t, srv.Calls())
}

func TestMCPTimeout(t *testing.T) {
	t.Parallel()
	srv := newMCPTestServer(t)
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	srv.handle("conv_get_conversation", func(ctx context.Context, _ map[string]any) (any, error) {
		select {
		case <-release:
		case <-ctx.Done():
		}
		return map[string]any{}, nil
	})
	c := srv.client(WithTimeout(50 * time.Millisecond))
	err := c.mcp.call(t.Context(), "conv_get_conversation", map[string]any{"id": "ccv_1"}, nil)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestMCPClose(t *testing.T) {
	t.Parallel()
	srv := newMCPTestServer(t)
	c := srv.client()
	require.NoError(t, c.mcp.call(t.Context(), "webhooks_list", nil, nil))
	require.NoError(t, c.Close())
	require.NoError(t, c.Close(), "Close is idempotent")

	err := c.mcp.call(t.Context(), "webhooks_list", nil, nil)
	assert.ErrorIs(t, err, errMCPClosed)
	assert.Equal(t, 1, srv.count("tools/call"))
}

func TestMCPCloseDuringCalls(t *testing.T) {
	t.Parallel()
	srv := newMCPTestServer(t)
	c := srv.client()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			err := c.mcp.call(t.Context(), "webhooks_list", nil, nil)
			if err != nil {
				assert.ErrorIs(t, err, errMCPClosed)
			}
		})
	}
	require.NoError(t, c.Close())
	wg.Wait()
}

func TestMCPNullResult(t *testing.T) {
	t.Parallel()
	srv := newMCPTestServer(t)
	c := srv.client()
	srv.respond("webhooks_list", nil) // JSON null: decodes into a nil slice
	var hooks []map[string]any
	require.NoError(t, c.mcp.call(t.Context(), "webhooks_list", nil, &hooks))
	assert.Nil(t, hooks)
}

func TestMCPResponseTooLarge(t *testing.T) {
	t.Parallel()
	srv := newMCPTestServer(t)
	srv.respond("webhooks_list", []string{strings.Repeat("x", 4096)})
	s, err := newSettings(mcpTestKey, adminKeyPrefix, "admin key", []Option{WithBaseURL(srv.BaseURL), WithMCP("")})
	require.NoError(t, err)
	s.config.MaxResponseBytes = 1024
	m, err := newMCPSession(s, mustParseURL(t, srv.BaseURL))
	require.NoError(t, err)
	t.Cleanup(func() { _ = m.close() })

	err = m.call(t.Context(), "webhooks_list", nil, nil)
	assert.ErrorIs(t, err, transport.ErrResponseTooLarge)
	assert.Contains(t, err.Error(), "webhooks_list")

	srv.respond("webhooks_list", []string{})
	require.NoError(t, m.call(t.Context(), "webhooks_list", nil, nil))
	assert.Equal(t, 2, srv.connects(), "the SDK gave the connection up; the next call reconnected")
}

func mustParseURL(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	require.NoError(t, err)
	return u
}

// TestMCPHTTPErrorRetryAfter: the retryAfter of an MCP 429 body (§1) is
// read whatever its JSON type, capped, and never costs the rest of the
// error; without it the headers count.
func TestMCPHTTPErrorRetryAfter(t *testing.T) {
	t.Parallel()
	m := &mcpSession{}
	for _, tc := range []struct {
		name   string
		body   string
		header http.Header
		want   time.Duration
	}{
		{"number", `{"code":"mcp_burst_limited","retryAfter":17}`, nil, 17 * time.Second},
		{"fraction", `{"code":"mcp_burst_limited","retryAfter":1.5}`, nil, 1500 * time.Millisecond},
		{"string", `{"code":"mcp_burst_limited","retryAfter":"17"}`, nil, 17 * time.Second},
		{"huge", `{"code":"mcp_burst_limited","retryAfter":1e300}`, nil, maxMCPRetryAfter},
		{"not a number", `{"code":"mcp_burst_limited","retryAfter":"soon"}`, http.Header{"Retry-After": {"9"}}, 9 * time.Second},
		{"negative", `{"code":"mcp_burst_limited","retryAfter":-5}`, nil, 0},
		{"absent", `{"code":"mcp_burst_limited"}`, http.Header{"Retry-After-Public-Minute": {"4"}}, 4 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := tc.header
			if h == nil {
				h = http.Header{}
			}
			e := m.httpError("webhooks_list", &mcpHTTPFailure{status: http.StatusTooManyRequests, header: h, body: []byte(tc.body)})
			assert.Equal(t, tc.want, e.RetryAfter)
			assert.Equal(t, "mcp_burst_limited", e.Code)
			assert.ErrorIs(t, e, ErrRateLimited)
		})
	}

	// A JSON-RPC error in a non-2xx answer keeps its message even when
	// another field has an unexpected type.
	e := m.httpError("webhooks_list", &mcpHTTPFailure{status: http.StatusBadRequest, header: http.Header{},
		body: []byte(`{"jsonrpc":"2.0","id":1,"retryAfter":"x","error":{"code":-32600,"message":"Invalid Request"}}`)})
	assert.Equal(t, "Invalid Request", e.Message)
	assert.ErrorIs(t, e, ErrValidation)
}
