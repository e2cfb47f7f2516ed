package moveotest

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/botbridge/botbridge/internal/fakeserver"
)

// Server is a fake Moveo custom-channel integration: a real HTTP server on
// 127.0.0.1 that answers the routes under /v1/custom/{integration_id}/sessions
// as moveo-api-notes.md describes them, answers user messages with a
// scriptable Brain, and delivers webhook events to the integration's
// webhook URL. Create one with NewServer in a test or New elsewhere; it is
// safe for concurrent use.
type Server struct {
	// URL is the API base, such as "http://127.0.0.1:53211": pass it to
	// moveo.WithBaseURL.
	URL string

	cfg    *config
	clock  *Clock
	logger *slog.Logger
	tb     testing.TB // nil for New

	apiKey        string
	integrationID string
	deskID        string

	mu            sync.Mutex // guards everything below up to faults
	closed        bool
	webhookURL    string
	webhookSecret string
	brain         Brain
	sessions      map[string]*session
	sessionOrder  []*session
	events        []*event
	deliveries    []*delivery
	files         map[string]*file
	fileOrder     []*file
	lastStamp     time.Time         // event timestamps are strictly increasing
	changed       fakeserver.Signal // a delivery or session changed

	faults fakeserver.Faults[int] // canonical route → status
	log    requestLog
	routes map[string]bool // canonical route names
	mux    *http.ServeMux

	base *fakeserver.Server // listener, connections, Close; runs the delivery goroutines and the expiry watcher
	ctx  context.Context    // base's: cancelled by Close
}

// NewServer starts a fake Moveo for the test tb and closes it when the test
// ends. A bad option, or an internal error of the fake while the test runs
// (such as a Brain that panics or returns a response that is not a JSON
// object), fails tb.
func NewServer(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	return fakeserver.ForTest(tb, "moveotest.NewServer", func() (*Server, error) { return newServer(tb, opts) })
}

// New starts a fake Moveo for a program that has no testing.TB, such as an
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
		cfg:           cfg,
		clock:         cfg.Clock,
		logger:        cfg.Logger,
		tb:            tb,
		apiKey:        randomToken(32),
		integrationID: newUUID(),
		deskID:        newUUID(),
		webhookURL:    cfg.webhookURL,
		webhookSecret: cfg.webhookSecret,
		brain:         cfg.brain,
		sessions:      map[string]*session{},
		files:         map[string]*file{},
		routes:        map[string]bool{},
		mux:           http.NewServeMux(),
	}
	if s.brain == nil {
		s.brain = EchoBrain
	}
	s.registerRoutes()

	base, err := fakeserver.Start(s.mux, s.logger, cfg.DeliveryClient)
	if err != nil {
		return nil, err
	}
	s.base, s.URL, s.ctx = base, base.URL, base.Context()
	base.Go(s.watchExpiry)
	return s, nil
}

// The routes of moveo-api-notes.md, "Calls into Moveo", and of the
// presigned storage URLs the file calls mint. Route names (for FailNext and
// Request.Route) are these patterns.
const (
	RouteCreateSession     = "POST /v1/custom/{iid}/sessions"
	RouteUpdateContext     = "PATCH /v1/custom/{iid}/sessions/{sid}/context"
	RouteSendMessage       = "POST /v1/custom/{iid}/sessions/{sid}/messages"
	RouteAgentMessage      = "POST /v1/custom/{iid}/sessions/{sid}/messages/agent"
	RouteRead              = "POST /v1/custom/{iid}/sessions/{sid}/messages/read"
	RouteDelivered         = "POST /v1/custom/{iid}/sessions/{sid}/messages/delivered"
	RouteCloseConversation = "POST /v1/custom/{iid}/sessions/{sid}/conversation/close"
	RouteReopen            = "POST /v1/custom/{iid}/sessions/{sid}/conversation/reopen"
	RouteHandover          = "POST /v1/custom/{iid}/sessions/{sid}/handover"
	RouteCloseSession      = "POST /v1/custom/{iid}/sessions/{sid}/close"
	RouteUploadURL         = "POST /v1/custom/{iid}/sessions/{sid}/files/upload-url"
	RouteDownloadURL       = "POST /v1/custom/{iid}/sessions/{sid}/files/download-url"
	RouteStoragePut        = "PUT /storage/{fid}"
	RouteStorageGet        = "GET /storage/{fid}"
)

