package fakeserver

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func TestClockFake(t *testing.T) {
	c := NewClock(t0.In(time.FixedZone("X", 3600)))
	if got := c.Now(); !got.Equal(t0) || got.Location() != time.UTC {
		t.Fatalf("Now = %v, want %v in UTC", got, t0)
	}
	if got := c.Advance(time.Minute); !got.Equal(t0.Add(time.Minute)) {
		t.Fatalf("Advance = %v", got)
	}
	c.Set(t0)
	if got := c.Now(); !got.Equal(t0) {
		t.Fatalf("after Set, Now = %v", got)
	}
	if IsReal(c) {
		t.Fatal("IsReal(NewClock) = true")
	}
}

func TestClockReal(t *testing.T) {
	c := NewRealClock()
	if !IsReal(c) {
		t.Fatal("IsReal(NewRealClock) = false")
	}
	if d := time.Until(c.Now()); d < -time.Second || d > time.Second {
		t.Fatalf("real clock off by %v", d)
	}
	c.Advance(time.Hour)
	if d := time.Until(c.Now()); d < 59*time.Minute {
		t.Fatalf("after Advance(1h), ahead by %v", d)
	}
	c.Set(t0)
	if d := c.Now().Sub(t0); d < 0 || d > time.Second {
		t.Fatalf("after Set, off by %v", d)
	}
	// A real clock reaches a time by waiting.
	if err := WaitUntil(context.Background(), c, c.Now().Add(10*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
}

func TestWaitUntil(t *testing.T) {
	c := NewClock(t0)
	done := make(chan error, 1)
	go func() { done <- WaitUntil(context.Background(), c, t0.Add(time.Second)) }()
	select {
	case err := <-done:
		t.Fatalf("WaitUntil returned %v before the clock moved", err)
	case <-time.After(20 * time.Millisecond):
	}
	c.Advance(time.Second)
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := WaitUntil(ctx, c, t0); err != nil {
		t.Fatalf("due time with ended ctx: %v", err)
	}
	if err := WaitUntil(ctx, c, t0.Add(time.Hour)); !errors.Is(err, context.Canceled) {
		t.Fatalf("ended ctx: %v", err)
	}
}

func TestWaitFor(t *testing.T) {
	c := NewClock(t0)
	var calls atomic.Int32
	err := WaitFor(context.Background(), c, func() (bool, <-chan struct{}, error) {
		if calls.Add(1) == 1 {
			go c.Advance(time.Second) // wakes the wait
			return true, nil, nil
		}
		return false, nil, nil
	})
	if err != nil || calls.Load() != 2 {
		t.Fatalf("WaitFor = %v after %d polls", err, calls.Load())
	}
	errDone := errors.New("closed")
	if err := WaitFor(context.Background(), c, func() (bool, <-chan struct{}, error) { return false, nil, errDone }); err != errDone {
		t.Fatalf("poll error: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if err := WaitFor(ctx, c, func() (bool, <-chan struct{}, error) { return true, nil, nil }); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("busy until ctx ends: %v", err)
	}
}

func TestSleep(t *testing.T) {
	if err := Sleep(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
}

func TestConfigureAndOptions(t *testing.T) {
	var c Config
	hc := &http.Client{}
	clock := NewClock(t0)
	err := Configure(&c, []Option{
		WithClock(clock), WithDeliverySchedule(time.Second), WithDeliveryTimeout(time.Minute),
		WithDeliveryClient(hc), WithLatency(time.Millisecond), WithLogger(slog.Default()),
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.Clock != clock || len(c.Schedule) != 1 || c.DeliveryTimeout != time.Minute ||
		c.DeliveryClient != hc || c.Latency != time.Millisecond || c.Logger == nil {
		t.Fatalf("config = %+v", c)
	}
	for _, bad := range []Option{
		nil, WithClock(nil), WithDeliverySchedule(-1), WithDeliveryTimeout(0),
		WithDeliveryClient(nil), WithLatency(-1),
	} {
		if err := Configure(&c, []Option{bad}); err == nil {
			t.Error("a bad option was accepted")
		}
	}

	var d Config
	if err := Configure(&d, []Option(nil)); err != nil {
		t.Fatal(err)
	}
	if d.Clock == nil || !IsReal(d.Clock) || d.Logger == nil || d.DeliveryClient == nil {
		t.Fatalf("defaults not filled: %+v", d)
	}
	lifted := Lift[*Config](WithLatency(time.Second))
	if err := lifted(&d); err != nil || d.Latency != time.Second {
		t.Fatalf("Lift: %v, latency %s", err, d.Latency)
	}
}

func TestIDs(t *testing.T) {
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(NewUUID()) {
		t.Error("NewUUID is not a version 4 UUID")
	}
	if tok := RandomToken(32); len(tok) != 43 || strings.ContainsAny(tok, "+/=") {
		t.Errorf("RandomToken(32) = %q", tok)
	}
	if s := RandomString("ab", 50); len(s) != 50 || strings.Trim(s, "ab") != "" {
		t.Errorf("RandomString = %q", s)
	}
}

func TestServer(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "ok")
	})
	s, err := Start(h, slog.New(slog.DiscardHandler), &http.Client{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(s.URL, "http://127.0.0.1:") {
		t.Fatalf("URL = %q", s.URL)
	}
	resp, err := s.Client().Get(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "ok" {
		t.Fatalf("body %q", body)
	}

	// A connection that never sends a request does not hold Close up.
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()

	var workerDone, marked atomic.Bool
	s.Go(func() {
		<-s.Context().Done()
		workerDone.Store(true)
	})
	s.Close(func() { marked.Store(true) }) // returning at all is the check: a held Close hangs the test
	if !marked.Load() || !workerDone.Load() || s.Context().Err() == nil {
		t.Fatalf("after Close: marked %v, worker done %v, ctx %v", marked.Load(), workerDone.Load(), s.Context().Err())
	}
	s.Close(func() { t.Error("second Close ran its hook") })
	if _, err := s.Client().Get(s.URL); err == nil {
		t.Error("request after Close succeeded")
	}
	if s.Go(func() { t.Error("a worker started after Close") }) {
		t.Error("Go after Close reported a start")
	}
}

func TestRequestLog(t *testing.T) {
	type rec struct{ N, Status int }
	var l RequestLog[rec]
	r := l.Append(&rec{N: 1})
	l.Append(&rec{N: 2})
	l.Update(func() { r.Status = 200 })
	got := l.Snapshot(func(r *rec) rec { return *r })
	if len(got) != 2 || got[0] != (rec{1, 200}) || got[1] != (rec{2, 0}) {
		t.Fatalf("Snapshot = %v", got)
	}
}

func TestDeepCopyJSON(t *testing.T) {
	in := map[string]any{"a": []any{map[string]any{"b": 1.0}}, "s": "x"}
	out := DeepCopyJSON(in).(map[string]any)
	out["a"].([]any)[0].(map[string]any)["b"] = 2.0
	out["s"] = "y"
	if in["a"].([]any)[0].(map[string]any)["b"] != 1.0 || in["s"] != "x" {
		t.Fatalf("the copy shares state: %v", in)
	}
	if DeepCopyJSON("v") != "v" || DeepCopyJSON(nil) != nil {
		t.Fatal("scalars are not returned as they are")
	}
}

func TestFillDefaults(t *testing.T) {
	var c Config
	c.FillDefaults()
	if c.Clock == nil || !IsReal(c.Clock) || c.Logger == nil {
		t.Fatalf("FillDefaults: %+v", c)
	}
	clock := NewClock(t0)
	c = Config{Clock: clock}
	c.FillDefaults()
	if c.Clock != clock {
		t.Fatal("FillDefaults replaced a set clock")
	}
}

type closer struct{ closed bool }

func (c *closer) Close() { c.closed = true }

func TestForTest(t *testing.T) {
	var c *closer
	t.Run("sub", func(t *testing.T) {
		c = ForTest(t, "fake.NewServer", func() (*closer, error) { return &closer{}, nil })
		if c.closed {
			t.Fatal("closed before the test ended")
		}
	})
	if !c.closed {
		t.Fatal("not closed when the test ended")
	}
}

func TestClockAfterFunc(t *testing.T) {
	t.Parallel()
	c := NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	fired := make(chan struct{})
	stop := c.AfterFunc(time.Minute, func() { close(fired) })
	c.Advance(59 * time.Second)
	select {
	case <-fired:
		t.Fatal("fired before its time")
	default:
	}
	c.Advance(time.Second)
	<-fired
	if stop() {
		t.Fatal("stop after firing reported a stop")
	}

	never := c.AfterFunc(time.Second, func() { t.Error("a stopped call ran") })
	if !never() {
		t.Fatal("stop before firing did not report a stop")
	}
	c.Advance(time.Hour)
}
