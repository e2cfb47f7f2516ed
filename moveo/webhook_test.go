package moveo_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
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

	"github.com/botbridge/botbridge/moveo"
	"github.com/botbridge/botbridge/webhookverify"
)

const hookSecret = "moveo-webhook-secret-for-tests"

// hookSign is what Moveo sends in X-Moveo-Signature: the bare lowercase
// hex HMAC-SHA256 of body.
func hookSign(secret, body string) string {
	return strings.TrimPrefix(webhookverify.Sign([]byte(secret), []byte(body)), "sha256=")
}

// hookRequest is a POST of body signed with secret ("" for no header).
func hookRequest(body, secret string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/webhooks/moveo", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	if secret != "" {
		r.Header.Set(moveo.HeaderSignature, hookSign(secret, body))
	}
	return r
}

func hookServe(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return rec
}

// hookCalls records the events a handler's callback got, and fails while
// err is set.
type hookCalls struct {
	mu     sync.Mutex
	events []moveo.Event
	err    error
}

func (c *hookCalls) fn(_ context.Context, ev moveo.Event) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.events = append(c.events, ev)
	return c.err
}

func (c *hookCalls) setErr(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.err = err
}

func (c *hookCalls) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.events)
}

// hookClock is a settable clock, at the page's timestamp to start with.
type hookClock struct{ now atomic.Int64 }

func newHookClock() *hookClock {
	c := &hookClock{}
	c.set(docTime)
	return c
}

func (c *hookClock) Now() time.Time      { return time.Unix(0, c.now.Load()) }
func (c *hookClock) set(t time.Time)     { c.now.Store(t.UnixNano()) }
func (c *hookClock) add(d time.Duration) { c.set(c.Now().Add(d)) }

func hookHandler(t *testing.T, calls *hookCalls, opts ...moveo.WebhookOption) (http.Handler, *hookClock) {
	t.Helper()
	clock := newHookClock()
	h, err := moveo.NewWebhookHandler(hookSecret, calls.fn, append([]moveo.WebhookOption{moveo.WithClock(clock.Now)}, opts...)...)
	require.NoError(t, err)
	return h, clock
}

func TestWebhookHandlerValid(t *testing.T) {
	t.Parallel()
	for _, payload := range docEvents {
		calls := &hookCalls{}
		h, _ := hookHandler(t, calls)
		rec := hookServe(h, hookRequest(payload, hookSecret))
		assert.Equal(t, http.StatusNoContent, rec.Code)
		require.Equal(t, 1, calls.count())
		want, err := moveo.ParseEvent([]byte(payload))
		require.NoError(t, err)
		assert.Equal(t, want, calls.events[0])
	}
}

func TestWebhookHandlerSignature(t *testing.T) {
	t.Parallel()
	calls := &hookCalls{}
	h, _ := hookHandler(t, calls)
	for _, tt := range []struct {
		name string
		sig  string
	}{
		{"missing", ""},
		{"wrong secret", hookSign("another secret", docBrainSend)},
		{"other body", hookSign(hookSecret, docAgentMessage)},
		{"sha256= prefix (Munin's form)", "sha256=" + hookSign(hookSecret, docBrainSend)},
		{"not hex", strings.Repeat("z", 64)},
	} {
		r := hookRequest(docBrainSend, "")
		if tt.sig != "" {
			r.Header.Set(moveo.HeaderSignature, tt.sig)
		}
		rec := hookServe(h, r)
		assert.Equal(t, http.StatusUnauthorized, rec.Code, tt.name)
		assert.Equal(t, "Unauthorized\n", rec.Body.String(), tt.name)
	}
	assert.Zero(t, calls.count())

	// Upper-case hex is the same MAC.
	r := hookRequest(docBrainSend, "")
	r.Header.Set(moveo.HeaderSignature, strings.ToUpper(hookSign(hookSecret, docBrainSend)))
	assert.Equal(t, http.StatusNoContent, hookServe(h, r).Code)
}

