package fakeserver

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// startServer starts a Server for the test and closes it when the test
// ends.
func startServer(t *testing.T) *Server {
	t.Helper()
	s, err := Start(http.NotFoundHandler(), slog.New(slog.DiscardHandler), NewDeliveryClient())
	require.NoError(t, err)
	t.Cleanup(func() { s.Close(nil) })
	return s
}

func TestFaultsAreUsedInOrderPerRoute(t *testing.T) {
	t.Parallel()
	type kind struct {
		status int
		after  bool
	}
	var q Faults[kind]
	q.Add("POST /a", kind{503, false}, 2)
	q.Add("POST /a", kind{502, true}, 1)
	q.Add("POST /b", kind{500, false}, 1)
	q.Add("POST /a", kind{404, false}, 0) // adds nothing

	before := func(k kind) bool { return !k.after }
	var got []int
	for {
		k, ok := q.Take("POST /a", before)
		if !ok {
			break
		}
		got = append(got, k.status)
	}
	assert.Equal(t, []int{503, 503}, got, "n uses, in order; the other stage is left alone")
	k, ok := q.Take("POST /a", nil)
	require.True(t, ok)
	assert.Equal(t, kind{502, true}, k)
	_, ok = q.Take("POST /a", nil)
	assert.False(t, ok)
	k, ok = q.Take("POST /b", nil)
	assert.True(t, ok)
	assert.Equal(t, 500, k.status)
}

func TestMustBeErrorStatus(t *testing.T) {
	t.Parallel()
	assert.NotPanics(t, func() { MustBeErrorStatus("x: FailNext", 400) })
	assert.NotPanics(t, func() { MustBeErrorStatus("x: FailNext", 599) })
	assert.PanicsWithValue(t, "x: FailNext: status 200 is not an error status", func() { MustBeErrorStatus("x: FailNext", 200) })
	assert.Panics(t, func() { MustBeErrorStatus("x: FailNext", 600) })
}

func TestCanonicalRoute(t *testing.T) {
	t.Parallel()
	want := CanonicalRoute("POST /v1/conversations/{id}/messages")
	for _, name := range []string{
		"POST /v1/conversations/:id/messages",
		"post /v1/conversations/{conversationId}/messages",
		"  POST  /v1/conversations/:conversationId/messages ",
	} {
		assert.Equal(t, want, CanonicalRoute(name), name)
	}
	assert.NotEqual(t, want, CanonicalRoute("GET /v1/conversations/{id}/messages"))
	assert.NotEqual(t, want, CanonicalRoute("POST /v1/conversations/x/messages"))
}

func TestRedaction(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"Bearer s3cret":    "Bearer [REDACTED]",
		"apikey k e y":     "apikey [REDACTED]",
		"s3cret":           "[REDACTED]",
		" s3cret":          "[REDACTED]",
		"":                 "",
		"Basic dXNlcjpwdw": "Basic [REDACTED]",
	} {
		assert.Equal(t, want, RedactCredential(in), "%q", in)
	}

	h := http.Header{"Authorization": {"Bearer a", "b"}, "X-Other": {"kept"}}
	got := RedactAuthorization(h, nil)
	assert.Equal(t, []string{"Bearer [REDACTED]", "[REDACTED]"}, got["Authorization"])
	assert.Equal(t, "kept", got.Get("X-Other"))
	assert.Equal(t, "Bearer a", h.Get("Authorization"), "the original is unchanged")
	got = RedactAuthorization(h, func(v string) string { return "custom" })
	assert.Equal(t, []string{"custom", "custom"}, got["Authorization"])

	before := http.Header{"Content-Type": {"application/json"}, "X-Sig": {"abc"}}
	after := before.Clone()
	after.Set("Authorization", "Bearer tok")
	after.Set("X-Api-Key", "key")
	after.Set("X-Sig", "changed")
	got = RedactAdded(before, after)
	assert.Equal(t, http.Header{
		"Content-Type":  {"application/json"},
		"Authorization": {"Bearer [REDACTED]"},
		"X-Api-Key":     {"[REDACTED]"},
		"X-Sig":         {"[REDACTED]"},
	}, got)
	assert.Equal(t, "Bearer tok", after.Get("Authorization"), "the original is unchanged")
}

