package munin

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewClientErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		key  string
		opts []Option
		want string
	}{
		{"empty key", "", nil, "munin: admin key is empty"},
		{"widget key", testWidgetKey, nil, `munin: admin key must start with "mn_admin_"`},
		{"white space", testAdminKey + " \n", nil, "munin: admin key contains white space"},
		{"control character", testAdminKey[:20] + "\x00" + testAdminKey[20:], nil, "munin: admin key contains white space or a control character"},
		{"origin", testAdminKey, []Option{WithOrigin(testOrigin)}, "WithOrigin applies to the widget client only"},
		{"channel", testAdminKey, []Option{WithChannel(testChannel)}, "WithChannel applies to the widget client only"},
		{"nil option", testAdminKey, []Option{nil}, "munin: nil Option"},
		{"bad base", testAdminKey, []Option{WithBaseURL("ftp://munin.test")}, "scheme must be http or https"},
		{"bad retry", testAdminKey, []Option{WithRetry(-1, time.Second)}, "WithRetry"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := NewClient(tc.key, tc.opts...)
			require.Error(t, err)
			assert.Nil(t, c)
			assert.Contains(t, err.Error(), tc.want)
			if len(tc.key) > len(adminKeyPrefix) {
				assert.NotContains(t, err.Error(), strings.TrimSpace(tc.key)[len(adminKeyPrefix):])
			}
		})
	}
}

func TestNewWidgetClientErrors(t *testing.T) {
	t.Parallel()
	both := []Option{WithOrigin(testOrigin), WithChannel(testChannel)}
	for _, tc := range []struct {
		name string
		key  string
		opts []Option
		want string
	}{
		{"admin key", testAdminKey, both, `munin: widget key must start with "mn_widget_"`},
		{"no origin", testWidgetKey, []Option{WithChannel(testChannel)}, "WithOrigin is required"},
		{"no channel", testWidgetKey, []Option{WithOrigin(testOrigin)}, "WithChannel is required"},
		{"bad origin", testWidgetKey, []Option{WithOrigin("shop.example"), WithChannel(testChannel)}, "WithOrigin"},
		{"mcp", testWidgetKey, append([]Option{WithMCP("")}, both...), "WithMCP applies to the admin client only"},
		{"echo filter", testWidgetKey, append([]Option{WithEchoFilter(NewEchoFilter(8))}, both...), "WithEchoFilter applies to the admin client only"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w, err := NewWidgetClient(tc.key, tc.opts...)
			require.Error(t, err)
			assert.Nil(t, w)
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, err.Error(), tc.key[len(adminKeyPrefix):])
		})
	}
}

// TestFormattingHidesKeys: no fmt verb of a client, a service or a
// client's parts reaches the key.
func TestFormattingHidesKeys(t *testing.T) {
	t.Parallel()
	m := newAPIMock(t)
	c := newTestClient(t, m)
	mc := newTestClient(t, m, WithMCP(testHost+"/mcp"))
	w := newTestWidget(t, m)

	values := []any{c, *c, mc, *mc, w, *w, c.Conversations, *c.Conversations, c.Channels, *c.Channels, c.Webhooks, *c.Webhooks}
	for _, v := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
			out := fmt.Sprintf(verb, v)
			assert.NotContains(t, out, testAdminKey, "%s of %T", verb, v)
			assert.NotContains(t, out, testWidgetKey, "%s of %T", verb, v)
			assert.NotContains(t, out, testAdminKey[len(adminKeyPrefix):], "%s of %T", verb, v)
			assert.NotContains(t, out, testWidgetKey[len(widgetKeyPrefix):], "%s of %T", verb, v)
		}
	}
	assert.Equal(t, "munin.Client{https://munin.test/base/, rest}", c.String())
	assert.Equal(t, "munin.Client{https://munin.test/base/, mcp}", mc.String())
	assert.Equal(t, "munin.WidgetClient{https://munin.test/base/, channel "+testChannel+"}", w.String())
	assert.Equal(t, testChannel, w.ChannelID())
}

