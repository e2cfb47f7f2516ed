package munin_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/munin"
	"github.com/botbridge/botbridge/webhookverify"
)

// Secrets shaped as Munin issues them: whsec_ + base64url of 24 bytes (§3.1).
const (
	whSecret      = "whsec_3q2-7wAAAAAAAAAAAAAAAAAAAAAAAAAA"
	whOldSecret   = "whsec_b1t-Ro7aTEdBBBBBBBBBBBBBBBBBBBBB"
	whOtherSecret = "whsec_someone-elseCCCCCCCCCCCCCCCCCCCC"
	whDelivery    = "whd_4f6h8j0k2l4z6x8c0v2b4n"
)

// whNow is a minute after the fixtures' createdAt: inside the replay window.
var whNow = evtCreatedAt.Add(time.Minute)

// whRequest is a delivery as Munin sends it (§3.2), signed with secret
// (unsigned when secret is empty).
func whRequest(body []byte, secret, deliveryID string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/webhooks/munin", bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set(munin.HeaderEvent, munin.TypeMessageSent)
	if secret != "" {
		r.Header.Set(munin.HeaderSignature, webhookverify.Sign([]byte(secret), body))
	}
	if deliveryID != "" {
		r.Header.Set(munin.HeaderDeliveryID, deliveryID)
	}
	return r
}

// whCalls records the callback's calls and answers with err.
type whCalls struct {
	mu          sync.Mutex
	events      []munin.Event
	deliveryIDs []string
	err         error
}

func (c *whCalls) fn(ctx context.Context, ev munin.Event) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.events = append(c.events, ev)
	c.deliveryIDs = append(c.deliveryIDs, munin.DeliveryID(ctx))
	return c.err
}

func (c *whCalls) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.events)
}

func (c *whCalls) setErr(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.err = err
}

// whClock is a settable clock.
type whClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *whClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *whClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// whHandler returns a handler with whSecret on a clock set to whNow.
func whHandler(t *testing.T, calls *whCalls, opts ...munin.WebhookOption) (http.Handler, *whClock) {
	t.Helper()
	clock := &whClock{now: whNow}
	h, err := munin.NewWebhookHandler(whSecret, calls.fn, append([]munin.WebhookOption{munin.WithClock(clock.Now)}, opts...)...)
	require.NoError(t, err)
	return h, clock
}

func whServe(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

func TestWebhookHandlerDelivers(t *testing.T) {
	calls := &whCalls{}
	h, _ := whHandler(t, calls)
	body := evtMessageSent("evt_0k2m9x7q1w3e5r7t9y1u3i", munin.AuthorUser)

	rec := whServe(h, whRequest(body, whSecret, whDelivery))
	assert.Equal(t, http.StatusNoContent, rec.Code)
	assert.Empty(t, rec.Body.String())
	require.Equal(t, 1, calls.count())
	sent, ok := calls.events[0].(*munin.MessageSentEvent)
	require.True(t, ok, "got %T", calls.events[0])
	assert.Equal(t, "evt_0k2m9x7q1w3e5r7t9y1u3i", sent.ID)
	assert.Equal(t, evtConv, sent.ConversationID)
	assert.Equal(t, munin.AuthorUser, sent.AuthorType)
	assert.Equal(t, whDelivery, calls.deliveryIDs[0], "the callback's ctx carries the delivery id")
	assert.Contains(t, string(body), string(sent.Payload), "the payload as delivered")
}

func TestWebhookHandlerSignature(t *testing.T) {
	body := evtMessageSent("evt_1", munin.AuthorUser)
	valid := webhookverify.Sign([]byte(whSecret), body)
	cases := map[string]func(r *http.Request){
		"missing": func(r *http.Request) { r.Header.Del(munin.HeaderSignature) },
		"empty":   func(r *http.Request) { r.Header.Set(munin.HeaderSignature, "") },
		"wrong secret": func(r *http.Request) {
			r.Header.Set(munin.HeaderSignature, webhookverify.Sign([]byte(whOtherSecret), body))
		},
		"secret without prefix": func(r *http.Request) {
			r.Header.Set(munin.HeaderSignature, webhookverify.Sign([]byte(strings.TrimPrefix(whSecret, "whsec_")), body))
		},
		"other body": func(r *http.Request) {
			r.Header.Set(munin.HeaderSignature, webhookverify.Sign([]byte(whSecret), append(body, ' ')))
		},
		"bare hex":  func(r *http.Request) { r.Header.Set(munin.HeaderSignature, strings.TrimPrefix(valid, "sha256=")) },
		"malformed": func(r *http.Request) { r.Header.Set(munin.HeaderSignature, "sha256=zz") },
		"upper-case prefix": func(r *http.Request) {
			r.Header.Set(munin.HeaderSignature, "SHA256="+strings.TrimPrefix(valid, "sha256="))
		},
		"sha1": func(r *http.Request) {
			r.Header.Set(munin.HeaderSignature, "sha1=0123456789abcdef0123456789abcdef01234567")
		},
		"one digit off": func(r *http.Request) {
			r.Header.Set(munin.HeaderSignature, valid[:len(valid)-1]+flipHex(valid[len(valid)-1]))
		},
		"signature in wrong hdr": func(r *http.Request) { r.Header.Del(munin.HeaderSignature); r.Header.Set("X-Hub-Signature-256", valid) },
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			calls := &whCalls{}
			h, _ := whHandler(t, calls)
			r := whRequest(body, whSecret, whDelivery)
			mutate(r)
			rec := whServe(h, r)
			assert.Equal(t, http.StatusUnauthorized, rec.Code)
			assert.Equal(t, "Unauthorized\n", rec.Body.String(), "no detail")
			assert.NotContains(t, rec.Body.String(), strings.TrimPrefix(valid, "sha256="))
			assert.Zero(t, calls.count())
		})
	}
}