func TestWaitLockedWakesOnNotify(t *testing.T) {
	t.Parallel()
	clock := NewClock(t0)
	var (
		mu    sync.Mutex
		sig   Signal
		count int
	)
	done := make(chan error, 1)
	go func() {
		done <- WaitLocked(context.Background(), clock, &mu, &sig, func() (bool, error) { return count >= 2, nil })
	}()
	for range 2 {
		mu.Lock()
		count++
		sig.Notify()
		mu.Unlock()
	}
	require.NoError(t, <-done)

	errStop := errors.New("closed")
	assert.ErrorIs(t, WaitLocked(context.Background(), clock, &mu, &sig, func() (bool, error) { return false, errStop }), errStop)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	assert.ErrorIs(t, WaitLocked(ctx, clock, &mu, &sig, func() (bool, error) { return false, nil }), context.Canceled)

	var zero Signal
	zero.Notify() // no waiter: nothing to wake
	c := zero.C()
	zero.Notify()
	<-c
}

func TestMarkClosed(t *testing.T) {
	t.Parallel()
	var (
		mu     sync.Mutex
		closed bool
		sig    Signal
	)
	mu.Lock()
	woken := sig.C()
	mu.Unlock()
	MarkClosed(&mu, &closed, &sig)()
	<-woken
	assert.True(t, closed)
}

func TestServerAfterFunc(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	clock := NewClock(t0)
	fired := make(chan struct{})
	stop := s.AfterFunc(clock, time.Minute, func() { close(fired) })
	never := s.AfterFunc(clock, time.Minute, func() { t.Error("a stopped timer fired") })
	assert.True(t, never(), "stopped before it fired")
	clock.Advance(time.Minute)
	<-fired
	assert.False(t, stop(), "it had fired")
}

// Close stops the timers that have not fired and waits for those that
// did; after Close nothing starts.
func TestServerCloseStopsTimers(t *testing.T) {
	t.Parallel()
	s, err := Start(http.NotFoundHandler(), slog.New(slog.DiscardHandler), nil)
	require.NoError(t, err)
	clock := NewClock(t0)
	release := make(chan struct{})
	var ran sync.WaitGroup
	ran.Add(1)
	var finished bool
	s.AfterFunc(clock, time.Second, func() {
		ran.Done()
		<-release
		finished = true
	})
	s.AfterFunc(clock, time.Hour, func() { t.Error("a pending timer fired after Close") })
	clock.Advance(time.Second)
	ran.Wait() // the first timer is running
	closed := make(chan struct{})
	go func() {
		s.Close(nil)
		close(closed)
	}()
	close(release)
	<-closed
	assert.True(t, finished, "Close waited for the running timer")
	clock.Advance(time.Hour)

	stop := s.AfterFunc(clock, 0, func() { t.Error("a timer made after Close fired") })
	assert.False(t, stop())
	assert.False(t, s.WaitUntil(clock, clock.Now()), "a closed server waits for nothing")
}

func TestServerWaitUntil(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	clock := NewClock(t0)
	done := make(chan bool, 1)
	go func() { done <- s.WaitUntil(clock, t0.Add(time.Minute)) }()
	clock.Advance(time.Minute)
	assert.True(t, <-done)
}

func TestOnPanic(t *testing.T) {
	t.Parallel()
	var got error
	func() {
		defer OnPanic("POST /x", func(err error) { got = err })
		panic("boom")
	}()
	require.Error(t, got)
	assert.Contains(t, got.Error(), "panic in POST /x: boom")
	assert.Contains(t, got.Error(), "goroutine", "the stack is attached")

	got = nil
	func() {
		defer OnPanic("POST /x", func(err error) { got = err })
	}()
	assert.NoError(t, got, "no panic, no call")
}

func TestIsHTTPURL(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]bool{
		"http://127.0.0.1:8080/hook": true,
		"https://example.com":        true,
		"ftp://example.com":          false,
		"example.com/hook":           false,
		"http://":                    false,
		"":                           false,
		"http://a b":                 false,
	} {
		assert.Equal(t, want, IsHTTPURL(raw), raw)
	}
}