// TestErrorsNeverHoldKeys: the errors of failed calls, of refused input
// and of the constructors never hold a key, whatever went wrong.
func TestErrorsNeverHoldKeys(t *testing.T) {
	t.Parallel()
	m := newAPIMock(t)
	echo := `{"statusCode":403,"message":"origin_not_allowed for ` + testWidgetKey + `","error":"Forbidden"}`
	m.On(http.MethodPost, pushPath, reply(http.StatusForbidden, echo))
	m.On(http.MethodGet, "/base/v1/conversations/"+convID, reply(http.StatusBadGateway, `{"message":"`+testAdminKey+`"}`))
	w := newTestWidget(t, m)
	c := newTestClient(t, m)

	var errs []error
	_, err := w.Push(context.Background(), Push{SessionID: "s", Messages: []WidgetMessage{{Body: "x"}}})
	errs = append(errs, err)
	_, err = c.Conversations.Get(context.Background(), convID)
	errs = append(errs, err)
	_, err = w.Push(context.Background(), Push{SessionID: testWidgetKey + strings.Repeat("x", 200), Messages: []WidgetMessage{{Body: "x"}}})
	errs = append(errs, err)
	_, err = NewClient(testAdminKey + "\t")
	errs = append(errs, err)
	for _, err := range errs {
		require.Error(t, err)
		for _, verb := range []string{"%v", "%+v", "%#v"} {
			out := fmt.Sprintf(verb, err)
			assert.NotContains(t, out, testWidgetKey[len(widgetKeyPrefix):])
			assert.NotContains(t, out, testAdminKey[len(adminKeyPrefix):])
		}
	}
}

// TestPathPrefix: WithPathPrefix("api") reaches a deployment that still
// serves /api/v1 (the older pages, §0 #1), under the base URL's own path.
func TestPathPrefix(t *testing.T) {
	t.Parallel()
	m := newAPIMock(t)
	m.On(http.MethodGet, "/base/api/v1/conversations/"+convID, reply(http.StatusOK, conversationDetail))
	m.On(http.MethodPost, "/base/api/v1/webhooks", reply(http.StatusCreated, webhookWithSecret))
	c := newTestClient(t, m, WithPathPrefix("/api/"))

	_, err := c.Conversations.Get(context.Background(), convID)
	require.NoError(t, err)
	_, err = c.Webhooks.Create(context.Background(), CreateWebhookRequest{URL: "https://bot.example/hook"})
	require.NoError(t, err)
	reqs := m.Requests()
	require.Len(t, reqs, 2)
	assertAdminRequest(t, reqs[0], http.MethodGet, "/base/api/v1/conversations/"+convID)
	assertAdminRequest(t, reqs[1], http.MethodPost, "/base/api/v1/webhooks")
}

// TestRootBaseURL: without a path, requests go to /v1/… as on
// api.getmunin.com.
func TestRootBaseURL(t *testing.T) {
	t.Parallel()
	m := newAPIMock(t)
	m.On(http.MethodGet, "/v1/webhooks", reply(http.StatusOK, `[]`))
	c := newTestClient(t, m, WithBaseURL(testHost))
	hooks, err := c.Webhooks.List(context.Background())
	require.NoError(t, err)
	assert.Empty(t, hooks)
	assertAdminRequest(t, m.Only(), http.MethodGet, "/v1/webhooks")
}

func TestUserAgent(t *testing.T) {
	t.Parallel()
	m := newAPIMock(t)
	m.On(http.MethodGet, "/base/v1/webhooks", reply(http.StatusOK, `[]`))
	_, err := newTestClient(t, m, WithUserAgent("storefront-bot/1.2")).Webhooks.List(context.Background())
	require.NoError(t, err)
	ua := m.Only().Header.Get("User-Agent")
	assert.True(t, strings.HasPrefix(ua, "storefront-bot/1.2 botbridge/"), ua)
	assert.Contains(t, ua, "(+munin)")
}

// TestWithRetryShortWait: a max wait under the default 1 s minimum lowers
// the minimum too (options.go), so tests and impatient callers can retry
// within milliseconds; zero retries sends once.
func TestWithRetryShortWait(t *testing.T) {
	t.Parallel()
	m := newAPIMock(t)
	m.On(http.MethodGet, "/base/v1/webhooks", reply(http.StatusServiceUnavailable, `{"statusCode":503,"message":"x"}`))
	start := time.Now()
	_, err := newTestClient(t, m, WithRetry(3, time.Millisecond)).Webhooks.List(context.Background())
	assert.ErrorIs(t, err, ErrServer)
	assert.Len(t, m.Requests(), 4)
	assert.Less(t, time.Since(start), 5*time.Second, "waits are capped at 1ms")

	m = newAPIMock(t)
	m.On(http.MethodGet, "/base/v1/webhooks", reply(http.StatusServiceUnavailable, `{"statusCode":503,"message":"x"}`))
	_, err = newTestClient(t, m, WithRetry(0, time.Millisecond)).Webhooks.List(context.Background())
	assert.ErrorIs(t, err, ErrServer)
	assert.Len(t, m.Requests(), 1)
}

// TestCloseWithoutMCP: a REST client has nothing to close.
func TestCloseWithoutMCP(t *testing.T) {
	t.Parallel()
	c := newTestClient(t, newAPIMock(t))
	assert.NoError(t, c.Close())
}

