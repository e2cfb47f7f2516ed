package altabotstest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/botbridge/botbridge/internal/fakeserver"
)

// Server is a fake AltaBots.ai: a real HTTP server on 127.0.0.1 that
// answers the human-service API (POST /v1/human/message/receive and POST
// /v1/human/close), and a bot platform that calls the desk under test
// (Escalate, UserSays, Timeout, UserCloses) and enforces the first-reply
// deadline. Create one with NewServer in a test or New elsewhere; it is
// safe for concurrent use.
type Server struct {
	// URL is the API base, such as "http://127.0.0.1:53211": pass it to
	// altabots.WithBaseURL.
	URL string

	cfg    *config
	clock  *Clock
	logger *slog.Logger
	apiKey string
	botID  string

	mu        sync.Mutex // guards everything below up to faults
	closed    bool
	convs     map[string]*conversation
	order     []*conversation
	deskCalls []*DeskCall
	changed   fakeserver.Signal // a conversation or desk call changed

	faults  fakeserver.Faults[int] // route → status
	log     fakeserver.RequestLog[Request]
	limiter rateLimiter

	base *fakeserver.Server // listener, connections, Close; runs the calls to the desk and the deadlines
	ctx  context.Context    // base's: cancelled by Close
}

// NewServer starts a fake AltaBots for the test tb and closes it when the
// test ends. A bad option fails tb.
func NewServer(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	return fakeserver.ForTest(tb, "altabotstest.NewServer", func() (*Server, error) { return New(opts...) })
}

// New starts a fake AltaBots for a program that has no testing.TB, such as
// an example. Call Close when done.
func New(opts ...Option) (*Server, error) {
	cfg := defaultConfig()
	if err := fakeserver.Configure(cfg, opts); err != nil {
		return nil, fmt.Errorf("altabotstest: %w", err)
	}
	s := &Server{
		cfg:     cfg,
		clock:   cfg.Clock,
		logger:  cfg.Logger,
		apiKey:  cfg.apiKey,
		botID:   newObjectID(),
		convs:   map[string]*conversation{},
		limiter: rateLimiter{limit: cfg.rateLimit, window: cfg.rateWindow},
	}
	if s.apiKey == "" {
		s.apiKey = randomToken(32)
	}
	base, err := fakeserver.Start(http.HandlerFunc(s.serveAPI), s.logger, cfg.DeliveryClient)
	if err != nil {
		return nil, fmt.Errorf("altabotstest: %w", err)
	}
	s.base, s.URL, s.ctx = base, base.URL, base.Context()
	return s, nil
}

// Client returns an HTTP client for the server. Any client works (the
// server is plain HTTP on loopback); this one's idle connections are closed
// by Close.
func (s *Server) Client() *http.Client { return s.base.Client() }

// Clock returns the server's clock, to read or move its time.
func (s *Server) Clock() *Clock { return s.clock }

// APIKey returns the key the API accepts as "Authorization: Bearer
// <key>": pass it to altabots.NewClient.
func (s *Server) APIKey() string { return s.apiKey }

// BotID returns the id of the server's one agent (bot), the bot_id of
// every establish call.
func (s *Server) BotID() string { return s.botID }

// DeskURLs returns the three URLs the server calls on the desk, or ""s
// without WithDesk.
func (s *Server) DeskURLs() (establish, chat, close string) {
	if s.cfg.deskURL == "" {
		return "", "", ""
	}
	return s.deskURL(endpointEstablish), s.deskURL(endpointChat), s.deskURL(endpointClose)
}

func (s *Server) deskURL(ep endpoint) string { return s.cfg.deskURL + s.cfg.paths[ep] }

// Close shuts the server down: it stops the first-reply timers, stops
// accepting requests, cancels the context of the requests in flight and of
// the calls to the desk under way (Escalate and friends return their
// error), and waits for all of them to end. The waits (WaitReplies,
// WaitClosed) return ErrClosed from the moment Close is called. It is
// safe to call more than once.
func (s *Server) Close() {
	s.base.Close(fakeserver.MarkClosed(&s.mu, &s.closed, &s.changed))
}

// String describes the server by its URL, never its key.
func (s *Server) String() string { return "altabotstest.Server{" + s.URL + "}" }

// Format prints String for every verb, so that no verb prints the key.
func (s *Server) Format(f fmt.State, _ rune) { io.WriteString(f, s.String()) }

// now is the server's time.
func (s *Server) now() time.Time { return s.clock.Now() }

// notifyLocked wakes everyone waiting for a conversation or a desk call to
// change.
func (s *Server) notifyLocked() { s.changed.Notify() }
