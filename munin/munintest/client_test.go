package munintest_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/munin"
	"github.com/botbridge/botbridge/munin/munintest"
)

// These tests drive the fake through the munin package's clients, the way
// users and the examples do.

func widgetClient(t *testing.T, s *munintest.Server, opts ...munin.Option) *munin.WidgetClient {
	t.Helper()
	ch := s.Channel()
	base := []munin.Option{munin.WithBaseURL(s.URL), munin.WithOrigin(munintest.DefaultOrigin), munin.WithChannel(ch.ID),
		munin.WithRetry(3, 10*time.Millisecond)}
	w, err := munin.NewWidgetClient(ch.WidgetKey, append(base, opts...)...)
	require.NoError(t, err)
	return w
}

func adminClient(t *testing.T, s *munintest.Server, key string, opts ...munin.Option) *munin.Client {
	t.Helper()
	c, err := munin.NewClient(key, append([]munin.Option{munin.WithBaseURL(s.URL), munin.WithRetry(3, 10*time.Millisecond)}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

func TestWidgetClientPushesAndReadsTheFeed(t *testing.T) {
	t.Parallel()
	s := munintest.NewServer(t)
	w := widgetClient(t, s)
	var msgs []munin.WidgetMessage
	for i := range 120 {
		msgs = append(msgs, munin.WidgetMessage{Body: fmt.Sprintf("message %d", i)})
	}
	p := munin.Push{SessionID: "vis_abc123", Visitor: &munin.Visitor{Name: "Vita", Email: "vita@example.com"}, Messages: msgs}
	res, err := w.Push(ctx(t), p)
	require.NoError(t, err)
	assert.Equal(t, 120, res.Inserted)
	assert.Equal(t, 3, res.Requests, "more than 50 messages are split")

	// Pushing again with the ids the client used stores nothing.
	for i := range p.Messages {
		p.Messages[i].ProviderMessageID = res.ProviderMessageIDs[i]
	}
	again, err := w.Push(ctx(t), p)
	require.NoError(t, err)
	assert.Equal(t, 0, again.Inserted)
	assert.Equal(t, 120, again.Skipped)

	n := 0
	for m, err := range w.Messages(ctx(t), munin.MessagesRequest{SessionID: "vis_abc123"}) {
		require.NoError(t, err)
		assert.Equal(t, fmt.Sprintf("message %d", n), m.Body)
		n++
	}
	assert.Equal(t, 120, n, "the feed pages through all of them")
}

func TestWidgetClientRetryIsIdempotent(t *testing.T) {
	t.Parallel()
	s := munintest.NewServer(t)
	w := widgetClient(t, s)
	s.FailNextAfterCommit("POST /v1/widget/messages", http.StatusBadGateway, 1)
	res, err := w.Push(ctx(t), munin.Push{SessionID: "vis_a", Messages: []munin.WidgetMessage{{Body: "hi"}, {Body: "there"}}})
	require.NoError(t, err, "the client retried the 502")
	assert.Equal(t, 0, res.Inserted)
	assert.Equal(t, 2, res.Skipped, "the retry found both rows stored")
	conv, _ := s.ConversationBySession("vis_a")
	assert.Len(t, conv.Messages, 2)
	assert.Len(t, s.Requests(), 2)
}

func TestWidgetClientErrors(t *testing.T) {
	t.Parallel()
	s := munintest.NewServer(t)
	ch := s.Channel()
	push := munin.Push{SessionID: "vis_a", Messages: []munin.WidgetMessage{{Body: "hi"}}}

	foreign := widgetClient(t, s, munin.WithOrigin("https://evil.example"))
	_, err := foreign.Push(ctx(t), push)
	assert.ErrorIs(t, err, munin.ErrOriginNotAllowed)
	var apiErr *munin.APIError
	require.True(t, errors.As(err, &apiErr))
	assert.Equal(t, http.StatusForbidden, apiErr.StatusCode)
	assert.NotEmpty(t, apiErr.RequestID)

	require.True(t, s.SetChannelActive(ch.ID, false))
	_, err = widgetClient(t, s).Push(ctx(t), push)
	assert.ErrorIs(t, err, munin.ErrChannelInactive)
	s.SetChannelActive(ch.ID, true)

	old := widgetClient(t, s)
	admin := adminClient(t, s, s.AdminKey())
	_, err = admin.Channels.RotateKey(ctx(t), ch.ID)
	require.NoError(t, err)
	_, err = old.Push(ctx(t), push)
	assert.ErrorIs(t, err, munin.ErrUnauthorized)

	s2 := munintest.NewServer(t, munintest.WithRateLimit(1, 0))
	w := widgetClient(t, s2, munin.WithRetry(0, time.Second))
	_, err = w.Push(ctx(t), push)
	require.NoError(t, err)
	_, err = w.Push(ctx(t), push)
	assert.ErrorIs(t, err, munin.ErrRateLimited)
	require.True(t, errors.As(err, &apiErr))
	assert.Equal(t, time.Minute, apiErr.RetryAfter, "from retry-after-public-minute")
}

func TestAdminClientOverREST(t *testing.T) {
	t.Parallel()
	s := munintest.NewServer(t)
	res, err := widgetClient(t, s).Push(ctx(t), munin.Push{SessionID: "vis_a", Messages: []munin.WidgetMessage{{Body: "Where is my order?"}}})
	require.NoError(t, err)
	admin := adminClient(t, s, s.AdminKey())

	detail, err := admin.Conversations.Get(ctx(t), res.ConversationID)
	require.NoError(t, err)
	assert.Nil(t, detail.Claim)
	assert.False(t, detail.ClaimUnknown)
	sent, err := admin.Conversations.SendMessage(ctx(t), res.ConversationID, munin.SendMessageRequest{Body: "It ships today."})
	require.NoError(t, err)
	assert.Equal(t, munin.AuthorAgent, sent.AuthorType)

	_, err = s.Dashboard().Reply(res.ConversationID, "Sam here")
	require.NoError(t, err)
	_, err = admin.Conversations.SendMessage(ctx(t), res.ConversationID, munin.SendMessageRequest{Body: "bot"})
	assert.ErrorIs(t, err, munin.ErrHandoverActive)
	_, err = admin.Conversations.TakeOver(ctx(t), res.ConversationID, 0)
	assert.ErrorIs(t, err, munin.ErrClaimHeldByOther)
	detail, err = admin.Conversations.Get(ctx(t), res.ConversationID)
	require.NoError(t, err)
	require.NotNil(t, detail.Claim)
	assert.Equal(t, s.Dashboard().UserID(), detail.Claim.HolderID)

	_, err = admin.Conversations.Get(ctx(t), "ccv_nope")
	assert.ErrorIs(t, err, munin.ErrConversationNotFound)

	n := 0
	for c, err := range admin.Conversations.List(ctx(t), munin.ListConversationsOptions{Limit: 200}) {
		require.NoError(t, err)
		assert.Equal(t, res.ConversationID, c.ID)
		n++
	}
	assert.Equal(t, 1, n)

	narrow := adminClient(t, s, s.NewAdminKey("conv:read"))
	_, err = narrow.Conversations.Get(ctx(t), res.ConversationID)
	assert.ErrorIs(t, err, munin.ErrScopeMissing)
}

func TestAdminClientOverMCP(t *testing.T) {
	t.Parallel()
	s := munintest.NewServer(t)
	res, err := widgetClient(t, s).Push(ctx(t), munin.Push{SessionID: "vis_a", Messages: []munin.WidgetMessage{{Body: "hi"}}})
	require.NoError(t, err)
	mcpc := adminClient(t, s, s.NewAdminKey("conv:read", "conv:write"), munin.WithMCP(s.MCPURL()))

	detail, err := mcpc.Conversations.Get(ctx(t), res.ConversationID)
	require.NoError(t, err)
	assert.True(t, detail.ClaimUnknown, "MCP does not report the claim")
	sent, err := mcpc.Conversations.SendMessage(ctx(t), res.ConversationID, munin.SendMessageRequest{Body: "over MCP"})
	require.NoError(t, err)
	assert.Equal(t, munin.AuthorAgent, sent.AuthorType)

	_, err = s.Dashboard().TakeOver(res.ConversationID, 0)
	require.NoError(t, err)
	_, err = mcpc.Conversations.SendMessage(ctx(t), res.ConversationID, munin.SendMessageRequest{Body: "again"})
	assert.ErrorIs(t, err, munin.ErrHandoverActive)
	_, err = mcpc.Conversations.Get(ctx(t), "ccv_nope")
	assert.ErrorIs(t, err, munin.ErrConversationNotFound)
	_, err = mcpc.Webhooks.List(ctx(t))
	assert.ErrorIs(t, err, munin.ErrScopeMissing)
	_, err = mcpc.Conversations.TakeOver(ctx(t), res.ConversationID, 0)
	assert.ErrorIs(t, err, munin.ErrRESTOnly)
}

func TestWebhookHandlerReceivesTheFakesDeliveries(t *testing.T) {
	t.Parallel()
	clock := munintest.NewClock(t0)
	s := munintest.NewServer(t, munintest.WithClock(clock))
	admin := adminClient(t, s, s.AdminKey())

	var mu sync.Mutex
	var got []munin.Event
	fail := true
	handle := func(_ context.Context, ev munin.Event) error {
		mu.Lock()
		defer mu.Unlock()
		if fail {
			fail = false
			return errors.New("not yet") // Munin must retry
		}
		got = append(got, ev)
		return nil
	}
	// The subscription needs the receiver's URL, the handler the
	// subscription's secret.
	var handler atomic.Pointer[http.Handler]
	url := httptestServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { (*handler.Load()).ServeHTTP(w, r) }))
	hook, err := admin.Webhooks.Create(ctx(t), munin.CreateWebhookRequest{URL: url, Events: []string{"conversation.message.sent"}})
	require.NoError(t, err)
	h, err := munin.NewWebhookHandler(hook.Secret.Value(), handle, munin.WithClock(clock.Now))
	require.NoError(t, err)
	handler.Store(&h)

	res, err := widgetClient(t, s).Push(ctx(t), munin.Push{SessionID: "vis_a", Messages: []munin.WidgetMessage{{Body: "hi"}}})
	require.NoError(t, err)
	reply, err := s.Dashboard().Reply(res.ConversationID, "Sam here")
	require.NoError(t, err)

	require.NoError(t, s.WaitDeliveries(ctx(t)))
	clock.Advance(30 * time.Second)
	require.NoError(t, s.WaitDeliveries(ctx(t)))

	mu.Lock()
	defer mu.Unlock()
	require.Len(t, got, 1)
	sent, ok := got[0].(*munin.MessageSentEvent)
	require.True(t, ok, "%T", got[0])
	assert.Equal(t, reply.ID, sent.MessageID)
	assert.Equal(t, munin.AuthorUser, sent.AuthorType)
	assert.Equal(t, t0, sent.CreatedAt)

	deliveries, err := admin.Webhooks.Deliveries(ctx(t), hook.ID, munin.DeliveriesOptions{})
	require.NoError(t, err)
	require.Len(t, deliveries, 1)
	assert.Equal(t, "delivered", deliveries[0].Status)
	assert.Equal(t, 2, deliveries[0].Attempt)
}
