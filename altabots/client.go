package altabots

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/botbridge/botbridge/internal/transport"
)

// The API bases AltaBots and GPTBots publish (altabots-api-notes.md).
// AltaBots is a white label of GPTBots: the two serve the same API.
const (
	// DefaultBaseURL is AltaBots' API.
	DefaultBaseURL = "https://altatech.ai/"
	// GPTBotsBaseURL is GPTBots' API, for WithBaseURL.
	GPTBotsBaseURL = "https://api.gptbots.ai/"
)

// The two calls of the human-service API, relative to the base URL.
const (
	pathMessage = "v1/human/message/receive"
	pathClose   = "v1/human/close"
)

// Client is the desk's side of AltaBots' human-service API: it sends the
// human's replies to the user (SendMessage) and closes a conversation from
// the desk (Close). It authenticates with the agent's API key as
// "Authorization: Bearer <key>". A Client is safe for concurrent use.
//
// Both calls are POSTs with a JSON body that names the conversation and
// carries the time of the call in milliseconds, and both are answered with
// {code, message}. A non-2xx answer is an *APIError; so is a 2xx whose
// code is present and neither 0 nor 200, because AltaBots' endpoint pages
// report failures in the body (its HTTP status then follows the code:
// 400xx → 400, 401xx → 401, 403xx → 403, 404xx → 404, 429xx → 429, any
// other → 500). Any other 2xx, JSON or not, is a success.
//
// Retries follow the transport's rule (connection errors, 429, 502, 503,
// 504). AltaBots documents neither retries nor idempotency. SendMessage
// would show the user a reply twice, so it is sent again only when its
// first attempt provably never reached AltaBots (a refused dial) or AltaBots
// said it did not process it (429, 503). Close is retried like an
// idempotent call, after a 502 or 504 too: closing a closed conversation
// changes nothing.
//
// A 429 (or 503) without Retry-After that says the quota is spent
// (X-RateLimit-Remaining: 0, or no Remaining) is retried when the quota
// resets (X-RateLimit-Reset), if that is within WithRetry's longest wait;
// otherwise the error comes back at once with RetryAfter and RateLimit set.
type Client struct {
	api *transport.Client
	now func() time.Time // the timestamp of each call; the transport's clock too

	observers *replyObservers
}

// settings collects what the options chose before NewClient builds the
// client from it.
type settings struct {
	config transport.Config
	now    func() time.Time
}

// NewClient returns a Client that authenticates with apiKey, the agent's
// API key (Agent > Integrations > API Key). It refuses an empty key, one
// holding white space or a control character (it goes into a header, where
// net/http would refuse it on every call), and bad options.
func NewClient(apiKey string, opts ...Option) (*Client, error) {
	switch {
	case apiKey == "":
		return nil, errors.New("altabots: API key is empty")
	case strings.ContainsFunc(apiKey, isSpaceOrControl):
		return nil, errors.New("altabots: API key contains white space or a control character")
	}
	s := &settings{config: transport.DefaultConfig("altabots", DefaultBaseURL)}
	for _, opt := range opts {
		if opt == nil {
			return nil, errors.New("altabots: nil Option")
		}
		if err := opt(s); err != nil {
			return nil, fmt.Errorf("altabots: %w", err)
		}
	}
	c := &Client{now: time.Now, observers: &replyObservers{}}
	if s.now != nil {
		c.now = s.now
	}
	key := transport.NewSecret(apiKey)
	cfg := s.config
	cfg.Secrets = append(cfg.Secrets, key)
	cfg.Authorize = func(h http.Header) { h.Set("Authorization", "Bearer "+key.Value()) }
	cfg.DecodeError = decodeError
	cfg.CheckSuccess = checkSuccess
	cfg.RetryAfter = retryAfter
	cfg.Now = func() time.Time { return c.now() }
	api, err := transport.New(cfg)
	if err != nil {
		return nil, err
	}
	c.api = api
	return c, nil
}

// retryAfter is how long an answer asks the client to wait: its
// Retry-After, or else, when its rate-limit headers say the quota is spent,
// the time until the quota resets. Remaining above zero means the answer is
// not about the quota, and gives no wait.
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	if wait, ok := transport.ParseRetryAfter(h, now); ok {
		return wait, true
	}
	rl := transport.ParseRateLimit(h, now)
	if rl == nil || rl.Reset.IsZero() || rl.Remaining > 0 {
		return 0, false
	}
	return max(rl.Reset.Sub(now), 0), true
}