func TestWebhookHandlerRotation(t *testing.T) {
	t.Parallel()
	calls := &hookCalls{}
	h, _ := hookHandler(t, calls, moveo.WithSecrets("the-old-secret"))
	assert.Equal(t, http.StatusNoContent, hookServe(h, hookRequest(docTyping, hookSecret)).Code)
	assert.Equal(t, http.StatusNoContent, hookServe(h, hookRequest(docRead, "the-old-secret")).Code)
	assert.Equal(t, http.StatusUnauthorized, hookServe(h, hookRequest(docDelivered, "a-third-secret")).Code)
	assert.Equal(t, 2, calls.count())
}

func TestWebhookHandlerUnsigned(t *testing.T) {
	t.Parallel()
	calls := &hookCalls{}
	clock := newHookClock()
	h, err := moveo.NewWebhookHandler("", calls.fn, moveo.WithoutSignatureVerification(), moveo.WithClock(clock.Now))
	require.NoError(t, err)
	assert.Equal(t, http.StatusNoContent, hookServe(h, hookRequest(docBrainSend, "")).Code, "no header")
	assert.Equal(t, http.StatusNoContent, hookServe(h, hookRequest(docAgentMessage, "whatever")).Code, "a header is ignored")
	assert.Equal(t, 2, calls.count())
	assert.Equal(t, "moveo.WebhookHandler{unsigned, replay window: 5m0s}", fmt.Sprint(h))

	// The other checks still apply.
	assert.Equal(t, http.StatusBadRequest, hookServe(h, hookRequest(`{`, "")).Code)
	assert.Equal(t, http.StatusOK, hookServe(h, hookRequest(docBrainSend, "")).Code, "duplicate")
	h, err = moveo.NewWebhookHandler("", calls.fn, moveo.WithoutSignatureVerification(), moveo.WithMaxBodyBytes(10))
	require.NoError(t, err)
	assert.Equal(t, http.StatusRequestEntityTooLarge, hookServe(h, hookRequest(docBrainSend, "")).Code)
}

func TestNewWebhookHandlerRefuses(t *testing.T) {
	t.Parallel()
	fn := func(context.Context, moveo.Event) error { return nil }
	for _, tt := range []struct {
		name   string
		secret string
		fn     func(context.Context, moveo.Event) error
		opts   []moveo.WebhookOption
		want   string
	}{
		{"empty secret", "", fn, nil, "moveo: NewWebhookHandler: secret: webhookverify: empty secret"},
		{"white space", " " + hookSecret, fn, nil, "moveo: NewWebhookHandler: secret: has white space around it"},
		{"nil fn", hookSecret, nil, nil, "moveo: NewWebhookHandler: nil callback"},
		{"unsigned with a secret", hookSecret, fn, []moveo.WebhookOption{moveo.WithoutSignatureVerification()}, "moveo: NewWebhookHandler: WithoutSignatureVerification with a secret: give one or the other"},
		{"unsigned with WithSecrets", "", fn, []moveo.WebhookOption{moveo.WithoutSignatureVerification(), moveo.WithSecrets("x")}, "moveo: NewWebhookHandler: WithoutSignatureVerification with a secret: give one or the other"},
		{"only WithSecrets", "", fn, []moveo.WebhookOption{moveo.WithSecrets("x")}, "moveo: NewWebhookHandler: secret: webhookverify: empty secret"},
		{"empty extra secret", hookSecret, fn, []moveo.WebhookOption{moveo.WithSecrets("")}, "moveo: NewWebhookHandler: WithSecrets: secret 1: webhookverify: empty secret"},
		{"nil option", hookSecret, fn, []moveo.WebhookOption{nil}, "moveo: NewWebhookHandler: nil WebhookOption"},
		{"window", hookSecret, fn, []moveo.WebhookOption{moveo.WithReplayWindow(0)}, "moveo: NewWebhookHandler: WithReplayWindow: 0s is not positive"},
		{"clock", hookSecret, fn, []moveo.WebhookOption{moveo.WithClock(nil)}, "moveo: NewWebhookHandler: WithClock: nil clock"},
		{"deduper", hookSecret, fn, []moveo.WebhookOption{moveo.WithDeduper(nil)}, "moveo: NewWebhookHandler: WithDeduper: nil Deduper"},
		{"max bytes", hookSecret, fn, []moveo.WebhookOption{moveo.WithMaxBodyBytes(-1)}, "moveo: NewWebhookHandler: WithMaxBodyBytes: -1 is not positive"},
	} {
		h, err := moveo.NewWebhookHandler(tt.secret, tt.fn, tt.opts...)
		assert.Nil(t, h, tt.name)
		assert.EqualError(t, err, tt.want, tt.name)
		if tt.secret != "" {
			assert.NotContains(t, err.Error(), strings.TrimSpace(tt.secret), tt.name)
		}
	}
}