// TestRetrySafetyPerMethod: after a 502 the request may have been
// processed, so only the calls whose repeat is harmless are sent again
// (DESIGN §3): reads, calls that set a value, rotations (the last answer's
// secret is the live one), and pushes whose messages all carry a
// providerMessageId. A post, a create and an identify are not repeated.
func TestRetrySafetyPerMethod(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	conv := "/base/v1/conversations/" + convID
	channels := "/base/v1/conversations/channels/"
	hook := "/base/v1/webhooks/" + webhookID
	claim := `{"holderType":"user","holderId":"u1","expiresAt":"2026-08-21T10:30:00.000Z"}`
	tests := []struct {
		name, method, path string
		status             int
		answer             string
		retried            bool
		call               func(*Client, *WidgetClient) error
	}{
		{"Conversations.Get", http.MethodGet, conv, 200, conversationDetail, true, func(c *Client, _ *WidgetClient) error {
			_, err := c.Conversations.Get(ctx, convID)
			return err
		}},
		{"Conversations.List", http.MethodGet, "/base/v1/conversations", 200, listPage("", "ccv_a"), true, func(c *Client, _ *WidgetClient) error {
			for _, err := range c.Conversations.List(ctx, ListConversationsOptions{}) {
				if err != nil {
					return err
				}
			}
			return nil
		}},
		{"Conversations.SendMessage", http.MethodPost, conv + "/messages", 201, messageDto, false, func(c *Client, _ *WidgetClient) error {
			_, err := c.Conversations.SendMessage(ctx, convID, SendMessageRequest{Body: "hi"})
			return err
		}},
		{"Conversations.TakeOver", http.MethodPost, conv + "/take-over", 200, claim, true, func(c *Client, _ *WidgetClient) error {
			_, err := c.Conversations.TakeOver(ctx, convID, 0)
			return err
		}},
		{"Conversations.Release", http.MethodPost, conv + "/release", 200, `{"released":true}`, true, func(c *Client, _ *WidgetClient) error {
			return c.Conversations.Release(ctx, convID)
		}},
		{"Conversations.RequestHandover", http.MethodPost, conv + "/request-handover", 200, conversationSummary, true, func(c *Client, _ *WidgetClient) error {
			_, err := c.Conversations.RequestHandover(ctx, convID, HandoverRequest{})
			return err
		}},
		{"Conversations.SetAgentMode", http.MethodPost, conv + "/agent-mode", 200, conversationSummary, true, func(c *Client, _ *WidgetClient) error {
			_, err := c.Conversations.SetAgentMode(ctx, convID, AgentModeOff)
			return err
		}},
		{"Conversations.Assign", http.MethodPost, conv + "/assign", 200, conversationSummary, true, func(c *Client, _ *WidgetClient) error {
			_, err := c.Conversations.Assign(ctx, convID, "u1")
			return err
		}},
		{"Conversations.SetStatus", http.MethodPost, conv + "/status", 200, conversationSummary, true, func(c *Client, _ *WidgetClient) error {
			_, err := c.Conversations.SetStatus(ctx, convID, StatusRequest{Status: StatusClosed})
			return err
		}},
		{"Channels.CreateWidget", http.MethodPost, channels + "widget", 201, createdWidget, false, func(c *Client, _ *WidgetClient) error {
			_, err := c.Channels.CreateWidget(ctx, CreateWidgetRequest{Name: "bot", OriginAllowlist: []string{testOrigin}})
			return err
		}},
		{"Channels.UpdateWidget", http.MethodPatch, channels + "widget/" + testChannel, 200, widgetChannel, true, func(c *Client, _ *WidgetClient) error {
			_, err := c.Channels.UpdateWidget(ctx, testChannel, UpdateWidgetRequest{})
			return err
		}},
		{"Channels.RotateKey", http.MethodPost, channels + "widget/" + testChannel + "/rotate-key", 200, `{"widgetKey":"mn_widget_x"}`, true, func(c *Client, _ *WidgetClient) error {
			_, err := c.Channels.RotateKey(ctx, testChannel)
			return err
		}},
		{"Channels.RotateIdentitySecret", http.MethodPost, channels + "widget/" + testChannel + "/rotate-identity-secret", 200, `{"identityVerificationSecret":"x"}`, true, func(c *Client, _ *WidgetClient) error {
			_, err := c.Channels.RotateIdentitySecret(ctx, testChannel)
			return err
		}},
		{"Channels.Archive", http.MethodDelete, channels + testChannel, 204, ``, true, func(c *Client, _ *WidgetClient) error {
			return c.Channels.Archive(ctx, testChannel)
		}},
		{"Channels.Activate", http.MethodPost, channels + testChannel + "/activate", 200, `{}`, true, func(c *Client, _ *WidgetClient) error {
			return c.Channels.Activate(ctx, testChannel)
		}},
		{"Webhooks.Create", http.MethodPost, "/base/v1/webhooks", 201, webhookWithSecret, false, func(c *Client, _ *WidgetClient) error {
			_, err := c.Webhooks.Create(ctx, CreateWebhookRequest{URL: "https://bot.example/hook"})
			return err
		}},
		{"Webhooks.List", http.MethodGet, "/base/v1/webhooks", 200, `[]`, true, func(c *Client, _ *WidgetClient) error {
			_, err := c.Webhooks.List(ctx)
			return err
		}},
		{"Webhooks.Update", http.MethodPatch, hook, 200, webhookDto, true, func(c *Client, _ *WidgetClient) error {
			_, err := c.Webhooks.Update(ctx, webhookID, UpdateWebhookRequest{})
			return err
		}},
		{"Webhooks.Delete", http.MethodDelete, hook, 204, ``, true, func(c *Client, _ *WidgetClient) error {
			return c.Webhooks.Delete(ctx, webhookID)
		}},
		{"Webhooks.RotateSecret", http.MethodPost, hook + "/rotate-secret", 201, webhookWithSecret, true, func(c *Client, _ *WidgetClient) error {
			_, err := c.Webhooks.RotateSecret(ctx, webhookID)
			return err
		}},
		{"Webhooks.Deliveries", http.MethodGet, hook + "/deliveries", 200, `[]`, true, func(c *Client, _ *WidgetClient) error {
			_, err := c.Webhooks.Deliveries(ctx, webhookID, DeliveriesOptions{})
			return err
		}},
		{"Webhooks.EventTypes", http.MethodGet, "/base/v1/webhooks/event-types", 200, eventTypes, true, func(c *Client, _ *WidgetClient) error {
			_, err := c.Webhooks.EventTypes(ctx)
			return err
		}},
		{"Push", http.MethodPost, pushPath, 201, pushAnswer(1, 0), true, func(_ *Client, w *WidgetClient) error {
			_, err := w.Push(ctx, Push{SessionID: "s1", Messages: []WidgetMessage{{Body: "hi"}}})
			return err
		}},
		{"MessagesPage", http.MethodGet, pushPath, 200, feedPageOf(false, ""), true, func(_ *Client, w *WidgetClient) error {
			_, err := w.MessagesPage(ctx, MessagesRequest{SessionID: "s1"})
			return err
		}},
		{"UpdateVisitor", http.MethodPatch, "/base/v1/widget/visitor", 200, `{"contactId":"ctc_1"}`, true, func(_ *Client, w *WidgetClient) error {
			_, err := w.UpdateVisitor(ctx, VisitorUpdate{SessionID: "s1", Name: "Vita"})
			return err
		}},
		{"Identify", http.MethodPost, "/base/v1/widget/identify", 201, `{"endUserId":"eu_1"}`, false, func(_ *Client, w *WidgetClient) error {
			_, err := w.Identify(ctx, IdentifyRequest{SessionID: "s1", Identity: Identity{ExternalID: "u1", UserHash: UserHash("secret", "u1")}})
			return err
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := newAPIMock(t)
			m.On(tc.method, tc.path,
				reply(http.StatusBadGateway, `{"statusCode":502,"message":"Bad Gateway"}`),
				reply(tc.status, tc.answer))
			err := tc.call(newTestClient(t, m), newTestWidget(t, m))
			if tc.retried {
				require.NoError(t, err)
				assert.Len(t, m.Requests(), 2, "retried after the 502")
				return
			}
			assert.ErrorIs(t, err, ErrServer)
			assert.Len(t, m.Requests(), 1, "a repeat could act twice: not retried")
		})
	}
}

func TestZeroClientsPrintWithoutPanic(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "munin.Client{}", fmt.Sprint(&Client{}))
	assert.Equal(t, "munin.WidgetClient{}", fmt.Sprint(&WidgetClient{}))
}

// TestURLOptionErrorsHidePasswords: a refused URL option is named in the
// error without the password it may carry.
func TestURLOptionErrorsHidePasswords(t *testing.T) {
	t.Parallel()
	_, err := NewWidgetClient(testWidgetKey, WithChannel(testChannel), WithOrigin("ftp://shop:hunter2@shop.example"))
	require.ErrorContains(t, err, `WithOrigin "ftp://shop:xxxxx@shop.example": must be an http or https origin`)
	_, err = NewClient(testAdminKey, WithMCP("ftp://bot:hunter2@mcp.example"))
	require.ErrorContains(t, err, `WithMCP "ftp://bot:xxxxx@mcp.example": must be an absolute http or https URL`)
	_, err = NewClient(testAdminKey, WithMCP("https://bot:hunter2@mcp.example\x7f"))
	require.ErrorContains(t, err, "WithMCP: must be an absolute http or https URL")
	assert.NotContains(t, err.Error(), "hunter2")
}
