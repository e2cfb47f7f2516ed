package munintest

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/botbridge/botbridge/internal/fakeserver"
)

// Server is a fake Munin: a real HTTP server on 127.0.0.1 that keeps one
// org in memory and answers the REST, widget and MCP routes a bot uses, as
// munin-api-reference.md describes them. Create one with NewServer in a test
// or New elsewhere; it is safe for concurrent use.
type Server struct {
	// URL is the REST base, such as "http://127.0.0.1:53211": pass it to
	// munin.WithBaseURL. Routes are under /v1.
	URL string

	cfg    *config
	clock  *Clock
	logger *slog.Logger
	tb     testing.TB // nil for New

	mu     sync.Mutex // guards st and closed
	st     *state
	closed bool

	owner, agent *user
	aiAgentID    string // Munin's built-in AI, for Dashboard.AIReply
	adminKey     string
	channelID    string

	limiter *rateLimiter
	faults  fakeserver.Faults[faultKind] // canonical route → what to do
	log     requestLog
	routes  map[string]string // canonical route → name
	mux     *http.ServeMux
	mcp     http.Handler

	base *fakeserver.Server // listener, connections, Close
	ctx  context.Context    // base's: cancelled by Close
}

// NewServer starts a fake Munin for the test tb and closes it when the test
// ends. A bad option, or an internal error of the fake while the test runs,
// fails tb.
func NewServer(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	return fakeserver.ForTest(tb, "munintest.NewServer", func() (*Server, error) { return newServer(tb, opts) })
}

// New starts a fake Munin for a program that has no testing.TB, such as an
// example. Call Close when done.
func New(opts ...Option) (*Server, error) {
	return newServer(nil, opts)
}

func newServer(tb testing.TB, opts []Option) (*Server, error) {
	cfg := defaultConfig()
	if err := fakeserver.Configure(cfg, opts); err != nil {
		return nil, err
	}
	s := &Server{
		cfg:    cfg,
		clock:  cfg.Clock,
		logger: cfg.Logger,
		tb:     tb,
		st:     newState(),
		routes: map[string]string{},
		mux:    http.NewServeMux(),
	}
	s.limiter = newRateLimiter(cfg)
	s.seed()
	s.registerRoutes()

	base, err := fakeserver.Start(s.mux, s.logger, cfg.DeliveryClient)
	if err != nil {
		return nil, err
	}
	s.base, s.URL, s.ctx = base, base.URL, base.Context()
	return s, nil
}

// seed creates the org's two users, the admin key and the default widget
// channel.
func (s *Server) seed() {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	s.owner = &user{id: newUserID(), name: "Ada Owner", email: "ada@shop.example"}
	s.agent = &user{id: newUserID(), name: "Sam Rivera", email: "sam@shop.example"}
	s.st.users = []*user{s.owner, s.agent}
	s.aiAgentID = newID("agt")
	s.adminKey = s.mintKeyLocked("admin", "munintest admin key", []string{"*"}, s.owner.id, "").token
	ch := &channel{
		id: newID("cch"), name: "munintest widget", active: true,
		allowlist: slices.Clone(s.cfg.origins), identitySecret: randomToken(32),
		createdAt: now, updatedAt: now,
	}
	s.st.channels[ch.id] = ch
	s.channelID = ch.id
	s.mintKeyLocked("widget", ch.name+" widget key", []string{"conv:widget:write"}, s.owner.id, ch.id)
}