func flipHex(c byte) string {
	if c == '0' {
		return "1"
	}
	return "0"
}

func TestWebhookHandlerRotatedSecret(t *testing.T) {
	calls := &whCalls{}
	h, err := munin.NewWebhookHandler(whSecret, calls.fn, munin.WithSecrets(whOldSecret), munin.WithClock(func() time.Time { return whNow }))
	require.NoError(t, err)

	assert.Equal(t, http.StatusNoContent, whServe(h, whRequest(evtMessageSent("evt_1", munin.AuthorUser), whSecret, "whd_1")).Code)
	assert.Equal(t, http.StatusNoContent, whServe(h, whRequest(evtMessageSent("evt_2", munin.AuthorUser), whOldSecret, "whd_2")).Code,
		"a retry signed before the rotation")
	assert.Equal(t, http.StatusUnauthorized, whServe(h, whRequest(evtMessageSent("evt_3", munin.AuthorUser), whOtherSecret, "whd_3")).Code)
	assert.Equal(t, 2, calls.count())
}

func TestWebhookHandlerReplayWindow(t *testing.T) {
	body := evtMessageSent("evt_1", munin.AuthorUser)
	cases := []struct {
		name   string
		now    time.Time
		opts   []munin.WebhookOption
		status int
	}{
		{"just created", evtCreatedAt, nil, http.StatusNoContent},
		{"Munin's last retry, 7.5 minutes on", evtCreatedAt.Add(7*time.Minute + 30*time.Second), nil, http.StatusNoContent},
		{"29 minutes old", evtCreatedAt.Add(29 * time.Minute), nil, http.StatusNoContent},
		{"at the edge of the window", evtCreatedAt.Add(munin.DefaultReplayWindow), nil, http.StatusNoContent},
		{"31 minutes old: acknowledged, not handled", evtCreatedAt.Add(31 * time.Minute), nil, http.StatusOK},
		{"a day old", evtCreatedAt.Add(24 * time.Hour), nil, http.StatusOK},
		{"4 minutes ahead of our clock", evtCreatedAt.Add(-4 * time.Minute), nil, http.StatusNoContent},
		{"6 minutes ahead of our clock", evtCreatedAt.Add(-6 * time.Minute), nil, http.StatusBadRequest},
		{"shorter window", evtCreatedAt.Add(6 * time.Minute), []munin.WebhookOption{munin.WithReplayWindow(5 * time.Minute)}, http.StatusOK},
		{"longer window", evtCreatedAt.Add(2 * time.Hour), []munin.WebhookOption{munin.WithReplayWindow(3 * time.Hour)}, http.StatusNoContent},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			calls := &whCalls{}
			h, clock := whHandler(t, calls, tc.opts...)
			clock.Set(tc.now)
			rec := whServe(h, whRequest(body, whSecret, whDelivery))
			assert.Equal(t, tc.status, rec.Code)
			assert.Equal(t, tc.status == http.StatusNoContent, calls.count() == 1)
			assert.LessOrEqual(t, calls.count(), 1)
		})
	}
}

