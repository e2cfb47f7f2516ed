package moveo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/botbridge/botbridge/internal/transport"
)

// DefaultBaseURL is where Moveo serves the custom-integration API
// (moveo-api-notes.md, "Connection").
const DefaultBaseURL = "https://channels.moveo.ai"

// Client calls Moveo's custom-integration API as a custom channel: it opens
// sessions, forwards what the user says, records receipts, hands the
// conversation to the human desk and moves files. The AI agent's and the
// human agents' answers come back as webhook events, not as results of
// these calls. A Client is safe for concurrent use.
//
// Every call is under /v1/custom/{integration_id}/sessions and sends JSON
// with Content-Type: application/json, an empty object when the call has no
// documented body.
//
// Retries follow the transport's rule (connection errors, 429, 502, 503,
// 504). A call Moveo could act on twice — CreateSession, SendMessage,
// SendAgentMessage, Handover — is sent again only when the first attempt
// provably never reached Moveo (a dial error) or Moveo said it did not
// process it (429, 503). The calls that set a state (UpdateContext,
// MarkRead, MarkDelivered, CloseConversation, ReopenConversation,
// CloseSession) and the ones that only mint file URLs (UploadURL,
// DownloadURL) are retried like idempotent calls, also after a 502 or 504.
type Client struct {
	// create sends POST …/sessions; sessions sends every call on a
	// session. They differ in one thing: a 404 on a session route means the
	// session expired (ErrSessionNotFound), a 404 on create does not.
	create   *transport.Client
	sessions *transport.Client

	integrationID string

	// For UploadFile's PUT to the storage URL, which does not go through
	// the transport (no apikey header, a body that is not JSON).
	http      *http.Client
	userAgent string
	timeout   time.Duration
}

// NewClient returns a Client that authenticates with apiKey (sent as
// "Authorization: apikey <KEY>") for the custom integration integrationID.
//
// Moveo's integration ids are UUIDs. NewClient does not insist on the UUID
// form, so a test double or a future id format keeps working; it refuses an
// empty id and one holding '/', white space or a control character, which
// can never be a valid id and would otherwise fail only on the first call.
func NewClient(apiKey, integrationID string, opts ...Option) (*Client, error) {
	switch {
	case apiKey == "":
		return nil, errors.New("moveo: API key is empty")
	case strings.ContainsFunc(apiKey, isSpaceOrControl):
		// It goes into a header, where net/http would refuse it on every
		// attempt.
		return nil, errors.New("moveo: API key contains white space or a control character")
	case integrationID == "":
		return nil, errors.New("moveo: integration id is empty")
	case strings.Contains(integrationID, "/") || strings.ContainsFunc(integrationID, isSpaceOrControl):
		return nil, fmt.Errorf("moveo: integration id %q: must not hold '/', white space or control characters (Moveo's ids are UUIDs)", integrationID)
	}
	s := &settings{config: transport.DefaultConfig("moveo", DefaultBaseURL)}
	for _, opt := range opts {
		if opt == nil {
			return nil, errors.New("moveo: nil Option")
		}
		if err := opt(s); err != nil {
			return nil, fmt.Errorf("moveo: %w", err)
		}
	}
	key := transport.NewSecret(apiKey)
	cfg := s.config
	cfg.Secrets = append(cfg.Secrets, key)
	cfg.Authorize = func(h http.Header) { h.Set("Authorization", "apikey "+key.Value()) }

	cfg.DecodeError = decodeError
	create, err := transport.New(cfg)
	if err != nil {
		return nil, err
	}
	cfg.DecodeError = decodeSessionError
	sessions, err := transport.New(cfg)
	if err != nil {
		return nil, err
	}
	return &Client{
		create:        create,
		sessions:      sessions,
		integrationID: integrationID,
		http:          transport.HTTPClient(cfg.HTTPClient),
		userAgent:     transport.UserAgent(cfg.UserAgent, cfg.Vendor),
		timeout:       cfg.Timeout,
	}, nil
}

// IntegrationID returns the integration the client was made for.
func (c *Client) IntegrationID() string { return c.integrationID }

// String describes the client without its key.
func (c *Client) String() string {
	if c.sessions == nil {
		return "moveo.Client{}" // not built by NewClient
	}
	return fmt.Sprintf("moveo.Client{%s, integration %s}", c.sessions.BaseURL().Redacted(), c.integrationID)
}

// Format prints String for every verb, so no verb can reach the key.
func (c *Client) Format(f fmt.State, _ rune) { io.WriteString(f, c.String()) }

// settings collects what the options chose before NewClient builds the
// client from it.
type settings struct {
	config transport.Config
}

// emptyObject is the body of a call whose body Moveo does not document:
// every call sends Content-Type: application/json, and a JSON object is the
// one body such a route is sure to accept.
var emptyObject = struct{}{}

// sessionCall makes one call on session sessionID: method on
// …/sessions/{sessionID}/suffix (suffix may be empty), body as JSON, the
// 2xx answer decoded into out (which may be nil). idempotent marks a call
// that may be sent twice; see the Client doc.
func (c *Client) sessionCall(ctx context.Context, op, sessionID, method, suffix string, body, out any, idempotent bool) error {
	if err := checkID(op, "sessionID", sessionID); err != nil {
		return err
	}
	path := transport.Pathf("v1/custom/%s/sessions/%s", c.integrationID, sessionID)
	if suffix != "" {
		path += "/" + suffix
	}
	_, err := c.sessions.Do(ctx, &transport.Request{
		Method:     method,
		Path:       path,
		Body:       body,
		Idempotent: idempotent,
	}, out)
	return err
}

// checkID refuses an empty id before anything is sent. Any other value is
// escaped into one path segment, so it cannot change the route.
func checkID(op, field, id string) error {
	if id == "" {
		return invalid(op, field, "required")
	}
	return nil
}

// isSpaceOrControl reports the runes no id or key of Moveo holds.
func isSpaceOrControl(r rune) bool { return r <= ' ' || r == 0x7f }