// registerRoutes mounts every route (munin-api-reference.md §1–§5).
func (s *Server) registerRoutes() {
	// Widget (§2).
	s.routeJSON("POST /v1/widget/messages", s.handleIngest)
	s.routeJSON("GET /v1/widget/messages", s.handleFeed)
	s.routeJSON("GET /v1/widget/conversations", s.handleWidgetConversations)
	s.routeJSON("PATCH /v1/widget/visitor", s.handleSetVisitor)
	s.routeJSON("POST /v1/widget/identify", s.handleIdentify)
	s.mux.HandleFunc("OPTIONS /v1/widget/", preflight)

	// Conversations (§4).
	s.routeJSON("GET /v1/conversations", s.handleListConversations)
	s.routeJSON("GET /v1/conversations/{id}", s.handleGetConversation)
	s.routeJSON("POST /v1/conversations/{id}/messages", s.handleSendMessage)
	s.routeJSON("POST /v1/conversations/{id}/take-over", s.handleTakeOver)
	s.routeJSON("POST /v1/conversations/{id}/release", s.handleRelease)
	s.routeJSON("POST /v1/conversations/{id}/request-handover", s.handleRequestHandover)
	s.routeJSON("POST /v1/conversations/{id}/agent-mode", s.handleAgentMode)
	s.routeJSON("POST /v1/conversations/{id}/assign", s.handleAssign)
	s.routeJSON("POST /v1/conversations/{id}/status", s.handleStatus)

	// Channels (§2.5).
	s.routeJSON("POST /v1/conversations/channels/widget", s.handleCreateWidget)
	s.routeJSON("PATCH /v1/conversations/channels/widget/{id}", s.handleUpdateWidget)
	s.routeJSON("POST /v1/conversations/channels/widget/{id}/rotate-key", s.handleRotateKey)
	s.routeJSON("POST /v1/conversations/channels/widget/{id}/rotate-identity-secret", s.handleRotateIdentitySecret)
	s.routeJSON("DELETE /v1/conversations/channels/{id}", s.handleArchiveChannel)
	s.routeJSON("POST /v1/conversations/channels/{id}/activate", s.handleActivateChannel)

	// Webhooks (§3.1).
	s.routeJSON("POST /v1/webhooks", s.handleCreateWebhook)
	s.routeJSON("GET /v1/webhooks", s.handleListWebhooks)
	s.routeJSON("GET /v1/webhooks/event-types", s.handleEventTypes)
	s.routeJSON("PATCH /v1/webhooks/{id}", s.handleUpdateWebhook)
	s.routeJSON("DELETE /v1/webhooks/{id}", s.handleDeleteWebhook)
	s.routeJSON("POST /v1/webhooks/{id}/rotate-secret", s.handleRotateWebhookSecret)
	s.routeJSON("GET /v1/webhooks/{id}/deliveries", s.handleListDeliveries)

	// Basics (§1) and MCP (§5).
	s.routeJSON("GET /v1/whoami", s.handleWhoami)
	s.routeJSON("GET /healthz", func(*call) (int, any, error) { return 200, map[string]string{"status": "ok"}, nil })
	s.routeJSON("GET /version", func(*call) (int, any, error) { return 200, map[string]string{"version": "5.10.0"}, nil })
	s.mcp = s.newMCPHandler()
	s.route("POST /mcp", s.mcp)
	s.route("GET /mcp", s.mcp)
	s.route("DELETE /mcp", s.mcp)
	s.routeJSON("/", notFound)
}

// MCPURL returns the MCP endpoint, URL + "/mcp": pass it to munin.WithMCP.
func (s *Server) MCPURL() string { return s.URL + "/mcp" }

// Client returns an HTTP client for the server. Any client works (the
// server is plain HTTP on loopback); this one's idle connections are closed
// by Close.
func (s *Server) Client() *http.Client { return s.base.Client() }

// Clock returns the server's clock, to read or move its time.
func (s *Server) Clock() *Clock { return s.clock }

// Close shuts the server down: it stops accepting requests, closes the
// connections that have not sent one, cancels the context of the requests
// in flight and waits for them to end (one still in
// WithLatency's delay has its connection closed, unanswered), stops webhook
// retries, and waits for delivery attempts under way to end (their context
// is cancelled too). WaitDeliveries returns ErrClosed from the moment Close
// is called. It is safe to call more than once.
func (s *Server) Close() {
	s.base.Close(fakeserver.MarkClosed(&s.mu, &s.closed, &s.st.changed)) // WaitDeliveries returns ErrClosed now
}

// now is the server's time at JavaScript's millisecond precision.
func (s *Server) now() time.Time { return s.clock.Now().Truncate(time.Millisecond) }

// internalError reports a bug of the fake: it fails the test when there is
// one and logs it otherwise.
func (s *Server) internalError(err error) {
	s.logger.Error("munintest internal error", slog.String("error", err.Error()))
	if s.tb != nil {
		s.tb.Errorf("munintest: internal error: %v", err)
	}
}

// op is one request's unit of work: who acts, the correlation id shared by
// the events it causes (§7), and its transaction time.
type op struct {
	actor         *actor
	correlationID string
	now           time.Time
}

func (s *Server) newOp(a *actor) *op {
	return &op{actor: a, correlationID: newUUID(), now: s.now()}
}