func TestWebhookHandlerFutureEventHandledOnceClocksAgree(t *testing.T) {
	calls := &whCalls{}
	h, clock := whHandler(t, calls)
	clock.Set(evtCreatedAt.Add(-10 * time.Minute))
	r := func() *http.Request {
		return whRequest(evtMessageSent("evt_1", munin.AuthorUser), whSecret, whDelivery)
	}
	assert.Equal(t, http.StatusBadRequest, whServe(h, r()).Code)
	clock.Set(evtCreatedAt.Add(30 * time.Second)) // Munin's retry 30 s later, our clock fixed
	assert.Equal(t, http.StatusNoContent, whServe(h, r()).Code)
	assert.Equal(t, 1, calls.count())
}

func TestWebhookHandlerOldDocEnvelope(t *testing.T) {
	calls := &whCalls{}
	h, clock := whHandler(t, calls)
	clock.Set(time.Date(2026, 4, 30, 10, 5, 0, 0, time.UTC))
	rec := whServe(h, whRequest([]byte(evtOldDocDelivery), whSecret, ""))
	assert.Equal(t, http.StatusNoContent, rec.Code)
	require.Equal(t, 1, calls.count())
	assert.Empty(t, calls.deliveryIDs[0])

	// Without a delivery id or an event id there is nothing to dedupe on.
	assert.Equal(t, http.StatusNoContent, whServe(h, whRequest([]byte(evtOldDocDelivery), whSecret, "")).Code)
	assert.Equal(t, 2, calls.count())
}

func TestWebhookHandlerDuplicates(t *testing.T) {
	calls := &whCalls{}
	h, _ := whHandler(t, calls)
	body := evtMessageSent("evt_1", munin.AuthorUser)

	assert.Equal(t, http.StatusNoContent, whServe(h, whRequest(body, whSecret, whDelivery)).Code)
	rec := whServe(h, whRequest(body, whSecret, whDelivery))
	assert.Equal(t, http.StatusOK, rec.Code, "a redelivery is acknowledged")
	assert.Empty(t, rec.Body.String())
	assert.Equal(t, 1, calls.count())

	// Without the header, the event id is the key.
	body2 := evtMessageSent("evt_2", munin.AuthorUser)
	assert.Equal(t, http.StatusNoContent, whServe(h, whRequest(body2, whSecret, "")).Code)
	assert.Equal(t, http.StatusOK, whServe(h, whRequest(body2, whSecret, "")).Code)
	assert.Equal(t, 2, calls.count())

	// Another webhook's delivery of the same event has its own delivery id
	// (§3.2: one per webhook and event) and is handled.
	assert.Equal(t, http.StatusNoContent, whServe(h, whRequest(body, whSecret, "whd_another_webhook")).Code)
	assert.Equal(t, 3, calls.count())
}

func TestWebhookHandlerCallbackFailureIsRetried(t *testing.T) {
	calls := &whCalls{err: errors.New("store down")}
	h, clock := whHandler(t, calls)
	body := evtMessageSent("evt_1", munin.AuthorUser)

	rec := whServe(h, whRequest(body, whSecret, whDelivery))
	assert.Equal(t, http.StatusInternalServerError, rec.Code)
	assert.Equal(t, "Internal Server Error\n", rec.Body.String(), "the callback's error is not echoed")
	assert.Equal(t, 1, calls.count())

	// Munin retries 30 s later with the same delivery id, body and
	// signature (§7): the callback runs again.
	clock.Set(whNow.Add(30 * time.Second))
	rec = whServe(h, whRequest(body, whSecret, whDelivery))
	assert.Equal(t, http.StatusInternalServerError, rec.Code)
	assert.Equal(t, 2, calls.count())

	calls.setErr(nil)
	assert.Equal(t, http.StatusNoContent, whServe(h, whRequest(body, whSecret, whDelivery)).Code)
	assert.Equal(t, 3, calls.count())
	assert.Equal(t, http.StatusOK, whServe(h, whRequest(body, whSecret, whDelivery)).Code)
	assert.Equal(t, 3, calls.count())
}