func TestWebhookHandlerReplayWindow(t *testing.T) {
	t.Parallel()
	calls := &hookCalls{}
	h, clock := hookHandler(t, calls)

	clock.set(docTime.Add(moveo.DefaultReplayWindow))
	assert.Equal(t, http.StatusNoContent, hookServe(h, hookRequest(docRead, hookSecret)).Code, "exactly the window old")
	clock.add(time.Millisecond)
	assert.Equal(t, http.StatusBadRequest, hookServe(h, hookRequest(docDelivered, hookSecret)).Code, "older: permanent")

	clock.set(docTime.Add(-moveo.MaxClockSkew))
	assert.Equal(t, http.StatusNoContent, hookServe(h, hookRequest(docTyping, hookSecret)).Code, "the skew ahead")
	clock.add(-time.Millisecond)
	assert.Equal(t, http.StatusBadRequest, hookServe(h, hookRequest(docMemberJoin, hookSecret)).Code, "further ahead")
	assert.Equal(t, 2, calls.count())

	// A wider window.
	h, clock = hookHandler(t, calls, moveo.WithReplayWindow(time.Hour))
	clock.add(59 * time.Minute)
	assert.Equal(t, http.StatusNoContent, hookServe(h, hookRequest(docMemberLeave, hookSecret)).Code)
}

func TestWebhookHandlerDedupe(t *testing.T) {
	t.Parallel()
	calls := &hookCalls{}
	h, clock := hookHandler(t, calls)
	assert.Equal(t, http.StatusNoContent, hookServe(h, hookRequest(docBrainSend, hookSecret)).Code)
	assert.Equal(t, http.StatusOK, hookServe(h, hookRequest(docBrainSend, hookSecret)).Code, "Moveo's retry")
	assert.Equal(t, 1, calls.count())

	// Same request id, another event type: another event.
	other := strings.Replace(docSessionExpired, `"req-108"`, `"req-123"`, 1)
	assert.Equal(t, http.StatusNoContent, hookServe(h, hookRequest(other, hookSecret)).Code)
	assert.Equal(t, 2, calls.count())

	// Remembered for the window plus the skew, then forgotten (by then the
	// window refuses the event anyway).
	clock.add(moveo.DefaultReplayWindow)
	assert.Equal(t, http.StatusOK, hookServe(h, hookRequest(docBrainSend, hookSecret)).Code)

	// Without a request id there is nothing to dedupe on.
	noID := strings.Replace(docRead, `"request_id": "req-101",`, ``, 1)
	clock.set(docTime)
	assert.Equal(t, http.StatusNoContent, hookServe(h, hookRequest(noID, hookSecret)).Code)
	assert.Equal(t, http.StatusNoContent, hookServe(h, hookRequest(noID, hookSecret)).Code)
	assert.Equal(t, 4, calls.count())
}

func TestWebhookHandlerCallbackFailsThenRetry(t *testing.T) {
	t.Parallel()
	calls := &hookCalls{}
	h, _ := hookHandler(t, calls)
	calls.setErr(errors.New("database down"))
	rec := hookServe(h, hookRequest(docAgentMessage, hookSecret))
	assert.Equal(t, http.StatusInternalServerError, rec.Code, "5xx: Moveo retries")
	assert.NotContains(t, rec.Body.String(), "database")
	calls.setErr(nil)
	assert.Equal(t, http.StatusNoContent, hookServe(h, hookRequest(docAgentMessage, hookSecret)).Code)
	assert.Equal(t, http.StatusOK, hookServe(h, hookRequest(docAgentMessage, hookSecret)).Code)
	assert.Equal(t, 2, calls.count(), "the retry called fn again, the next one did not")
}

