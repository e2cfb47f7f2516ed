package fakeserver

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
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
	workers        sync.WaitGroup
	closeOnce      sync.Once

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

// Go runs f in a goroutine that Close waits for. f should return once the
// server's Context is done. Call Go before Close, or under a lock that
// the fake's Close-time hook also takes, after checking the fake is not
// closed.
func (s *Server) Go(f func()) {
	s.workers.Add(1)
	go func() {
		defer s.workers.Done()
		f()
	}()
}

// Close shuts the server down: it calls markClosed (when not nil), which
// lets the fake refuse new work and wake its waiters, then cancels the
// server's context, stops accepting requests, closes the connections that
// have not sent one, waits for the requests in flight to end, waits for the
// goroutines started by Go, and closes the idle connections of Client and
// of the delivery client. Only the first call does anything.
func (s *Server) Close(markClosed func()) {
	s.closeOnce.Do(func() {
		if markClosed != nil {
			markClosed()
		}
		s.cancel()
		s.closeNewConns()
		s.srv.Shutdown(context.Background())
		s.workers.Wait()
		s.client.CloseIdleConnections()
		if s.deliveryClient != nil {
			s.deliveryClient.CloseIdleConnections()
		}
	})
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
