package webhookverify_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/webhookverify"
)

// rcvEvent is the event of the tests' made-up vendor.
type rcvEvent struct {
	ID string    `json:"id"`
	At time.Time `json:"at"`
}

const (
	rcvHeader = "X-Test-Signature"
	rcvSecret = "receiver-test-secret"
)

var rcvNow = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func rcvParse(_ *http.Request, body []byte) (rcvEvent, time.Time, string, error) {
	var ev rcvEvent
	if err := json.Unmarshal(body, &ev); err != nil {
		return ev, time.Time{}, "", err
	}
	return ev, ev.At, ev.ID, nil
}

// rcvConfig is a signed receiver whose callback records the events and
// returns fnErr.
func rcvConfig(t *testing.T, got *[]string, fnErr *error) webhookverify.ReceiverConfig[rcvEvent] {
	t.Helper()
	v, err := webhookverify.NewVerifier([][]byte{[]byte(rcvSecret)})
	require.NoError(t, err)
	var mu sync.Mutex
	return webhookverify.ReceiverConfig[rcvEvent]{
		Name:            "test webhook",
		Verifier:        v,
		SignatureHeader: rcvHeader,
		MaxBodyBytes:    256,
		Parse:           rcvParse,
		Handle: func(_ context.Context, ev rcvEvent) error {
			mu.Lock()
			defer mu.Unlock()
			*got = append(*got, ev.ID)
			return *fnErr
		},
		Window: time.Minute,
		Skew:   10 * time.Second,
		Now:    func() time.Time { return rcvNow },
	}
}

func rcvBody(id string, at time.Time) []byte {
	return []byte(`{"id":"` + id + `","at":"` + at.Format(time.RFC3339Nano) + `"}`)
}