// Post sends the body with the fake's headers and the test's credential,
// records what it sent with the credential redacted, and keeps the start
// of the answer.
func TestPost(t *testing.T) {
	t.Parallel()
	s := startServer(t)
	type received struct {
		path   string
		header http.Header
		body   string
	}
	arrived := make(chan received, 1)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		arrived <- received{r.URL.Path, r.Header.Clone(), string(body)}
		w.WriteHeader(http.StatusAccepted)
		io.WriteString(w, "accepted, and more")
	}))
	t.Cleanup(receiver.Close)

	var sent http.Header
	o := s.Post(context.Background(), NewDeliveryClient(), Outgoing{
		URL: receiver.URL + "/hook", Body: []byte(`{"a":1}`),
		Header:     http.Header{"User-Agent": {"faketest"}, "X-Sig": {"abc"}},
		Auth:       func(r *http.Request) { r.Header.Set("Authorization", "Bearer s3cret") },
		KeepAnswer: 8, Timeout: time.Minute,
		OnSend: func(h http.Header) { sent = h },
	})
	require.NoError(t, o.Err)
	assert.Equal(t, http.StatusAccepted, o.Status)
	assert.Equal(t, "accepted", string(o.Answer))
	assert.NoError(t, o.AnswerErr)
	assert.False(t, o.TimedOut)
	got := <-arrived
	assert.Equal(t, `{"a":1}`, got.body)
	assert.Equal(t, "/hook", got.path)
	assert.Equal(t, "Bearer s3cret", got.header.Get("Authorization"), "sent as the auth function set it")
	assert.Equal(t, "application/json", got.header.Get("Content-Type"))
	assert.Equal(t, "faketest", got.header.Get("User-Agent"))
	assert.Equal(t, "abc", got.header.Get("X-Sig"))
	assert.Equal(t, http.Header{
		"Authorization": {"Bearer [REDACTED]"}, "Content-Type": {"application/json"},
		"User-Agent": {"faketest"}, "X-Sig": {"abc"},
	}, o.Header)
	assert.Equal(t, o.Header, sent)
}

// hangingReceiver never answers; arrived gets a value per request.
func hangingReceiver(t *testing.T) (url string, arrived <-chan struct{}) {
	t.Helper()
	ch := make(chan struct{}, 4)
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ch <- struct{}{}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	return srv.URL, ch
}

func TestPostFailures(t *testing.T) {
	t.Parallel()
	t.Run("timeout", func(t *testing.T) {
		t.Parallel()
		url, _ := hangingReceiver(t)
		s := startServer(t)
		o := s.Post(context.Background(), NewDeliveryClient(), Outgoing{URL: url, Timeout: 20 * time.Millisecond})
		assert.Error(t, o.Err)
		assert.True(t, o.TimedOut)
		assert.Zero(t, o.Status)
	})
	t.Run("caller's context", func(t *testing.T) {
		t.Parallel()
		url, arrived := hangingReceiver(t)
		s := startServer(t)
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			<-arrived
			cancel()
		}()
		o := s.Post(ctx, NewDeliveryClient(), Outgoing{URL: url, Timeout: time.Minute})
		assert.ErrorIs(t, o.Err, context.Canceled)
		assert.False(t, o.TimedOut, "the caller ended it")
	})
	t.Run("Close", func(t *testing.T) {
		t.Parallel()
		url, arrived := hangingReceiver(t)
		s, err := Start(http.NotFoundHandler(), slog.New(slog.DiscardHandler), nil)
		require.NoError(t, err)
		go func() {
			<-arrived
			s.Close(nil)
		}()
		o := s.Post(context.Background(), NewDeliveryClient(), Outgoing{URL: url, Timeout: time.Minute})
		assert.ErrorIs(t, o.Err, context.Canceled)
		assert.False(t, o.TimedOut, "Close ended it")
	})
	t.Run("bad URL", func(t *testing.T) {
		t.Parallel()
		s := startServer(t)
		o := s.Post(context.Background(), NewDeliveryClient(), Outgoing{URL: "http://a b/"})
		assert.Error(t, o.Err)
		assert.Nil(t, o.Header, "no request was built")
		assert.True(t, strings.Contains(o.Err.Error(), "invalid"), o.Err.Error())
	})
}
