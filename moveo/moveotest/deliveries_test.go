package moveotest_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/moveo/moveotest"
)

func TestServerErrorsAreRetriedOnTheClock(t *testing.T) {
	t.Parallel()
	clock := moveotest.NewClock(t0)
	rc := newReceiver(t, 500, 503)
	s := moveotest.NewServer(t, moveotest.WithClock(clock), moveotest.WithWebhook(rc.URL, "k"))
	id := newSession(t, s, nil)
	say(t, s, id, "hi")

	wait(t, s)
	d := s.Deliveries()[0]
	assert.Equal(t, moveotest.DeliveryPending, d.Status)
	require.Len(t, d.Attempts, 1)
	assert.Equal(t, 500, d.Attempts[0].StatusCode)
	assert.Equal(t, t0.Add(250*time.Millisecond), d.NextAttemptAt, "the first backoff is 250 ms")

	clock.Advance(249 * time.Millisecond)
	wait(t, s)
	assert.Len(t, rc.Calls(), 1, "nothing until the clock gets there")

	clock.Advance(time.Millisecond)
	wait(t, s)
	assert.Len(t, rc.Calls(), 2)
	assert.Equal(t, t0.Add(750*time.Millisecond), s.Deliveries()[0].NextAttemptAt, "then 500 ms")

	clock.Advance(500 * time.Millisecond)
	wait(t, s)
	d = s.Deliveries()[0]
	assert.Equal(t, moveotest.DeliveryDelivered, d.Status)
	assert.Len(t, d.Attempts, 3)
	assert.True(t, d.NextAttemptAt.IsZero())
	got := rc.Calls()
	require.Len(t, got, 3)
	for _, g := range got[1:] {
		assert.Equal(t, got[0].Body, g.Body, "same body")
		assert.Equal(t, got[0].Header.Get("X-Moveo-Signature"), g.Header.Get("X-Moveo-Signature"))
	}
}

func TestDeliveryFailsAfterFiveRetries(t *testing.T) {
	t.Parallel()
	clock := moveotest.NewClock(t0)
	rc := newReceiver(t, 500, 500, 500, 500, 500, 500, 500)
	s := moveotest.NewServer(t, moveotest.WithClock(clock), moveotest.WithWebhook(rc.URL, "k"))
	say(t, s, newSession(t, s, nil), "hi")
	for range 6 {
		wait(t, s)
		clock.Advance(2 * time.Second)
	}
	wait(t, s)
	d := s.Deliveries()[0]
	assert.Equal(t, moveotest.DeliveryFailed, d.Status)
	assert.Len(t, d.Attempts, 6, "the first attempt and five retries")
	assert.Len(t, rc.Calls(), 6)
}

func TestClientErrorsAreNotRetried(t *testing.T) {
	t.Parallel()
	clock := moveotest.NewClock(t0)
	rc := newReceiver(t, http.StatusUnauthorized)
	s := moveotest.NewServer(t, moveotest.WithClock(clock), moveotest.WithWebhook(rc.URL, "k"))
	say(t, s, newSession(t, s, nil), "hi")
	wait(t, s)
	clock.Advance(time.Minute)
	wait(t, s)
	d := s.Deliveries()[0]
	assert.Equal(t, moveotest.DeliveryFailed, d.Status, "4xx is a permanent failure")
	assert.Len(t, d.Attempts, 1)
	assert.Equal(t, "HTTP 401", d.Attempts[0].Error)
}

func TestTimeoutsAreRetried(t *testing.T) {
	t.Parallel()
	clock := moveotest.NewClock(t0)
	release := make(chan struct{})
	slow := &receiver{}
	var mu sync.Mutex
	block := true
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		b := block
		block = false
		mu.Unlock()
		if b {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}
		slow.ServeHTTP(w, r)
	})
	srv := newHTTPServer(t, h)
	defer close(release)
	s := moveotest.NewServer(t, moveotest.WithClock(clock), moveotest.WithWebhook(srv, "k"),
		moveotest.WithDeliveryTimeout(20*time.Millisecond))
	say(t, s, newSession(t, s, nil), "hi")
	wait(t, s)
	d := s.Deliveries()[0]
	assert.Equal(t, moveotest.DeliveryPending, d.Status)
	assert.Contains(t, d.Attempts[0].Error, "timeout")
	clock.Advance(250 * time.Millisecond)
	wait(t, s)
	assert.Equal(t, moveotest.DeliveryDelivered, s.Deliveries()[0].Status)
}

func TestUnsignedWithoutSecret(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t)
	s := moveotest.NewServer(t, moveotest.WithWebhook(rc.URL, ""))
	say(t, s, newSession(t, s, nil), "hi")
	wait(t, s)
	got := rc.Calls()
	require.Len(t, got, 1)
	_, signed := got[0].Header["X-Moveo-Signature"]
	assert.False(t, signed, "no secret, no header")
}

func TestSubscribedEventsFilterDeliveries(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t)
	s := moveotest.NewServer(t, moveotest.WithWebhook(rc.URL, "k"),
		moveotest.WithSubscribedEvents("message:send"))
	id := newSession(t, s, nil)
	say(t, s, id, "hi")
	require.NoError(t, s.Desk().Say(id, "Hello from the desk"))
	wait(t, s)
	assert.Equal(t, []string{"message:send"}, eventTypes(t, rc))
	ev := s.Events()
	require.Len(t, ev, 2, "every event is recorded")
	assert.False(t, ev[0].Subscribed)
	assert.True(t, ev[1].Subscribed)
}

func TestSetWebhook(t *testing.T) {
	t.Parallel()
	clock := moveotest.NewClock(t0)
	first := newReceiver(t, 500)
	second := newReceiver(t)
	s := moveotest.NewServer(t, moveotest.WithClock(clock))
	id := newSession(t, s, nil)
	say(t, s, id, "before any webhook")
	wait(t, s)
	assert.Empty(t, s.Deliveries(), "no webhook URL, no delivery")

	require.NoError(t, s.SetWebhook(first.URL, "one"))
	say(t, s, id, "hi")
	wait(t, s)
	require.NoError(t, s.SetWebhook(second.URL, "two"))
	clock.Advance(time.Second)
	wait(t, s)
	got := second.Calls()
	require.Len(t, got, 1, "the retry goes to the new URL")
	assert.Equal(t, moveotest.Sign("two", got[0].Body), got[0].Header.Get("X-Moveo-Signature"), "signed with the new secret")

	assert.Error(t, s.SetWebhook("ftp://x", ""))
	_, err := moveotest.New(moveotest.WithWebhook("not a url", ""))
	assert.Error(t, err)
}

func TestWaitDeliveriesAfterClose(t *testing.T) {
	t.Parallel()
	s, err := moveotest.New()
	require.NoError(t, err)
	s.Close()
	s.Close()
	assert.ErrorIs(t, s.WaitDeliveries(context.Background()), moveotest.ErrClosed)
}

func TestCloseStopsPendingRetries(t *testing.T) {
	t.Parallel()
	rc := newReceiver(t, 500)
	s, err := moveotest.New(moveotest.WithClock(moveotest.NewClock(t0)), moveotest.WithWebhook(rc.URL, "k"))
	require.NoError(t, err)
	say(t, s, newSession(t, s, nil), "hi")
	require.NoError(t, s.WaitDeliveries(ctx(t)))
	s.Close() // returns although a retry waits on the frozen clock; goleak checks the goroutine ended
	assert.Equal(t, moveotest.DeliveryPending, s.Deliveries()[0].Status)
}