func rcvServe(h http.Handler, method string, body []byte, secret string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, "/hook", bytes.NewReader(body))
	if secret != "" {
		r.Header.Set(rcvHeader, webhookverify.Sign([]byte(secret), body))
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestReceiverPipeline(t *testing.T) {
	t.Parallel()
	var got []string
	var fnErr error
	var logs bytes.Buffer
	cfg := rcvConfig(t, &got, &fnErr)
	cfg.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cfg.LogAttrs = func(attrs []slog.Attr, _ *http.Request, ev rcvEvent) []slog.Attr {
		return append(attrs, slog.String("event_id", ev.ID))
	}
	rc, err := webhookverify.NewReceiver(cfg)
	require.NoError(t, err)

	ok := rcvBody("e1", rcvNow)
	for _, tt := range []struct {
		name   string
		method string
		body   []byte
		secret string
		want   int
	}{
		{"method", http.MethodGet, ok, rcvSecret, http.StatusMethodNotAllowed},
		{"unsigned", http.MethodPost, ok, "", http.StatusUnauthorized},
		{"forged", http.MethodPost, ok, "other-secret-value", http.StatusUnauthorized},
		{"too large", http.MethodPost, []byte(`{"id":"` + strings.Repeat("x", 300) + `"}`), rcvSecret, http.StatusRequestEntityTooLarge},
		{"bad json", http.MethodPost, []byte(`{`), rcvSecret, http.StatusBadRequest},
		{"stale", http.MethodPost, rcvBody("old", rcvNow.Add(-2*time.Minute)), rcvSecret, http.StatusBadRequest},
		{"future", http.MethodPost, rcvBody("new", rcvNow.Add(time.Minute)), rcvSecret, http.StatusBadRequest},
		{"handled", http.MethodPost, ok, rcvSecret, http.StatusNoContent},
		{"duplicate", http.MethodPost, ok, rcvSecret, http.StatusOK},
	} {
		w := rcvServe(rc, tt.method, tt.body, tt.secret)
		assert.Equal(t, tt.want, w.Code, tt.name)
		if tt.want >= 300 {
			assert.Equal(t, http.StatusText(tt.want)+"\n", w.Body.String(), tt.name)
		}
	}
	assert.Equal(t, []string{"e1"}, got, "only the one new, verified event reaches Handle")

	fnErr = errors.New("store down")
	assert.Equal(t, http.StatusInternalServerError, rcvServe(rc, http.MethodPost, rcvBody("e2", rcvNow), rcvSecret).Code)
	fnErr = nil
	assert.Equal(t, http.StatusNoContent, rcvServe(rc, http.MethodPost, rcvBody("e2", rcvNow), rcvSecret).Code,
		"a failed callback releases the key for the retry")
	assert.Equal(t, []string{"e1", "e2", "e2"}, got)

	out := logs.String()
	for _, want := range []string{"test webhook: refused", "test webhook: duplicate delivery", "test webhook: handled",
		"test webhook: callback failed", `error="store down"`, "event_id=e2", "timestamp is 2m0s old"} {
		assert.Contains(t, out, want)
	}
	assert.NotContains(t, out, rcvSecret)
	assert.Equal(t, "webhookverify.Receiver{test webhook, secrets: 1, replay window: 1m0s}", fmt.Sprintf("%v", rc))
	assert.NotContains(t, fmt.Sprintf("%#v", rc), rcvSecret)
}

// A callback that refuses an event it can never act on (Refuse) gets 400,
// wrapped or not; the refusal is logged at Warn with its reason, and the key
// is released, as after any failure.
func TestReceiverRefusal(t *testing.T) {
	t.Parallel()
	var got []string
	var fnErr error
	var logs bytes.Buffer
	cfg := rcvConfig(t, &got, &fnErr)
	cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	rc, err := webhookverify.NewReceiver(cfg)
	require.NoError(t, err)

	missing := errors.New("the event names no user (user_id)")
	for i, refusal := range []error{
		webhookverify.Refuse(missing),
		fmt.Errorf("relay: %w", webhookverify.Refuse(missing)),
	} {
		fnErr = refusal
		w := rcvServe(rc, http.MethodPost, rcvBody("e3", rcvNow), rcvSecret)
		assert.Equal(t, http.StatusBadRequest, w.Code, i)
		assert.Equal(t, "Bad Request\n", w.Body.String(), "the reason stays in the log")
	}
	out := logs.String()
	assert.Contains(t, out, `level=WARN msg="test webhook: callback refused the delivery" status=400 error="relay: the event names no user (user_id)"`)
	assert.NotContains(t, out, "ERROR")

	fnErr = nil
	assert.Equal(t, http.StatusNoContent, rcvServe(rc, http.MethodPost, rcvBody("e3", rcvNow), rcvSecret).Code,
		"a refusal does not mark the delivery handled")
	assert.Equal(t, []string{"e3", "e3", "e3"}, got)
}

func TestRefuse(t *testing.T) {
	t.Parallel()
	assert.NoError(t, webhookverify.Refuse(nil))
	base := errors.New("botId is empty")
	err := webhookverify.Refuse(base)
	assert.EqualError(t, err, "botId is empty")
	assert.ErrorIs(t, err, base)
	assert.True(t, webhookverify.IsRefusal(err))
	assert.True(t, webhookverify.IsRefusal(fmt.Errorf("x: %w", err)))
	assert.True(t, webhookverify.IsRefusal(errors.Join(errors.New("other"), err)))
	assert.False(t, webhookverify.IsRefusal(base))
	assert.False(t, webhookverify.IsRefusal(nil))
}

// Each vendor chooses its statuses; a 2xx is answered with no body.
func TestReceiverStatuses(t *testing.T) {
	t.Parallel()
	var got []string
	var fnErr error
	cfg := rcvConfig(t, &got, &fnErr)
	cfg.StaleStatus = http.StatusOK
	cfg.InFlightStatus = http.StatusServiceUnavailable
	started, release := make(chan struct{}), make(chan struct{})
	cfg.Handle = func(context.Context, rcvEvent) error {
		close(started)
		<-release
		return nil
	}
	rc, err := webhookverify.NewReceiver(cfg)
	require.NoError(t, err)

	w := rcvServe(rc, http.MethodPost, rcvBody("old", rcvNow.Add(-time.Hour)), rcvSecret)
	assert.Equal(t, http.StatusOK, w.Code)
	assert.Empty(t, w.Body.String())

	done := make(chan int)
	go func() { done <- rcvServe(rc, http.MethodPost, rcvBody("slow", rcvNow), rcvSecret).Code }()
	<-started
	assert.Equal(t, http.StatusServiceUnavailable, rcvServe(rc, http.MethodPost, rcvBody("slow", rcvNow), rcvSecret).Code)
	close(release)
	assert.Equal(t, http.StatusNoContent, <-done)
}

func TestReceiverUnsigned(t *testing.T) {
	t.Parallel()
	var got []string
	var fnErr error
	cfg := rcvConfig(t, &got, &fnErr)
	cfg.Verifier, cfg.AllowUnsigned = nil, true
	rc, err := webhookverify.NewReceiver(cfg)
	require.NoError(t, err)
	assert.Equal(t, http.StatusNoContent, rcvServe(rc, http.MethodPost, rcvBody("e1", rcvNow), "").Code)
	assert.Equal(t, http.StatusRequestEntityTooLarge,
		rcvServe(rc, http.MethodPost, bytes.Repeat([]byte("x"), 300), "").Code)
	assert.Equal(t, []string{"e1"}, got)
	assert.Equal(t, "webhookverify.Receiver{test webhook, unsigned, replay window: 1m0s}", rc.String())
}

func TestNewReceiverErrors(t *testing.T) {
	t.Parallel()
	var got []string
	var fnErr error
	for name, change := range map[string]func(*webhookverify.ReceiverConfig[rcvEvent]){
		"nil Parse":            func(c *webhookverify.ReceiverConfig[rcvEvent]) { c.Parse = nil },
		"nil Handle":           func(c *webhookverify.ReceiverConfig[rcvEvent]) { c.Handle = nil },
		"negative window":      func(c *webhookverify.ReceiverConfig[rcvEvent]) { c.Window = -1 },
		"negative skew":        func(c *webhookverify.ReceiverConfig[rcvEvent]) { c.Skew = -1 },
		"no verifier":          func(c *webhookverify.ReceiverConfig[rcvEvent]) { c.Verifier = nil },
		"verifier and opt-out": func(c *webhookverify.ReceiverConfig[rcvEvent]) { c.AllowUnsigned = true },
		"verifier and authenticator": func(c *webhookverify.ReceiverConfig[rcvEvent]) {
			c.Authenticator = webhookverify.AuthenticatorFunc(func(*http.Request) error { return nil })
		},
		"no header":  func(c *webhookverify.ReceiverConfig[rcvEvent]) { c.SignatureHeader = "" },
		"bad status": func(c *webhookverify.ReceiverConfig[rcvEvent]) { c.InFlightStatus = 42 },
	} {
		cfg := rcvConfig(t, &got, &fnErr)
		change(&cfg)
		_, err := webhookverify.NewReceiver(cfg)
		assert.Error(t, err, name)
	}
	cfg := rcvConfig(t, &got, &fnErr)
	cfg.Verifier = nil
	_, err := webhookverify.NewReceiver(cfg)
	assert.ErrorIs(t, err, webhookverify.ErrEmptySecret)
}

// A vendor that signs nothing: the Receiver checks its credential before reading the body, and
// with Window 0 an event without a time is never stale.
func TestReceiverCredential(t *testing.T) {
	t.Parallel()
	var got []string
	var fnErr error
	cfg := rcvConfig(t, &got, &fnErr)
	bearer, err := webhookverify.BearerToken("desk-token")
	require.NoError(t, err)
	cfg.Verifier, cfg.SignatureHeader, cfg.Authenticator, cfg.Window = nil, "", bearer, 0
	rc, err := webhookverify.NewReceiver(cfg)
	require.NoError(t, err)
	assert.Equal(t, "webhookverify.Receiver{test webhook, credential checked, no replay window}", rc.String())

	serve := func(auth string, body []byte) int {
		r := httptest.NewRequest(http.MethodPost, "/hook", bytes.NewReader(body))
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		w := httptest.NewRecorder()
		rc.ServeHTTP(w, r)
		if w.Code == http.StatusUnauthorized {
			assert.Equal(t, "Bearer", w.Header().Get("WWW-Authenticate"), "a 401 names the scheme")
		}
		return w.Code
	}
	untimed := []byte(`{"id":"e1"}`)
	assert.Equal(t, http.StatusUnauthorized, serve("", untimed))
	assert.Equal(t, http.StatusUnauthorized, serve("Bearer wrong", untimed))
	// The credential is checked before the body: an oversized body from a stranger is a 401.
	assert.Equal(t, http.StatusUnauthorized, serve("Bearer wrong", bytes.Repeat([]byte("x"), 300)))
	assert.Empty(t, got)
	assert.Equal(t, http.StatusNoContent, serve("Bearer desk-token", untimed))
	assert.Equal(t, http.StatusOK, serve("bearer desk-token", untimed), "a redelivery of e1")
	assert.Equal(t, http.StatusNoContent, serve("Bearer desk-token", rcvBody("e2", rcvNow.Add(-24*time.Hour))))
	assert.Equal(t, []string{"e1", "e2"}, got)

	ips, err := webhookverify.SourceIPs("10.0.0.0/8")
	require.NoError(t, err)
	cfg.Authenticator = ips
	rc, err = webhookverify.NewReceiver(cfg)
	require.NoError(t, err)
	assert.Equal(t, http.StatusForbidden, serve("", untimed), "httptest's peer 192.0.2.1 is outside 10/8")
}

// The setters refuse what every vendor's options refuse, in the same words.
func TestReceiverConfigSetters(t *testing.T) {
	t.Parallel()
	var c webhookverify.ReceiverConfig[rcvEvent]
	assert.EqualError(t, c.SetReplayWindow(0), "WithReplayWindow: 0s is not positive")
	assert.EqualError(t, c.SetClock(nil), "WithClock: nil clock")
	assert.EqualError(t, c.SetDeduper(nil), "WithDeduper: nil Deduper")
	assert.EqualError(t, c.SetMaxBodyBytes(-1), "WithMaxBodyBytes: -1 is not positive")
	require.NoError(t, c.SetLogger(nil), "nil keeps the receiver silent")
	assert.Nil(t, c.Logger)
	assert.Zero(t, c.Window)
	assert.Zero(t, c.MaxBodyBytes)

	d := webhookverify.NewMemoryDeduper(0, 0)
	require.NoError(t, c.SetReplayWindow(time.Minute))
	require.NoError(t, c.SetClock(func() time.Time { return rcvNow }))
	require.NoError(t, c.SetDeduper(d))
	require.NoError(t, c.SetMaxBodyBytes(10))
	assert.Equal(t, time.Minute, c.Window)
	assert.Equal(t, rcvNow, c.Now())
	assert.Same(t, d, c.Deduper)
	assert.Equal(t, int64(10), c.MaxBodyBytes)
	logger := slog.New(slog.DiscardHandler)
	require.NoError(t, c.SetLogger(logger))
	assert.Same(t, logger, c.Logger)
}

// A receiver whose vendor gives no dedupe key (Certainly) builds no
// Deduper: making one costs what making one with its own Deduper costs.
// Not parallel: AllocsPerRun counts every allocation in the process.
func TestReceiverBuildsTheDefaultDeduperOnlyWhenAKeyNeedsIt(t *testing.T) {
	var got []string
	var fnErr error
	keyless := rcvConfig(t, &got, &fnErr)
	keyless.Window = 0
	keyless.Parse = func(r *http.Request, body []byte) (rcvEvent, time.Time, string, error) {
		ev, _, _, err := rcvParse(r, body)
		return ev, time.Time{}, "", err
	}
	own := keyless
	own.Deduper = webhookverify.NewMemoryDeduper(0, 0)
	build := func(cfg webhookverify.ReceiverConfig[rcvEvent]) float64 {
		return testing.AllocsPerRun(100, func() {
			if _, err := webhookverify.NewReceiver(cfg); err != nil {
				t.Fatal(err)
			}
		})
	}
	assert.Equal(t, build(own), build(keyless))

	// Without keys every delivery reaches Handle, a redelivery too.
	rc, err := webhookverify.NewReceiver(keyless)
	require.NoError(t, err)
	for range 2 {
		assert.Equal(t, http.StatusNoContent, rcvServe(rc, http.MethodPost, rcvBody("e1", rcvNow), rcvSecret).Code)
	}
	assert.Equal(t, []string{"e1", "e1"}, got)
}

// The default Deduper, built on first use, is one for all requests: of
// concurrent first deliveries of one key, exactly one is handled.
func TestReceiverDefaultDeduperFirstUseIsShared(t *testing.T) {
	t.Parallel()
	const n = 8
	var got []string
	var fnErr error
	cfg := rcvConfig(t, &got, &fnErr)
	started, release := make(chan struct{}), make(chan struct{})
	handle := cfg.Handle
	cfg.Handle = func(ctx context.Context, ev rcvEvent) error {
		close(started) // a second call would panic
		<-release
		return handle(ctx, ev)
	}
	rc, err := webhookverify.NewReceiver(cfg)
	require.NoError(t, err)

	codes := make(chan int, n)
	for range n {
		go func() { codes <- rcvServe(rc, http.MethodPost, rcvBody("e1", rcvNow), rcvSecret).Code }()
	}
	// While the first is in Handle, every other one finds the key in flight.
	for range n - 1 {
		assert.Equal(t, http.StatusConflict, <-codes)
	}
	<-started
	close(release)
	assert.Equal(t, http.StatusNoContent, <-codes)
	assert.Equal(t, http.StatusOK, rcvServe(rc, http.MethodPost, rcvBody("e1", rcvNow), rcvSecret).Code)
	assert.Equal(t, []string{"e1"}, got)
}
