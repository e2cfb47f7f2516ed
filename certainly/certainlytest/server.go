package certainlytest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"testing"

	"github.com/botbridge/botbridge/internal/fakeserver"
)

// Server is a fake Certainly: one bot deployment behind a real HTTP server
// on 127.0.0.1 that answers the chat REST routes of the handover flow
// (config, handover, agent message, takeover), keeps a normal/listen mode
// and a transcript per end user, and calls the program's claim and message
// webhooks when the simulated user asks for a human or writes while the bot
// listens. Create one with NewServer in a test or New elsewhere; it is safe
// for concurrent use.
type Server struct {
	// URL is the server's base, such as "http://127.0.0.1:53211": pass it
	// to certainly.WithBaseURL. The routes are under DefaultPathPrefix.
	URL string

	cfg            *config
	clock          *Clock
	logger         *slog.Logger
	token          string
	botID          string
	moduleID       string
	trainedModelID string

	mu         sync.Mutex // guards everything below up to faults
	closed     bool
	bot        Bot
	users      map[string]*user
	userOrder  []*user
	deliveries []*Delivery
	changed    fakeserver.Signal // a user or delivery changed

	faults fakeserver.Faults[int] // route → status
	log    requestLog

	base *fakeserver.Server // listener, connections, Close; runs the webhook calls
	ctx  context.Context    // base's: cancelled by Close
}

// NewServer starts a fake Certainly for the test tb and closes it when the
// test ends. A bad option fails tb.
func NewServer(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	return fakeserver.ForTest(tb, "certainlytest.NewServer", func() (*Server, error) { return New(opts...) })
}

// New starts a fake Certainly for a program that has no testing.TB, such as
// an example. Call Close when done.
func New(opts ...Option) (*Server, error) {
	cfg := defaultConfig()
	if err := fakeserver.Configure(cfg, opts); err != nil {
		return nil, fmt.Errorf("certainlytest: %w", err)
	}
	s := &Server{
		cfg:            cfg,
		clock:          cfg.Clock,
		logger:         cfg.Logger,
		token:          cfg.token,
		botID:          cfg.botID,
		moduleID:       fakeserver.RandomString(digits, 6),
		trainedModelID: fakeserver.RandomString(digits, 6),
		bot:            cfg.bot,
		users:          map[string]*user{},
	}
	if s.token == "" {
		s.token = fakeserver.RandomString(hexDigits, 40)
	}
	if s.botID == "" {
		s.botID = fakeserver.RandomString(digits, 6)
	}
	if s.bot == nil {
		s.bot = EchoBot
	}
	base, err := fakeserver.Start(http.HandlerFunc(s.serveHTTP), s.logger, cfg.DeliveryClient)
	if err != nil {
		return nil, fmt.Errorf("certainlytest: %w", err)
	}
	s.base, s.URL, s.ctx = base, base.URL, base.Context()
	return s, nil
}

const (
	digits    = "0123456789"
	hexDigits = "0123456789abcdef"
)

// Client returns an HTTP client for the server. Any client works (the
// server is plain HTTP on loopback); this one's idle connections are closed
// by Close.
func (s *Server) Client() *http.Client { return s.base.Client() }

// Clock returns the server's clock, to read or move its time.
func (s *Server) Clock() *Clock { return s.clock }

// Token returns the bot API token the server accepts: pass it to
// certainly.NewClient. The handover and takeover routes want it as
// "Authorization: bearer <token>" unless WithAuthScheme or
// WithoutAuthorization said otherwise.
func (s *Server) Token() string { return s.token }

// BotID returns the id of the server's bot deployment (botdep_id), the
// {botId} of every path and the botId of every webhook body.
func (s *Server) BotID() string { return s.botID }

// ModuleID returns the moduleId the claim webhook carries: the id of the
// flow module that holds the webhook.
func (s *Server) ModuleID() string { return s.moduleID }

// SetBot replaces the bot that answers the user in normal mode from now on.
// A nil b restores EchoBot.
func (s *Server) SetBot(b Bot) {
	if b == nil {
		b = EchoBot
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bot = b
}

// Close shuts the server down: it stops accepting requests, cancels the
// context of requests in flight and of webhook calls under way, and waits
// for them to end. UserSays, UserAsksForHuman and the Wait methods return
// ErrClosed from the moment Close is called. It is safe to call more than
// once.
func (s *Server) Close() {
	s.base.Close(fakeserver.MarkClosed(&s.mu, &s.closed, &s.changed))
}

// ErrClosed is returned by the Server's methods once it is closed.
var ErrClosed = errors.New("certainlytest: server closed")

// String describes the server without its token.
func (s *Server) String() string {
	return fmt.Sprintf("certainlytest.Server{URL: %q, BotID: %q, Token: [REDACTED]}", s.URL, s.botID)
}

// Format prints String under every verb, so that %v, %+v and %#v of a
// Server never show its token.
func (s *Server) Format(f fmt.State, _ rune) { io.WriteString(f, s.String()) }

// notifyLocked wakes everyone waiting for a user or a delivery to change.
func (s *Server) notifyLocked() { s.changed.Notify() }
