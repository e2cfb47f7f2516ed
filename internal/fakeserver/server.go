package fakeserver

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"sync"
	"testing"
	"time"
)

// Server is the HTTP plumbing of a fake: a real HTTP server on an ephemeral
// port of 127.0.0.1, a context that every request and background worker of
// the fake derives from, and Close semantics that leave nothing running.
// A fake embeds one in a named field and keeps its own exported API.
type Server struct {
	// URL is the server's base, such as "http://127.0.0.1:53211".
	URL string

	srv            *http.Server
	ctx            context.Context
	cancel         context.CancelFunc
	client         *http.Client
	deliveryClient *http.Client
	closeOnce      sync.Once

	workersMu sync.Mutex // guards workers.Add against Close's Wait, and stopped
	workers   sync.WaitGroup
	stopped   bool // Close has begun: Go starts nothing

	connMu   sync.Mutex            // guards newConns and closing
	newConns map[net.Conn]struct{} // accepted, no request read yet
	closing  bool
}

// Start listens on 127.0.0.1:0 and serves handler there. logger receives
// the http.Server's own errors at debug level. deliveryClient, the client
// the fake posts webhooks with, may be nil; Close closes its idle
// connections.
func Start(handler http.Handler, logger *slog.Logger, deliveryClient *http.Client) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	s := &Server{
		URL:            "http://" + ln.Addr().String(),
		client:         &http.Client{Transport: &http.Transport{Proxy: nil}},
		deliveryClient: deliveryClient,
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.srv = &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return s.ctx },
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelDebug),
		ConnState:         s.trackConn,
	}
	go s.srv.Serve(ln)
	return s, nil
}

// Context returns the server's context, the base of every request's
// context. Close cancels it.
func (s *Server) Context() context.Context { return s.ctx }

// Client returns an HTTP client for the server whose idle connections Close
// closes.
func (s *Server) Client() *http.Client { return s.client }

// Go runs f in a goroutine that Close waits for, and reports whether it
// did: once Close has begun it starts nothing and returns false. f should
// return once the server's Context is done. A fake whose caller waits for
// f's result calls Go under the lock its Close-time hook takes, after
// checking it is not closed, so that Go cannot refuse.
func (s *Server) Go(f func()) bool {
	s.workersMu.Lock()
	defer s.workersMu.Unlock()
	if s.stopped {
		return false
	}
	s.workers.Add(1)
	go func() {
		defer s.workers.Done()
		f()
	}()
	return true
}

// AfterFunc calls f in a goroutine of the server (see Go) once clock
// reads d later than now, as Clock.AfterFunc does, except that Close stops
// it and waits for an f that started: a fake's timers (a reply deadline, a
// session expiry) end with the fake. stop cancels the call and reports
// whether it did so before f started; after Close it reports false, and f
// never runs.
func (s *Server) AfterFunc(clock *Clock, d time.Duration, f func()) (stop func() bool) {
	at := clock.Now().Add(d)
	ctx, cancel := context.WithCancel(s.ctx)
	// Whoever claims first, the timer firing or stop, decides.
	var once sync.Once
	claim := func() (won bool) {
		once.Do(func() { won = true })
		return won
	}
	started := s.Go(func() {
		defer cancel()
		// WaitUntil returns at once for a time already reached, even when
		// ctx has ended: a stopped or closed timer must not fire then.
		if WaitUntil(ctx, clock, at) == nil && ctx.Err() == nil && claim() {
			f()
		}
	})
	if !started {
		cancel()
		claim()
	}
	return func() bool {
		defer cancel()
		return claim()
	}
}

// Close shuts the server down: it calls markClosed (when not nil), which
// lets the fake refuse new work and wake its waiters, then cancels the
// server's context, stops accepting requests, closes the connections that
// have not sent one, waits for the requests in flight to end, waits for the
// goroutines started by Go and AfterFunc (from here on, Go starts
// nothing), and closes the idle connections of Client and
// of the delivery client. Only the first call does anything.
func (s *Server) Close(markClosed func()) {
	s.closeOnce.Do(func() {
		if markClosed != nil {
			markClosed()
		}
		s.cancel()
		s.closeNewConns()
		s.srv.Shutdown(context.Background())
		s.workersMu.Lock()
		s.stopped = true
		s.workersMu.Unlock()
		s.workers.Wait()
		s.client.CloseIdleConnections()
		if s.deliveryClient != nil {
			s.deliveryClient.CloseIdleConnections()
		}
	})
}

// MarkClosed returns a markClosed function for Close, for a fake whose
// state mu guards: it sets *closed, so that the fake refuses new work, and
// wakes the waiters of changed, so that they return the fake's ErrClosed.
func MarkClosed(mu sync.Locker, closed *bool, changed *Signal) func() {
	return func() {
		mu.Lock()
		defer mu.Unlock()
		*closed = true
		changed.Notify()
	}
}

// WaitUntil waits until clock reads t, for a worker started with Go, and
// reports false once the server is closing: the worker should return then.
// (The package's WaitUntil returns at once for a time already reached,
// even after Close; this one does not let a closed server's work go on.)
func (s *Server) WaitUntil(clock *Clock, t time.Time) bool {
	return WaitUntil(s.ctx, clock, t) == nil && s.ctx.Err() == nil
}

// OnPanic, deferred around the code that runs a route, turns a panic
// there into handle(err), where err names where and carries the stack: a
// bug of the fake, or of the bot the test scripted, then answers 500 and
// fails the test instead of killing the connection.
func OnPanic(where string, handle func(err error)) {
	if p := recover(); p != nil {
		handle(fmt.Errorf("panic in %s: %v\n%s", where, p, debug.Stack()))
	}
}

// trackConn records the connections that have not sent a request yet.
func (s *Server) trackConn(c net.Conn, state http.ConnState) {
	s.connMu.Lock()
	defer s.connMu.Unlock()
	if state != http.StateNew {
		delete(s.newConns, c)
		return
	}
	if s.closing {
		c.Close()
		return
	}
	if s.newConns == nil {
		s.newConns = map[net.Conn]struct{}{}
	}
	s.newConns[c] = struct{}{}
}

// closeNewConns closes the connections that never sent a request, as
// httptest.Server.Close does. A client's transport leaves such connections
// behind when it dials for a request and then reuses an idle connection
// instead; Shutdown would wait five seconds for each before closing it.
func (s *Server) closeNewConns() {
	s.connMu.Lock()
	defer s.connMu.Unlock()
	s.closing = true
	for c := range s.newConns {
		c.Close()
	}
	clear(s.newConns)
}

// ForTest runs start, which starts a fake, for the test tb: it fails tb
// with name and the error when start fails, and closes the fake when the
// test ends.
func ForTest[S interface{ Close() }](tb testing.TB, name string, start func() (S, error)) S {
	tb.Helper()
	s, err := start()
	if err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	tb.Cleanup(s.Close)
	return s
}