// A callback that can never act on an event refuses it: 400, which asks
// Munin for no retry, without the reason.
func TestWebhookHandlerCallbackRefusal(t *testing.T) {
	calls := &whCalls{err: webhookverify.Refuse(errors.New("no session for this conversation"))}
	h, _ := whHandler(t, calls)
	rec := whServe(h, whRequest(evtMessageSent("evt_1", munin.AuthorUser), whSecret, whDelivery))
	assert.Equal(t, http.StatusBadRequest, rec.Code)
	assert.Equal(t, "Bad Request\n", rec.Body.String())
	assert.Equal(t, 1, calls.count())
}

func TestWebhookHandlerCallbackPanicReleasesTheDelivery(t *testing.T) {
	var n atomic.Int32
	fn := func(context.Context, munin.Event) error {
		if n.Add(1) == 1 {
			panic("boom")
		}
		return nil
	}
	h, err := munin.NewWebhookHandler(whSecret, fn, munin.WithClock(func() time.Time { return whNow }))
	require.NoError(t, err)
	body := evtMessageSent("evt_1", munin.AuthorUser)
	assert.PanicsWithValue(t, "boom", func() { whServe(h, whRequest(body, whSecret, whDelivery)) },
		"the panic reaches net/http, which drops the connection so Munin retries")
	assert.Equal(t, http.StatusNoContent, whServe(h, whRequest(body, whSecret, whDelivery)).Code)
	assert.EqualValues(t, 2, n.Load())
}

// TestWebhookHandlerConcurrentDuplicates holds the first delivery inside the
// callback until every duplicate has been answered: they get 409 (Munin
// tries them again later), the callback runs once, and a later retry gets
// 200.
func TestWebhookHandlerConcurrentDuplicates(t *testing.T) {
	const n = 8
	entered := make(chan struct{})
	release := make(chan struct{})
	var calls atomic.Int32
	fn := func(context.Context, munin.Event) error {
		calls.Add(1)
		close(entered) // a second call would panic here
		<-release
		return nil
	}
	h, err := munin.NewWebhookHandler(whSecret, fn, munin.WithClock(func() time.Time { return whNow }))
	require.NoError(t, err)
	body := evtMessageSent("evt_1", munin.AuthorUser)

	statuses := make([]int, n)
	done := make(chan int, n)
	var wg sync.WaitGroup
	first := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i > 0 {
				<-first // start the duplicates once the first is inside fn
			}
			statuses[i] = whServe(h, whRequest(body, whSecret, whDelivery)).Code
			done <- i
		}()
	}
	<-entered
	close(first)
	for range n - 1 {
		<-done
	}
	close(release)
	wg.Wait()

	assert.EqualValues(t, 1, calls.Load())
	assert.Equal(t, http.StatusNoContent, statuses[0])
	for i := 1; i < n; i++ {
		assert.Equal(t, http.StatusConflict, statuses[i], "duplicate %d", i)
	}
	assert.Equal(t, http.StatusOK, whServe(h, whRequest(body, whSecret, whDelivery)).Code)
}

// TestWebhookHandlerConcurrentDuplicatesRace lets the duplicates run freely
// (run it with -race): whatever the interleaving, the callback runs once.
func TestWebhookHandlerConcurrentDuplicatesRace(t *testing.T) {
	calls := &whCalls{}
	h, _ := whHandler(t, calls)
	body := evtMessageSent("evt_1", munin.AuthorUser)
	const n = 16
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = whServe(h, whRequest(body, whSecret, whDelivery)).Code
		}()
	}
	wg.Wait()
	assert.Equal(t, 1, calls.count())
	handled := 0
	for _, s := range statuses {
		assert.Contains(t, []int{http.StatusNoContent, http.StatusOK, http.StatusConflict}, s)
		if s == http.StatusNoContent {
			handled++
		}
	}
	assert.Equal(t, 1, handled)
}