// A callback that can never act on an event refuses it: 400, which Moveo
// takes as final.
func TestWebhookHandlerCallbackRefusal(t *testing.T) {
	t.Parallel()
	calls := &hookCalls{}
	h, _ := hookHandler(t, calls)
	calls.setErr(webhookverify.Refuse(errors.New("unknown session")))
	rec := hookServe(h, hookRequest(docAgentMessage, hookSecret))
	assert.Equal(t, http.StatusBadRequest, rec.Code)
	assert.NotContains(t, rec.Body.String(), "session")
	assert.Equal(t, 1, calls.count())
}

func TestWebhookHandlerCallbackPanics(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	h, err := moveo.NewWebhookHandler(hookSecret, func(context.Context, moveo.Event) error {
		if n.Add(1) == 1 {
			panic("boom")
		}
		return nil
	}, moveo.WithClock(newHookClock().Now))
	require.NoError(t, err)
	assert.PanicsWithValue(t, "boom", func() { hookServe(h, hookRequest(docTyping, hookSecret)) })
	assert.Equal(t, http.StatusNoContent, hookServe(h, hookRequest(docTyping, hookSecret)).Code, "released: the retry is handled")
	assert.EqualValues(t, 2, n.Load())
}

// Concurrent deliveries of one event: fn runs once; the others, which come
// while it runs, get 503 so that Moveo retries them, and find it handled.
func TestWebhookHandlerConcurrentDuplicates(t *testing.T) {
	t.Parallel()
	started, release := make(chan struct{}), make(chan struct{})
	var n atomic.Int32
	clock := newHookClock()
	h, err := moveo.NewWebhookHandler(hookSecret, func(context.Context, moveo.Event) error {
		n.Add(1)
		close(started)
		<-release
		return nil
	}, moveo.WithClock(clock.Now))
	require.NoError(t, err)

	first := make(chan int)
	go func() { first <- hookServe(h, hookRequest(docAgentMessage, hookSecret)).Code }()
	<-started
	var wg sync.WaitGroup
	codes := make([]int, 8)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = hookServe(h, hookRequest(docAgentMessage, hookSecret)).Code
		}()
	}
	wg.Wait()
	close(release)
	assert.Equal(t, http.StatusNoContent, <-first)
	for _, c := range codes {
		assert.Equal(t, http.StatusServiceUnavailable, c)
	}
	assert.Equal(t, http.StatusOK, hookServe(h, hookRequest(docAgentMessage, hookSecret)).Code)
	assert.EqualValues(t, 1, n.Load())
}

func TestWebhookHandlerRefusals(t *testing.T) {
	t.Parallel()
	calls := &hookCalls{}
	h, _ := hookHandler(t, calls, moveo.WithMaxBodyBytes(256))

	r := hookRequest(docBrainSend, hookSecret)
	rec := hookServe(h, r)
	assert.Equal(t, http.StatusRequestEntityTooLarge, rec.Code)

	for _, m := range []string{http.MethodGet, http.MethodPut, http.MethodHead} {
		r := httptest.NewRequest(m, "/webhooks/moveo", nil)
		rec := hookServe(h, r)
		assert.Equal(t, http.StatusMethodNotAllowed, rec.Code, m)
		assert.Equal(t, http.MethodPost, rec.Header().Get("Allow"))
	}
	for _, body := range []string{`{`, `[]`, `{"event_type":"message:send"}`, `{"timestamp":1704067200000}`, ``} {
		assert.Equal(t, http.StatusBadRequest, hookServe(h, hookRequest(body, hookSecret)).Code, body)
	}
	assert.Zero(t, calls.count())
}

func TestWebhookHandlerDefaultBodyCap(t *testing.T) {
	t.Parallel()
	calls := &hookCalls{}
	h, _ := hookHandler(t, calls)
	pad := strings.Repeat("a", int(moveo.DefaultWebhookMaxBytes))
	body := strings.Replace(docRead, `"author_type"`, `"pad":"`+pad+`","author_type"`, 1)
	assert.Equal(t, http.StatusRequestEntityTooLarge, hookServe(h, hookRequest(body, hookSecret)).Code)
}

