package munintest_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/munin/munintest"
)

func TestWidgetRateLimit(t *testing.T) {
	t.Parallel()
	clock := munintest.NewClock(t0)
	s := munintest.NewServer(t, munintest.WithClock(clock), munintest.WithRateLimit(3, 100))
	ok := pushSession
	ok(t, s, "vis_a", msg("1"))
	r := push(t, s, map[string]any{"sessionId": "vis_a", "messages": []any{msg("2")}})
	assert.Equal(t, "3", r.Header.Get("X-Ratelimit-Limit-Public-Minute"))
	assert.Equal(t, "1", r.Header.Get("X-Ratelimit-Remaining-Public-Minute"))
	// A request refused with 403 still counts (§7).
	bad := push(t, s, map[string]any{"sessionId": "vis_a", "messages": []any{}})
	require.Equal(t, http.StatusForbidden, bad.Status)

	r = push(t, s, map[string]any{"sessionId": "vis_a", "messages": []any{msg("4")}})
	require.Equal(t, http.StatusTooManyRequests, r.Status)
	assert.JSONEq(t, `{"statusCode":429,"message":"ThrottlerException: Too Many Requests"}`, string(r.Body))
	assert.Equal(t, "60", r.Header.Get("Retry-After-Public-Minute"))
	assert.Empty(t, r.Header.Get("Retry-After"), "no standard Retry-After (§7)")
	assert.Empty(t, r.Header.Get("X-Ratelimit-Limit-Public-Minute"), "no x-ratelimit headers on the 429")

	// Counted per route: the feed is not limited by the pushes.
	assert.Equal(t, http.StatusOK, feed(t, s, "vis_a", "").Status)

	clock.Advance(30 * time.Second)
	r = push(t, s, map[string]any{"sessionId": "vis_a", "messages": []any{msg("5")}})
	assert.Equal(t, "30", r.Header.Get("Retry-After-Public-Minute"))
	clock.Advance(30 * time.Second)
	ok(t, s, "vis_a", msg("6"))
}

func TestWidgetRateLimitIsPerKey(t *testing.T) {
	t.Parallel()
	s := munintest.NewServer(t, munintest.WithRateLimit(1, 0))
	pushSession(t, s, "vis_a", msg("1"))
	require.Equal(t, http.StatusTooManyRequests, push(t, s, map[string]any{"sessionId": "vis_a", "messages": []any{msg("2")}}).Status)
	other := createChannel(t, s, munintest.DefaultOrigin)
	assert.Equal(t, http.StatusCreated, pushWith(t, s, other["widgetKey"].(string), other["id"].(string), munintest.DefaultOrigin).Status)
}

func TestFailNextAnswersBeforeProcessing(t *testing.T) {
	t.Parallel()
	s := munintest.NewServer(t)
	s.FailNext("POST /v1/widget/messages", http.StatusServiceUnavailable, 2)
	for range 2 {
		r := push(t, s, map[string]any{"sessionId": "vis_a", "messages": []any{msg("hi", "providerMessageId", "p1")}})
		assert.Equal(t, http.StatusServiceUnavailable, r.Status)
		assert.NotEmpty(t, r.Header.Get("X-Request-Id"))
	}
	assert.Empty(t, s.Conversations(), "nothing was processed")
	pushSession(t, s, "vis_a", msg("hi", "providerMessageId", "p1"))

	s.FailNext("POST /v1/widget/messages", http.StatusTooManyRequests, 1)
	r := push(t, s, map[string]any{"sessionId": "vis_a", "messages": []any{msg("x")}})
	assert.Equal(t, http.StatusTooManyRequests, r.Status)
	assert.Equal(t, "1", r.Header.Get("Retry-After-Public-Minute"))

	reqs := s.Requests()
	require.Len(t, reqs, 4)
	assert.Equal(t, []int{503, 503, 201, 429}, []int{reqs[0].Status, reqs[1].Status, reqs[2].Status, reqs[3].Status})
	assert.Equal(t, "POST /v1/widget/messages", reqs[0].Route)
	assert.Equal(t, "Bearer mn_widget_…", reqs[0].Header.Get("Authorization"), "no key in the log")
}

func TestFailNextAfterCommitProvesIdempotency(t *testing.T) {
	t.Parallel()
	s := munintest.NewServer(t)
	s.FailNextAfterCommit("POST /v1/widget/messages", http.StatusBadGateway, 1)
	body := func() map[string]any {
		return map[string]any{"sessionId": "vis_a", "messages": []any{msg("hi", "providerMessageId", "vis_a:1")}}
	}
	r := push(t, s, body())
	assert.Equal(t, http.StatusBadGateway, r.Status)
	conv, ok := s.ConversationBySession("vis_a")
	require.True(t, ok, "the rows were stored before the 502")
	assert.Len(t, conv.Messages, 1)

	retry := push(t, s, body()).JSON(t)
	assert.EqualValues(t, 0, retry["inserted"])
	assert.EqualValues(t, 1, retry["skipped"])
}

func TestFailNextWithRouteParameters(t *testing.T) {
	t.Parallel()
	s, id := newConv(t)
	s.FailNext("POST /v1/conversations/{conversationId}/messages", http.StatusGatewayTimeout, 1)
	r := call(t, s, "POST", "/v1/conversations/"+id+"/messages", s.AdminKey(), map[string]any{"body": "x"})
	assert.Equal(t, http.StatusGatewayTimeout, r.Status)
	assert.Equal(t, http.StatusCreated, call(t, s, "POST", "/v1/conversations/"+id+"/messages", s.AdminKey(), map[string]any{"body": "x"}).Status)
	assert.Panics(t, func() { s.FailNext("POST /v1/nope", 500, 1) })
	assert.Panics(t, func() { s.FailNext("GET /healthz", 0, 1) }, "0 is no status; DropNext drops")
	assert.Panics(t, func() { s.FailNextAfterCommit("GET /healthz", 600, 1) })
}

func TestDropNext(t *testing.T) {
	t.Parallel()
	s := munintest.NewServer(t)
	ch := s.Channel()
	send := func() error {
		req, _ := http.NewRequest("GET", s.URL+"/healthz", nil)
		resp, err := s.Client().Do(req)
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
	s.DropNext("GET /healthz", 1)
	assert.Error(t, send())
	assert.NoError(t, send())

	s.DropNextAfterCommit("POST /v1/widget/messages", 1)
	_, err := http.DefaultClient.Do(mustRequest(t, s.URL+"/v1/widget/messages", ch.ID, ch.WidgetKey))
	assert.Error(t, err)
	_, ok := s.ConversationBySession("vis_drop")
	assert.True(t, ok, "processed before the connection was dropped")
	assert.Equal(t, 0, s.Requests()[len(s.Requests())-1].Status)
}

func mustRequest(t *testing.T, url, channelID, key string) *http.Request {
	t.Helper()
	req, err := http.NewRequest("POST", url, jsonBody(t, map[string]any{"channelId": channelID, "sessionId": "vis_drop", "messages": []any{msg("hi")}}))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Origin", munintest.DefaultOrigin)
	req.Header.Set("Content-Type", "application/json")
	return req
}

// TestLatency holds an answer back: with an hour of latency, a request
// whose context ends first gets no answer at all (no timing is measured).
func TestLatency(t *testing.T) {
	t.Parallel()
	s := munintest.NewServer(t, munintest.WithLatency(time.Hour))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/healthz", nil)
	require.NoError(t, err)
	resp, err := s.Client().Do(req)
	if err == nil {
		resp.Body.Close()
	}
	assert.ErrorIs(t, err, context.DeadlineExceeded, "the answer must wait for the latency")
}