// String describes the client without its key.
func (c Client) String() string {
	if c.api == nil {
		return "altabots.Client{}" // not built by NewClient
	}
	return "altabots.Client{" + c.api.BaseURL().Redacted() + "}"
}

// Format prints String for every verb, so no verb can reach the key.
func (c Client) Format(f fmt.State, _ rune) { io.WriteString(f, c.String()) }

// humanMessage is the body of POST /v1/human/message/receive.
type humanMessage struct {
	ConversationID string     `json:"conversation_id"`
	Timestamp      UnixMillis `json:"timestamp"`
	Body           string     `json:"body"`
}

// humanClose is the body of POST /v1/human/close.
type humanClose struct {
	ConversationID string     `json:"conversation_id"`
	Timestamp      UnixMillis `json:"timestamp"`
}

// SendMessage sends a human's reply, body, to the user of conversation
// conversationID (POST /v1/human/message/receive). It is the desk's answer
// that AltaBots waits for after an establish: a success also tells every
// Handler whose WithAutoReply uses this client that the conversation has
// its reply. An empty or blank conversationID (the handler refuses such an
// id from AltaBots too) or an empty body is refused before sending
// with an error matching ErrValidation. See the Client doc for retries and
// errors.
func (c *Client) SendMessage(ctx context.Context, conversationID, body string) error {
	const op = "SendMessage"
	switch {
	case strings.TrimSpace(conversationID) == "":
		return &inputError{op: op, field: "conversation_id", problem: "is required"}
	case body == "":
		return &inputError{op: op, field: "body", problem: "is required"}
	case !c.built():
		return errNotBuilt
	}
	err := c.call(ctx, &transport.Request{
		Method: http.MethodPost,
		Path:   pathMessage,
		Body:   humanMessage{ConversationID: conversationID, Timestamp: Millis(c.now()), Body: body},
	})
	if err == nil {
		c.observers.replied(conversationID)
	}
	return err
}

// Close closes conversation conversationID from the desk (POST
// /v1/human/close): the user no longer receives the desk's messages until
// they ask for a human again. An empty or blank conversationID is refused before
// sending with an error matching ErrValidation. Close is retried like an
// idempotent call; see the Client doc.
func (c *Client) Close(ctx context.Context, conversationID string) error {
	switch {
	case strings.TrimSpace(conversationID) == "":
		return &inputError{op: "Close", field: "conversation_id", problem: "is required"}
	case !c.built():
		return errNotBuilt
	}
	return c.call(ctx, &transport.Request{
		Method:     http.MethodPost,
		Path:       pathClose,
		Body:       humanClose{ConversationID: conversationID, Timestamp: Millis(c.now())},
		Idempotent: true, // closing twice is harmless
	})
}

// call sends req. The answer's body is read by checkSuccess only: a 2xx
// that reports a failure is an *APIError, and any other 2xx (JSON or not)
// is a success.
func (c *Client) call(ctx context.Context, req *transport.Request) error {
	_, err := c.api.Do(ctx, req, nil)
	return err
}

// built reports whether NewClient built c. A Client{} or a nil *Client
// refuses calls with errNotBuilt instead of panicking.
func (c *Client) built() bool { return c != nil && c.api != nil }

// errNotBuilt is the error of a Client that NewClient did not build.
var errNotBuilt = errors.New("altabots: Client not built by NewClient")

// isSpaceOrControl reports the runes no API key holds.
func isSpaceOrControl(r rune) bool { return r <= ' ' || r == 0x7f }

// replyObservers are the Handlers (WithAutoReply) to tell when SendMessage
// delivered a reply.
type replyObservers struct {
	mu   sync.Mutex
	next int
	fns  map[int]func(conversationID string)
}

// add registers fn and returns the function that removes it.
func (o *replyObservers) add(fn func(conversationID string)) (remove func()) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.fns == nil {
		o.fns = make(map[int]func(string))
	}
	id := o.next
	o.next++
	o.fns[id] = fn
	return func() {
		o.mu.Lock()
		defer o.mu.Unlock()
		delete(o.fns, id)
	}
}

// replied tells every observer that conversationID has a reply.
func (o *replyObservers) replied(conversationID string) {
	o.mu.Lock()
	fns := make([]func(string), 0, len(o.fns))
	for _, fn := range o.fns {
		fns = append(fns, fn)
	}
	o.mu.Unlock()
	for _, fn := range fns {
		fn(conversationID)
	}
}