const (
	routeCatchAll        = "/"
	storagePathPrefix    = "/storage/"
	signatureQueryParam  = "signature"
	integrationPathParam = "iid"
	sessionPathParam     = "sid"
)

func (s *Server) registerRoutes() {
	s.api(RouteCreateSession, s.handleCreateSession)
	s.session(RouteUpdateContext, s.handleUpdateContext)
	s.session(RouteSendMessage, s.handleSendMessage)
	s.session(RouteAgentMessage, s.handleAgentMessage)
	s.session(RouteRead, s.handleReceipt)
	s.session(RouteDelivered, s.handleReceipt)
	s.session(RouteCloseConversation, s.handleCloseConversation)
	s.session(RouteReopen, s.handleReopenConversation)
	s.session(RouteHandover, s.handleHandover)
	s.session(RouteCloseSession, s.handleCloseSession)
	s.session(RouteUploadURL, s.handleUploadURL)
	s.session(RouteDownloadURL, s.handleDownloadURL)
	s.storage(RouteStoragePut, s.handleStoragePut)
	s.storage(RouteStorageGet, s.handleStorageGet)
	s.api(routeCatchAll, func(c *call) (int, any, error) {
		return 0, nil, errNotFound("not_found", "Cannot "+c.r.Method+" "+c.r.URL.Path)
	})
}

// Client returns an HTTP client for the server. Any client works (the
// server is plain HTTP on loopback); this one's idle connections are closed
// by Close.
func (s *Server) Client() *http.Client { return s.base.Client() }

// Clock returns the server's clock, to read or move its time.
func (s *Server) Clock() *Clock { return s.clock }

// APIKey returns the integration's API key: pass it to moveo.NewClient. The
// API wants it as "Authorization: apikey <KEY>".
func (s *Server) APIKey() string { return s.apiKey }

// IntegrationID returns the integration's id, a UUID: pass it to
// moveo.NewClient.
func (s *Server) IntegrationID() string { return s.integrationID }

// DeskID returns the id of the integration's desk, the desk_id of every
// event of a session not handed over to another desk.
func (s *Server) DeskID() string { return s.deskID }

// SetWebhook changes the integration's webhook_url and webhook_secret (see
// WithWebhook). Attempts made from now on, retries of earlier deliveries
// included, go to the new URL signed with the new secret. An empty URL
// turns deliveries off: events are still recorded, and pending deliveries
// fail at their next attempt.
func (s *Server) SetWebhook(webhookURL, secret string) error {
	if err := checkWebhookURL(webhookURL); err != nil {
		return fmt.Errorf("moveotest: SetWebhook: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.webhookURL, s.webhookSecret = webhookURL, secret
	return nil
}

// SetBrain replaces the AI agent that answers user messages from now on.
// A nil b restores EchoBrain.
func (s *Server) SetBrain(b Brain) {
	if b == nil {
		b = EchoBrain
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.brain = b
}

// Close shuts the server down: it stops accepting requests, closes idle
// connections, cancels the context of requests in flight and waits for
// them to end, stops webhook retries and waits for delivery attempts under
// way to end (their context is cancelled too). WaitDeliveries returns
// ErrClosed from the moment Close is called. It is safe to call more than
// once.
func (s *Server) Close() {
	s.base.Close(fakeserver.MarkClosed(&s.mu, &s.closed, &s.changed))
}

// now is the server's time at the millisecond precision of event
// timestamps.
func (s *Server) now() time.Time { return s.clock.Now().Truncate(time.Millisecond) }

// notifyLocked wakes everyone waiting for a delivery or a session to change.
func (s *Server) notifyLocked() { s.changed.Notify() }

// internalError reports a bug of the fake or of the test's Brain: it fails
// the test when there is one and logs it otherwise.
func (s *Server) internalError(err error) {
	s.logger.Error("moveotest internal error", slog.String("error", err.Error()))
	if s.tb != nil {
		s.tb.Errorf("moveotest: %v", err)
	}
}
