package munintest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/munin/munintest"
	"github.com/botbridge/botbridge/webhookverify"
)

func TestWebhookSubscriptions(t *testing.T) {
	t.Parallel()
	s := munintest.NewServer(t)
	r := call(t, s, "POST", "/v1/webhooks", s.AdminKey(),
		map[string]any{"url": "https://customer.example/munin-webhook", "events": []any{"conversation.message.sent"}, "secret": "ignored"})
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
	created := r.JSON(t)
	id := created["id"].(string)
	assert.Regexp(t, `^whk_[0-9a-z]{22}$`, id)
	assert.Regexp(t, `^whsec_[A-Za-z0-9_-]{32}$`, created["secret"], "the server makes the secret; a client one is dropped")
	assert.Equal(t, true, created["active"])

	list := call(t, s, "GET", "/v1/webhooks", s.AdminKey(), nil)
	var hooks []map[string]any
	list.Decode(t, &hooks)
	require.Len(t, hooks, 1)
	assert.NotContains(t, hooks[0], "secret")

	r = call(t, s, "PATCH", "/v1/webhooks/"+id, s.AdminKey(), map[string]any{"events": []any{}, "active": false})
	require.Equal(t, http.StatusOK, r.Status)
	assert.Equal(t, []any{}, r.JSON(t)["events"])
	assert.Equal(t, false, r.JSON(t)["active"])

	r = call(t, s, "POST", "/v1/webhooks/"+id+"/rotate-secret", s.AdminKey(), nil)
	assert.Equal(t, http.StatusCreated, r.Status, "rotate-secret answers 201 (§7)")
	assert.NotEqual(t, created["secret"], r.JSON(t)["secret"])

	r = call(t, s, "DELETE", "/v1/webhooks/"+id, s.AdminKey(), nil)
	assert.Equal(t, http.StatusNoContent, r.Status)
	r = call(t, s, "DELETE", "/v1/webhooks/"+id, s.AdminKey(), nil)
	assert.Equal(t, http.StatusNotFound, r.Status)
	assert.Equal(t, "webhook "+id+" not found", r.JSON(t)["message"])

	r = call(t, s, "POST", "/v1/webhooks", s.AdminKey(), map[string]any{"url": "ftp://customer.example/x"})
	assert.JSONEq(t, `{"message":"validation_failed: url: webhook URL must use https://","fieldErrors":[{"field":"url","message":"webhook URL must use https://"}]}`, string(r.Body))
	r = call(t, s, "POST", "/v1/webhooks", s.AdminKey(), map[string]any{"url": "https://x.example", "events": []any{strings.Repeat("e", 65)}})
	assert.Equal(t, http.StatusBadRequest, r.Status)
}

func TestEventTypes(t *testing.T) {
	t.Parallel()
	s := munintest.NewServer(t)
	var got struct {
		Modules map[string][]string
		All     []string
	}
	call(t, s, "GET", "/v1/webhooks/event-types", s.AdminKey(), nil).Decode(t, &got)
	assert.Len(t, got.Modules, 6)
	assert.Contains(t, got.Modules["conv"], "conversation.taken_over")
	assert.Contains(t, got.All, "curator_job.pending")
	assert.NotContains(t, got.All, "conversation.escalated", "there is still no escalated event (§0 row 18)")
}

func TestDeliveryIsSignedAsMuninSignsIt(t *testing.T) {
	t.Parallel()
	s := munintest.NewServer(t)
	rc := newReceiver(t)
	_, secret := subscribe(t, s, rc, "conversation.message.received")
	id := pushSession(t, s, "vis_a", msg("hi"))
	require.NoError(t, s.WaitDeliveries(ctx(t)))

	got := rc.Calls()
	require.Len(t, got, 1, "only the subscribed type")
	d := got[0]
	assert.Equal(t, "application/json", d.Header.Get("Content-Type"))
	assert.Equal(t, "conversation.message.received", d.Header.Get("X-Munin-Event"))
	assert.Regexp(t, `^whd_[0-9a-z]{22}$`, d.Header.Get("X-Munin-Delivery-Id"))
	sig := d.Header.Get("X-Munin-Signature")
	assert.Regexp(t, `^sha256=[0-9a-f]{64}$`, sig)
	assert.NoError(t, webhookverify.Verify([]byte(secret), d.Body, sig), "keyed with the whole whsec_ string")

	// The envelope's keys in Munin's order; the payload's in jsonb order.
	pattern := `^\{"type":"conversation\.message\.received","id":"evt_[0-9a-z]{22}","orgId":"org_[0-9a-z]{22}","correlationId":"[0-9a-f-]{36}","createdAt":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z","payload":\{"internal":false,"messageId":"cvm_[0-9a-z]{22}","authorType":"end_user","conversationId":"` + id + `"\}\}$`
	assert.Regexp(t, regexp.MustCompile(pattern), string(d.Body))

	all := s.Deliveries()
	require.Len(t, all, 1)
	assert.Equal(t, "delivered", all[0].Status)
	assert.Equal(t, d.Body, all[0].Body)
}