func TestWebhookHandlerBodyCap(t *testing.T) {
	calls := &whCalls{}
	h, _ := whHandler(t, calls, munin.WithMaxBodyBytes(512))

	small := evtMessageSent("evt_1", munin.AuthorUser)
	require.Less(t, len(small), 512)
	assert.Equal(t, http.StatusNoContent, whServe(h, whRequest(small, whSecret, "whd_1")).Code)

	big := []byte(evtDelivery("crm.contact.created", "evt_2", `{"note":"`+strings.Repeat("x", 600)+`"}`))
	rec := whServe(h, whRequest(big, whSecret, "whd_2"))
	assert.Equal(t, http.StatusRequestEntityTooLarge, rec.Code)

	// Without a declared length the cap holds too.
	r := whRequest(big, whSecret, "whd_3")
	r.ContentLength = -1
	r.Body = io.NopCloser(bytes.NewReader(big))
	assert.Equal(t, http.StatusRequestEntityTooLarge, whServe(h, r).Code)
	assert.Equal(t, 1, calls.count())

	// The default cap is 1 MiB.
	hd, _ := whHandler(t, calls)
	huge := []byte(evtDelivery("crm.contact.created", "evt_4", `{"note":"`+strings.Repeat("x", munin.DefaultWebhookMaxBytes)+`"}`))
	assert.Equal(t, http.StatusRequestEntityTooLarge, whServe(hd, whRequest(huge, whSecret, "whd_4")).Code)
	assert.Equal(t, 1, calls.count())
}

func TestWebhookHandlerMethod(t *testing.T) {
	calls := &whCalls{}
	h, _ := whHandler(t, calls)
	for _, method := range []string{http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodOptions} {
		r := whRequest(evtMessageSent("evt_1", munin.AuthorUser), whSecret, whDelivery)
		r.Method = method
		rec := whServe(h, r)
		assert.Equal(t, http.StatusMethodNotAllowed, rec.Code, method)
		assert.Equal(t, http.MethodPost, rec.Header().Get("Allow"))
	}
	assert.Zero(t, calls.count())
}

func TestWebhookHandlerUnknownEventType(t *testing.T) {
	calls := &whCalls{}
	h, _ := whHandler(t, calls)
	for i, typ := range []string{"curator_job.pending", "api_key.minted", "crm.deal.stage_changed"} {
		body := []byte(evtDelivery(typ, evtID(i), `{"id":"x"}`))
		assert.Equal(t, http.StatusNoContent, whServe(h, whRequest(body, whSecret, fmt.Sprintf("whd_%d", i))).Code, typ)
	}
	require.Equal(t, 3, calls.count())
	for _, ev := range calls.events {
		assert.IsType(t, &munin.UnknownEvent{}, ev)
	}
}

func TestWebhookHandlerBadEventAfterValidSignature(t *testing.T) {
	for name, body := range map[string]string{
		"not JSON":          `ok`,
		"no type":           `{"createdAt":"` + evtCreated + `","payload":{}}`,
		"no createdAt":      `{"type":"conversation.message.sent","payload":{}}`,
		"payload not JSON":  `{"type":"conversation.message.sent","createdAt":"` + evtCreated + `","payload":{"a":}}`,
		"wrong field type":  evtDelivery(munin.TypeMessageSent, "evt_1", `{"messageId":7}`),
		"empty body":        ``,
		"known, no payload": `{"type":"conversation.released","createdAt":"` + evtCreated + `"}`,
	} {
		t.Run(name, func(t *testing.T) {
			calls := &whCalls{}
			h, _ := whHandler(t, calls)
			rec := whServe(h, whRequest([]byte(body), whSecret, whDelivery))
			assert.Equal(t, http.StatusBadRequest, rec.Code)
			assert.Equal(t, "Bad Request\n", rec.Body.String())
			assert.Zero(t, calls.count())
		})
	}
}

type whFailingReader struct{}

func (whFailingReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

func TestWebhookHandlerBodyReadError(t *testing.T) {
	calls := &whCalls{}
	h, _ := whHandler(t, calls)
	r := whRequest(evtMessageSent("evt_1", munin.AuthorUser), whSecret, whDelivery)
	r.Body = io.NopCloser(whFailingReader{})
	assert.Equal(t, http.StatusBadRequest, whServe(h, r).Code)
	assert.Zero(t, calls.count())
}

// whDeduper records the calls a handler makes and can fail them.
type whDeduper struct {
	mu       sync.Mutex
	calls    []string
	beginErr error
	state    webhookverify.DeliveryState
}

func (d *whDeduper) Begin(_ context.Context, key string) (webhookverify.DeliveryState, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.calls = append(d.calls, "begin "+key)
	return d.state, d.beginErr
}

func (d *whDeduper) End(_ context.Context, key string, handled bool) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.calls = append(d.calls, fmt.Sprintf("end %s %t", key, handled))
	return errors.New("end failed")
}