func TestWebhookHandlerUnknownEvent(t *testing.T) {
	t.Parallel()
	calls := &hookCalls{}
	h, _ := hookHandler(t, calls)
	body := `{"event_type":"conversation:rated","request_id":"req-9","session_id":"s","timestamp":1704067200000,"rating":5}`
	assert.Equal(t, http.StatusNoContent, hookServe(h, hookRequest(body, hookSecret)).Code)
	require.Equal(t, 1, calls.count())
	u, ok := calls.events[0].(*moveo.UnknownEvent)
	require.True(t, ok)
	assert.Equal(t, body, string(u.Raw))
}

// hookDeduper records the calls a handler makes and can fail them.
type hookDeduper struct {
	mu       sync.Mutex
	calls    []string
	beginErr error
	state    webhookverify.DeliveryState
}

func (d *hookDeduper) Begin(_ context.Context, key string) (webhookverify.DeliveryState, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.calls = append(d.calls, "begin "+key)
	return d.state, d.beginErr
}

func (d *hookDeduper) End(_ context.Context, key string, handled bool) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.calls = append(d.calls, fmt.Sprintf("end %s %t", key, handled))
	return errors.New("end failed")
}

func TestWebhookHandlerCustomDeduper(t *testing.T) {
	t.Parallel()
	d := &hookDeduper{}
	calls := &hookCalls{}
	h, _ := hookHandler(t, calls, moveo.WithDeduper(d))
	assert.Equal(t, http.StatusNoContent, hookServe(h, hookRequest(docMemberJoin, hookSecret)).Code,
		"an End failure after fn succeeded still answers 2xx")
	calls.setErr(errors.New("nope"))
	assert.Equal(t, http.StatusInternalServerError, hookServe(h, hookRequest(docMemberJoin, hookSecret)).Code)
	const key = "req-103:conversation:member_join"
	assert.Equal(t, []string{"begin " + key, "end " + key + " true", "begin " + key, "end " + key + " false"}, d.calls)

	d = &hookDeduper{beginErr: errors.New("redis: connection refused")}
	calls = &hookCalls{}
	h, _ = hookHandler(t, calls, moveo.WithDeduper(d))
	assert.Equal(t, http.StatusInternalServerError, hookServe(h, hookRequest(docMemberJoin, hookSecret)).Code)
	assert.Zero(t, calls.count())
}

// Nothing the handler prints or logs shows a secret or a signature.
func TestWebhookHandlerNeverShowsSecrets(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	calls := &hookCalls{}
	h, clock := hookHandler(t, calls, moveo.WithSecrets("second-secret-value"), moveo.WithWebhookLogger(logger))
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		s := fmt.Sprintf(verb, h)
		assert.NotContains(t, s, hookSecret)
		assert.NotContains(t, s, "second-secret-value")
	}
	assert.Equal(t, "moveo.WebhookHandler{secrets: 2, replay window: 5m0s}", fmt.Sprint(h))

	wrong := hookRequest(docBrainSend, "")
	wrong.Header.Set(moveo.HeaderSignature, hookSign("forged", docBrainSend))
	hookServe(h, wrong)
	hookServe(h, hookRequest(docBrainSend, hookSecret))
	hookServe(h, hookRequest(docBrainSend, hookSecret))
	calls.setErr(errors.New("fn failed"))
	hookServe(h, hookRequest(docAgentMessage, hookSecret))
	clock.add(time.Hour)
	hookServe(h, hookRequest(docTyping, hookSecret))
	hookServe(h, httptest.NewRequest(http.MethodGet, "/", nil))

	out := logs.String()
	for _, line := range []string{"signature mismatch", "handled", "duplicate event", "callback failed", "older than the replay window", "method not allowed"} {
		assert.Contains(t, out, line)
	}
	assert.Contains(t, out, "request_id=req-123")
	for _, secret := range []string{hookSecret, "second-secret-value", hookSign(hookSecret, docBrainSend), hookSign("forged", docBrainSend)} {
		assert.NotContains(t, out, secret)
	}
}