func TestEmptyEventsReceiveEverythingIncludingInternalTypes(t *testing.T) {
	t.Parallel()
	s := munintest.NewServer(t)
	rc := newReceiver(t)
	subscribe(t, s, rc)
	pushSession(t, s, "vis_a", msg("hi"))
	_, err := s.Emit("curator_job.pending", map[string]any{"jobId": "cjb_1"})
	require.NoError(t, err)
	require.NoError(t, s.WaitDeliveries(ctx(t)))
	var types []string
	for _, d := range rc.Calls() {
		types = append(types, d.Header.Get("X-Munin-Event"))
	}
	assert.ElementsMatch(t, []string{"conversation.created", "conversation.message.received", "curator_job.pending"}, types)
}

func TestFailedDeliveryIsRetriedOnTheClock(t *testing.T) {
	t.Parallel()
	clock := munintest.NewClock(t0)
	s := munintest.NewServer(t, munintest.WithClock(clock))
	rc := newReceiver(t, 500, 503)
	hookID, _ := subscribe(t, s, rc, "conversation.message.received")
	pushSession(t, s, "vis_a", msg("hi"))

	require.NoError(t, s.WaitDeliveries(ctx(t)))
	d := s.Deliveries()[0]
	assert.Equal(t, "pending", d.Status)
	assert.Equal(t, 1, d.Attempt)
	assert.Equal(t, "non-2xx: 500", d.Error)
	assert.Equal(t, t0.Add(30*time.Second), d.NextAttemptAt, "Munin's first backoff is 30 s")

	// Nothing happens until the clock gets there.
	clock.Advance(29 * time.Second)
	require.NoError(t, s.WaitDeliveries(ctx(t)))
	assert.Len(t, rc.Calls(), 1)

	clock.Advance(time.Second)
	require.NoError(t, s.WaitDeliveries(ctx(t)))
	assert.Len(t, rc.Calls(), 2)
	assert.Equal(t, t0.Add(90*time.Second), s.Deliveries()[0].NextAttemptAt, "then 60 s")

	clock.Advance(time.Minute)
	require.NoError(t, s.WaitDeliveries(ctx(t)))
	d = s.Deliveries()[0]
	assert.Equal(t, "delivered", d.Status)
	assert.Equal(t, 3, d.Attempt)
	got := rc.Calls()
	require.Len(t, got, 3)
	for _, g := range got[1:] {
		assert.Equal(t, got[0].Body, g.Body, "same body")
		assert.Equal(t, got[0].Header.Get("X-Munin-Delivery-Id"), g.Header.Get("X-Munin-Delivery-Id"), "same delivery id")
		assert.Equal(t, got[0].Header.Get("X-Munin-Signature"), g.Header.Get("X-Munin-Signature"), "same signature")
	}

	var rows []map[string]any
	call(t, s, "GET", "/v1/webhooks/"+hookID+"/deliveries", s.AdminKey(), nil).Decode(t, &rows)
	require.Len(t, rows, 1)
	assert.EqualValues(t, 3, rows[0]["attempt"])
	assert.EqualValues(t, 200, rows[0]["statusCode"])
	assert.Equal(t, "delivered", rows[0]["status"])
	assert.Nil(t, rows[0]["error"])
}

func TestDeliveryFailsAfterTheLastAttempt(t *testing.T) {
	t.Parallel()
	clock := munintest.NewClock(t0)
	s := munintest.NewServer(t, munintest.WithClock(clock), munintest.WithDeliverySchedule(time.Second, time.Second))
	rc := newReceiver(t, 500, 500, 500, 500)
	hookID, _ := subscribe(t, s, rc, "conversation.created")
	pushSession(t, s, "vis_a", msg("hi"))
	for range 3 {
		require.NoError(t, s.WaitDeliveries(ctx(t)))
		clock.Advance(time.Second)
	}
	require.NoError(t, s.WaitDeliveries(ctx(t)))
	d := s.Deliveries()[0]
	assert.Equal(t, "failed", d.Status)
	assert.Equal(t, 3, d.Attempt, "len(schedule)+1 attempts")
	assert.Len(t, rc.Calls(), 3)
	assert.True(t, d.NextAttemptAt.IsZero())

	r := call(t, s, "GET", "/v1/webhooks/"+hookID+"/deliveries?status=failed", s.AdminKey(), nil)
	var rows []map[string]any
	r.Decode(t, &rows)
	assert.Len(t, rows, 1)
	r = call(t, s, "GET", "/v1/webhooks/"+hookID+"/deliveries?status=pending", s.AdminKey(), nil)
	assert.JSONEq(t, `[]`, string(r.Body))

	// §7: a bad status is a 400 with zod's raw text, no prefix, no fieldErrors.
	r = call(t, s, "GET", "/v1/webhooks/"+hookID+"/deliveries?status=bogus", s.AdminKey(), nil)
	assert.Equal(t, http.StatusBadRequest, r.Status)
	got := r.JSON(t)
	assert.NotContains(t, got, "fieldErrors")
	assert.True(t, strings.HasPrefix(got["message"].(string), "[\n  {"), "%s", got["message"])
	assert.Contains(t, got["message"], "Invalid option")
}