func TestWebhookHandlerCustomDeduper(t *testing.T) {
	body := evtMessageSent("evt_1", munin.AuthorUser)

	d := &whDeduper{}
	calls := &whCalls{}
	h, _ := whHandler(t, calls, munin.WithDeduper(d))
	assert.Equal(t, http.StatusNoContent, whServe(h, whRequest(body, whSecret, whDelivery)).Code,
		"an End failure after the callback succeeded still answers 2xx")
	calls.setErr(errors.New("nope"))
	assert.Equal(t, http.StatusInternalServerError, whServe(h, whRequest(body, whSecret, whDelivery)).Code)
	assert.Equal(t, []string{
		"begin " + whDelivery, "end " + whDelivery + " true",
		"begin " + whDelivery, "end " + whDelivery + " false",
	}, d.calls)

	// A Deduper that fails: 500, and the callback is not called.
	d = &whDeduper{beginErr: errors.New("redis: connection refused")}
	calls = &whCalls{}
	h, _ = whHandler(t, calls, munin.WithDeduper(d))
	assert.Equal(t, http.StatusInternalServerError, whServe(h, whRequest(body, whSecret, whDelivery)).Code)
	assert.Zero(t, calls.count())
	assert.Equal(t, []string{"begin " + whDelivery}, d.calls)

	// A Deduper that reports the delivery in flight elsewhere: 409.
	d = &whDeduper{state: webhookverify.DeliveryInFlight}
	h, _ = whHandler(t, calls, munin.WithDeduper(d))
	assert.Equal(t, http.StatusConflict, whServe(h, whRequest(body, whSecret, whDelivery)).Code)
	assert.Zero(t, calls.count())
}

func TestWebhookHandlerCallbackContextCanceled(t *testing.T) {
	// Munin gave up waiting (15 s timeout): the request's context is done by
	// the time the callback returns, yet the delivery is recorded.
	var seen []context.Context
	ctx, cancel := context.WithCancel(context.Background())
	fn := func(ctx context.Context, _ munin.Event) error {
		seen = append(seen, ctx)
		cancel()
		return nil
	}
	h, err := munin.NewWebhookHandler(whSecret, fn, munin.WithClock(func() time.Time { return whNow }))
	require.NoError(t, err)
	body := evtMessageSent("evt_1", munin.AuthorUser)
	assert.Equal(t, http.StatusNoContent, whServe(h, whRequest(body, whSecret, whDelivery).WithContext(ctx)).Code)
	assert.Equal(t, http.StatusOK, whServe(h, whRequest(body, whSecret, whDelivery)).Code)
	require.Len(t, seen, 1)
	assert.Equal(t, whDelivery, munin.DeliveryID(seen[0]))
}

func TestNewWebhookHandlerErrors(t *testing.T) {
	fn := func(context.Context, munin.Event) error { return nil }
	cases := []struct {
		name   string
		secret string
		fn     func(context.Context, munin.Event) error
		opts   []munin.WebhookOption
		msg    string
	}{
		{"empty secret", "", fn, nil, "munin: NewWebhookHandler: secret: webhookverify: empty secret"},
		{"secret with a newline", whSecret + "\n", fn, nil, "munin: NewWebhookHandler: secret: has white space around it (Munin's whsec_ secrets have none)"},
		{"secret with a space", " " + whSecret, fn, nil, "munin: NewWebhookHandler: secret: has white space around it (Munin's whsec_ secrets have none)"},
		{"nil callback", whSecret, nil, nil, "munin: NewWebhookHandler: nil callback"},
		{"nil option", whSecret, fn, []munin.WebhookOption{nil}, "munin: NewWebhookHandler: nil WebhookOption"},
		{"empty rotated secret", whSecret, fn, []munin.WebhookOption{munin.WithSecrets(whOldSecret, "")}, "munin: NewWebhookHandler: WithSecrets: secret 2: webhookverify: empty secret"},
		{"rotated secret with a tab", whSecret, fn, []munin.WebhookOption{munin.WithSecrets(whOldSecret + "\t")}, "munin: NewWebhookHandler: WithSecrets: secret 1: has white space around it (Munin's whsec_ secrets have none)"},
		{"zero window", whSecret, fn, []munin.WebhookOption{munin.WithReplayWindow(0)}, "munin: NewWebhookHandler: WithReplayWindow: 0s is not positive"},
		{"negative window", whSecret, fn, []munin.WebhookOption{munin.WithReplayWindow(-time.Minute)}, "munin: NewWebhookHandler: WithReplayWindow: -1m0s is not positive"},
		{"nil clock", whSecret, fn, []munin.WebhookOption{munin.WithClock(nil)}, "munin: NewWebhookHandler: WithClock: nil clock"},
		{"nil deduper", whSecret, fn, []munin.WebhookOption{munin.WithDeduper(nil)}, "munin: NewWebhookHandler: WithDeduper: nil Deduper"},
		{"zero body cap", whSecret, fn, []munin.WebhookOption{munin.WithMaxBodyBytes(0)}, "munin: NewWebhookHandler: WithMaxBodyBytes: 0 is not positive"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h, err := munin.NewWebhookHandler(tc.secret, tc.fn, tc.opts...)
			assert.Nil(t, h)
			require.EqualError(t, err, tc.msg)
			assert.NotContains(t, err.Error(), "3q2-7w")
			assert.NotContains(t, err.Error(), "b1t-Ro7")
		})
	}
	_, err := munin.NewWebhookHandler("", fn)
	assert.ErrorIs(t, err, webhookverify.ErrEmptySecret)
}

func TestWebhookHandlerHidesSecrets(t *testing.T) {
	calls := &whCalls{}
	h, err := munin.NewWebhookHandler(whSecret, calls.fn, munin.WithSecrets(whOldSecret))
	require.NoError(t, err)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		out := fmt.Sprintf(verb, h)
		for _, secret := range []string{whSecret, whOldSecret, "3q2-7w", "b1t-Ro7"} {
			assert.NotContains(t, out, secret, verb)
			assert.NotContains(t, out, fmt.Sprintf("%x", secret), verb)
		}
	}
	assert.Equal(t, "munin.WebhookHandler{secrets: 2, replay window: 30m0s}", fmt.Sprint(h))
}

func TestWebhookHandlerLogs(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	calls := &whCalls{}
	h, _ := whHandler(t, calls, munin.WithWebhookLogger(logger))
	body := evtMessageSent("evt_1", munin.AuthorUser)

	forged := whRequest(body, whOtherSecret, whDelivery)
	whServe(h, forged)
	line := buf.String()
	assert.Contains(t, line, "level=WARN")
	assert.Contains(t, line, "status=401")
	assert.Contains(t, line, "delivery_id="+whDelivery)
	assert.Contains(t, line, `error="webhookverify: signature mismatch"`)
	assert.NotContains(t, line, strings.TrimPrefix(forged.Header.Get(munin.HeaderSignature), "sha256="), "the signature never")
	assert.NotContains(t, line, strings.TrimPrefix(webhookverify.Sign([]byte(whSecret), body), "sha256="), "the expected signature never")

	buf.Reset()
	calls.setErr(errors.New("store down"))
	whServe(h, whRequest(body, whSecret, whDelivery))
	assert.Contains(t, buf.String(), "level=ERROR")
	assert.Contains(t, buf.String(), "status=500")
	assert.Contains(t, buf.String(), "event_type="+munin.TypeMessageSent)
	assert.Contains(t, buf.String(), "event_id=evt_1")
	assert.Contains(t, buf.String(), `error="store down"`)

	buf.Reset()
	calls.setErr(nil)
	whServe(h, whRequest(body, whSecret, whDelivery))
	whServe(h, whRequest(body, whSecret, whDelivery))
	assert.Contains(t, buf.String(), "munin webhook: handled")
	assert.Contains(t, buf.String(), "munin webhook: duplicate delivery")

	for _, s := range []string{whSecret, "3q2-7w"} {
		assert.NotContains(t, buf.String(), s)
	}

	// Silent by default.
	quiet, _ := whHandler(t, &whCalls{})
	whServe(quiet, whRequest(body, whOtherSecret, whDelivery)) // nothing to see: no logger
}

func TestDeliveryIDOutsideAHandler(t *testing.T) {
	assert.Empty(t, munin.DeliveryID(context.Background()))
	//lint:ignore SA1012 a nil ctx is tolerated on purpose
	assert.Empty(t, munin.DeliveryID(nil))
}

// A webhookverify.MemoryDeduper made with the defaults remembers a delivery
// for as long as a replay can pass this handler's default window.
func TestDefaultDedupeTTLCoversReplayWindow(t *testing.T) {
	t.Parallel()
	assert.GreaterOrEqual(t, webhookverify.DefaultDedupeTTL, munin.DefaultReplayWindow+munin.MaxClockSkew)
}