func TestDeliveryTimesOut(t *testing.T) {
	t.Parallel()
	s := munintest.NewServer(t, munintest.WithClock(munintest.NewClock(t0)), munintest.WithDeliveryTimeout(50*time.Millisecond))
	url := blockingReceiver(t)
	r := call(t, s, "POST", "/v1/webhooks", s.AdminKey(), map[string]any{"url": url})
	require.Equal(t, http.StatusCreated, r.Status)
	pushSession(t, s, "vis_a", msg("hi"))
	require.NoError(t, s.WaitDeliveries(ctx(t)))
	for _, d := range s.Deliveries() {
		assert.Equal(t, "pending", d.Status)
		assert.Contains(t, d.Error, "TimeoutError")
	}
}

func TestDeactivatedAndDeletedWebhooks(t *testing.T) {
	t.Parallel()
	clock := munintest.NewClock(t0)
	s := munintest.NewServer(t, munintest.WithClock(clock))
	rc := newReceiver(t, 500)
	hookID, _ := subscribe(t, s, rc, "conversation.created")
	pushSession(t, s, "vis_a", msg("hi"))
	require.NoError(t, s.WaitDeliveries(ctx(t)))
	call(t, s, "PATCH", "/v1/webhooks/"+hookID, s.AdminKey(), map[string]any{"active": false})
	clock.Advance(time.Minute)
	require.NoError(t, s.WaitDeliveries(ctx(t)))
	d := s.Deliveries()[0]
	assert.Equal(t, "failed", d.Status)
	assert.Equal(t, "webhook_disabled", d.Error)

	// Deleting a webhook deletes its deliveries.
	require.Equal(t, http.StatusNoContent, call(t, s, "DELETE", "/v1/webhooks/"+hookID, s.AdminKey(), nil).Status)
	assert.Empty(t, s.Deliveries())
}

func TestRotatedSecretSignsLaterAttempts(t *testing.T) {
	t.Parallel()
	clock := munintest.NewClock(t0)
	s := munintest.NewServer(t, munintest.WithClock(clock))
	rc := newReceiver(t, 500)
	hookID, oldSecret := subscribe(t, s, rc, "conversation.created")
	pushSession(t, s, "vis_a", msg("hi"))
	require.NoError(t, s.WaitDeliveries(ctx(t)))
	newSecret := call(t, s, "POST", "/v1/webhooks/"+hookID+"/rotate-secret", s.AdminKey(), nil).JSON(t)["secret"].(string)
	clock.Advance(30 * time.Second)
	require.NoError(t, s.WaitDeliveries(ctx(t)))
	got := rc.Calls()
	require.Len(t, got, 2)
	assert.NoError(t, webhookverify.Verify([]byte(oldSecret), got[0].Body, got[0].Header.Get("X-Munin-Signature")))
	assert.NoError(t, webhookverify.Verify([]byte(newSecret), got[1].Body, got[1].Header.Get("X-Munin-Signature")))
}

func TestWaitDeliveriesEndsWithItsContextOrTheServer(t *testing.T) {
	t.Parallel()
	url := blockingReceiver(t) // the attempts stay in flight until Close
	s := munintest.NewServer(t)
	call(t, s, "POST", "/v1/webhooks", s.AdminKey(), map[string]any{"url": url})
	pushSession(t, s, "vis_a", msg("hi"))
	c, cancel := context.WithCancel(context.Background())
	cancel()
	assert.ErrorIs(t, s.WaitDeliveries(c), context.Canceled)

	// A wait under way ends when the server closes, whether it began
	// before Close or not.
	waited := make(chan error, 1)
	go func() { waited <- s.WaitDeliveries(context.Background()) }()
	s.Close() // returns although the receiver never answered
	assert.ErrorIs(t, <-waited, munintest.ErrClosed)
	assert.ErrorIs(t, s.WaitDeliveries(context.Background()), munintest.ErrClosed)
	for _, d := range s.Deliveries() {
		assert.Equal(t, "pending", d.Status, "Close stops the deliveries; it does not settle them")
	}
}

func TestEventsShareACorrelationIDPerRequest(t *testing.T) {
	t.Parallel()
	s := munintest.NewServer(t)
	pushSession(t, s, "vis_a", msg("one"), msg("two"))
	pushSession(t, s, "vis_a", msg("three"))
	evs := s.Events()
	require.Len(t, evs, 4)
	assert.Equal(t, evs[0].CorrelationID, evs[2].CorrelationID)
	assert.NotEqual(t, evs[0].CorrelationID, evs[3].CorrelationID)
	var env map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(evs[3].Body, &env))
	assert.JSONEq(t, string(evs[3].Payload), string(env["payload"]))
	assert.Equal(t, fmt.Sprintf("%q", evs[3].ID), string(env["id"]))
}
