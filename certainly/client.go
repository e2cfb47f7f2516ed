package certainly

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"unicode"

	"github.com/botbridge/botbridge/internal/jsonscan"
	"github.com/botbridge/botbridge/internal/transport"
)

// DefaultBaseURL is Certainly's host (certainly-api-notes.md).
const DefaultBaseURL = "https://app.certainly.io/"

// DefaultPathPrefix is the path of Certainly's webchat API, under which the
// handover, takeover and config endpoints live (the handover page, steps 2
// and 5; the endpoint list).
const DefaultPathPrefix = "/webbot/api/webchat"

// DefaultAuthScheme is the scheme the token is sent with, lowercase as
// Certainly's chat REST API shows it: "Authorization: bearer <token>".
const DefaultAuthScheme = "bearer"

// Client is the third-party agent system's side of Certainly's handover
// flow: it puts a bot in listen mode for one user (Handover), sends the
// human agent's messages to that user (SendMessage), gives the
// conversation back to the bot (Takeover), and reads a bot's chat
// configuration (Config). A Client is safe for concurrent use.
//
// Every path ends in a slash, as Certainly's do, and every id is escaped
// into one path segment, so an id holding "/", "?", " " or ".." cannot
// change the route:
//
//	GET  <prefix>/{botId}/handover/{userId}/   Handover
//	POST <prefix>/{botId}/handover/{userId}/   SendMessage, {"message": "…"}
//	GET  <prefix>/{botId}/takeover/{userId}/   Takeover, ?ClaimEnd=… when set
//	GET  <prefix>/{botId}/config/              Config
//
// {botId} is the bot deployment id (botdep_id), the Claim's BotID;
// {userId} is the end user's id, the Claim's To.
//
// Retries follow the transport's rule (connection errors, 429, 502, 503,
// 504). The three GETs set a state or read one, so they are retried like
// any idempotent call. SendMessage would show the user the agent's message
// twice, so it is sent again only when its first attempt provably never
// reached Certainly (a refused dial) or Certainly said it did not process it
// (429, 503).
type Client struct {
	api    *transport.Client
	prefix string // escaped, without slashes around it; "" for none
	scheme string // "" when no Authorization header is sent
}

// settings collects what the options chose before NewClient builds the
// client from it.
type settings struct {
	config    transport.Config
	prefix    string
	scheme    string
	schemeSet bool
	noAuth    bool
}

// NewClient returns a Client that sends token, the bot's API token, as
// "Authorization: bearer <token>" (WithAuthScheme changes the scheme,
// WithoutAuthorization sends no header). It refuses an empty token unless
// WithoutAuthorization is given, a token holding white space or a control
// character (it goes into a header, where net/http would refuse it on
// every call), and bad options.
func NewClient(token string, opts ...Option) (*Client, error) {
	s := &settings{
		config: transport.DefaultConfig("certainly", DefaultBaseURL),
		prefix: strings.Trim(DefaultPathPrefix, "/"),
		scheme: DefaultAuthScheme,
	}
	for _, opt := range opts {
		if opt == nil {
			return nil, fmt.Errorf("certainly: %w", errNilOption)
		}
		if err := opt(s); err != nil {
			return nil, fmt.Errorf("certainly: %w", err)
		}
	}
	switch {
	case s.noAuth && token != "":
		return nil, errors.New("certainly: WithoutAuthorization with a token: give one or the other")
	case s.noAuth && s.schemeSet:
		return nil, errors.New("certainly: WithoutAuthorization with WithAuthScheme: give one or the other")
	case !s.noAuth && token == "":
		return nil, errors.New("certainly: token is empty (use WithoutAuthorization to send none)")
	case strings.ContainsFunc(token, isSpaceOrControl):
		return nil, errors.New("certainly: token contains white space or a control character")
	}
	cfg := s.config
	c := &Client{prefix: s.prefix}
	if !s.noAuth {
		secret := transport.NewSecret(token)
		scheme := s.scheme
		cfg.Secrets = append(cfg.Secrets, secret)
		cfg.Authorize = func(h http.Header) { h.Set("Authorization", scheme+" "+secret.Value()) }
		c.scheme = scheme
	}
	api, err := transport.New(cfg)
	if err != nil {
		return nil, err
	}
	c.api = api
	return c, nil
}

// String describes the client without its token.
func (c *Client) String() string {
	if c == nil || c.api == nil {
		return "certainly.Client{}" // not built by NewClient
	}
	auth := "no authorization"
	if c.scheme != "" {
		auth = "authorization: " + c.scheme + " [REDACTED]"
	}
	return fmt.Sprintf("certainly.Client{%s, prefix /%s, %s}", c.api.BaseURL().Redacted(), c.prefix, auth)
}

// Format prints String for every verb, so no verb can reach the token.
func (c *Client) Format(f fmt.State, _ rune) { io.WriteString(f, c.String()) }

// Handover puts the bot botID in listen mode for user userID: from then on
// it does not answer the user, whose messages reach the message webhook for
// the agent (GET …/{botId}/handover/{userId}/, the handover page, step 2).
// Calling it again is harmless.
func (c *Client) Handover(ctx context.Context, botID, userID string) error {
	return c.userCall(ctx, "Handover", http.MethodGet, "handover", botID, userID, nil, nil)
}

// SendMessage sends text to user userID as the human agent, while the bot
// botID is in listen mode (POST …/{botId}/handover/{userId}/ with
// {"message": text}, the handover page, step 5). The user sees it in the
// same chat as the bot's messages. text must hold more than white space.
func (c *Client) SendMessage(ctx context.Context, botID, userID, text string) error {
	if strings.TrimSpace(text) == "" {
		if err := c.check("SendMessage", botID, userID); err != nil {
			return err
		}
		return invalid("SendMessage", "text", "empty")
	}
	body := struct {
		Message string `json:"message"`
	}{text}
	return c.userCall(ctx, "SendMessage", http.MethodPost, "handover", botID, userID, body, nil)
}

// TakeoverOptions are the optional parts of a Takeover.
type TakeoverOptions struct {
	// ClaimEnd, when set, is sent as ?ClaimEnd=<value>: Certainly then sends
	// the user on to the next module of the flow instead of back to where
	// the claim was made. Certainly does not document the values; the one
	// set in the bot's flow is what it expects. It must not hold control
	// characters.
	ClaimEnd string
}

// Takeover gives the conversation with user userID back to the bot botID:
// the bot leaves listen mode and answers the user again (GET
// …/{botId}/takeover/{userId}/, the takeover flow). Calling it again is
// harmless unless ClaimEnd is set, which moves the user on once more: so
// a Takeover without ClaimEnd is retried like any GET, and one with
// ClaimEnd only when Certainly cannot have acted on it (a connection never
// made, 429, 503), as SendMessage is. After another failure (500, 502,
// 504, a connection lost mid-call) it may or may not have moved the user
// on; a Takeover without ClaimEnd then makes sure the bot answers, without
// moving the user twice.
func (c *Client) Takeover(ctx context.Context, botID, userID string, opts TakeoverOptions) error {
	if strings.ContainsFunc(opts.ClaimEnd, unicode.IsControl) {
		if err := c.check("Takeover", botID, userID); err != nil {
			return err
		}
		return invalid("Takeover", "ClaimEnd", "contains a control character")
	}
	var q url.Values
	if opts.ClaimEnd != "" {
		q = url.Values{"ClaimEnd": {opts.ClaimEnd}}
	}
	return c.userCall(ctx, "Takeover", http.MethodGet, "takeover", botID, userID, nil, q)
}

// ChatConfig is a bot's chat configuration: styles, the persistent menu and
// whatever else the Certainly widget reads (GET …/{botId}/config/).
// Certainly does not publish its schema, so the SDK names no field of it:
// Raw is the JSON object as received; Field and Decode read it.
type ChatConfig struct {
	// Raw is the configuration object as Certainly sent it.
	Raw json.RawMessage
}

// Field returns the raw value of the top-level field name, and false when
// the configuration has no such field.
func (c *ChatConfig) Field(name string) (json.RawMessage, bool) {
	var fields map[string]json.RawMessage
	if c == nil || json.Unmarshal(c.Raw, &fields) != nil {
		return nil, false
	}
	v, ok := fields[name]
	return v, ok
}

// Decode decodes the configuration into v, a struct with the fields the
// program knows about.
func (c *ChatConfig) Decode(v any) error {
	if c == nil || len(c.Raw) == 0 {
		return errors.New("certainly: ChatConfig: empty")
	}
	return json.Unmarshal(c.Raw, v)
}

// Config reads the chat configuration of the bot botID (GET
// …/{botId}/config/). Certainly serves it without a token, but the client
// sends its Authorization header all the same. An answer that is not a JSON
// object is an error.
func (c *Client) Config(ctx context.Context, botID string) (*ChatConfig, error) {
	if err := c.ready("Config"); err != nil {
		return nil, err
	}
	if err := checkID("Config", "botID", botID); err != nil {
		return nil, err
	}
	var raw json.RawMessage
	path := c.path(transport.Pathf("%s/config/", botID))
	if _, err := c.api.Do(ctx, &transport.Request{Method: http.MethodGet, Path: path}, &raw); err != nil {
		return nil, err
	}
	if jsonscan.Kind(raw) != "object" {
		return nil, fmt.Errorf("certainly: GET /%s: the answer is not a JSON object", path)
	}
	return &ChatConfig{Raw: raw}, nil
}

// userCall makes one call on …/{botID}/{route}/{userID}/. Its 2xx answer's
// body is not read: Certainly documents none, and some deployments answer
// with HTML or text.
func (c *Client) userCall(ctx context.Context, op, method, route, botID, userID string, body any, query url.Values) error {
	if err := c.check(op, botID, userID); err != nil {
		return err
	}
	_, err := c.api.Do(ctx, &transport.Request{
		Method: method,
		Path:   c.path(transport.Pathf("%s/"+route+"/%s/", botID, userID)),
		Query:  query,
		Body:   body,
		// A takeover with ClaimEnd moves the user on in the flow each time
		// it arrives: retried only when it cannot have arrived.
		NotIdempotent: query.Has("ClaimEnd"),
	}, nil)
	return err
}

// check refuses a call on a Client not built by NewClient, and bad ids.
func (c *Client) check(op, botID, userID string) error {
	if err := c.ready(op); err != nil {
		return err
	}
	if err := checkID(op, "botID", botID); err != nil {
		return err
	}
	return checkID(op, "userID", userID)
}

// ready refuses a call on a Client not built by NewClient.
func (c *Client) ready(op string) error {
	if c == nil || c.api == nil {
		return errors.New("certainly: " + op + ": the Client was not made by NewClient")
	}
	return nil
}

// path puts the prefix in front of a path built with transport.Pathf.
func (c *Client) path(p string) string {
	if c.prefix == "" {
		return p
	}
	return c.prefix + "/" + p
}

// checkID refuses an empty id and one holding a control character, which
// no Certainly id holds. Any other value is escaped into one path segment,
// so it cannot change the route.
func checkID(op, field, id string) error {
	switch {
	case id == "":
		return invalid(op, field, "required")
	case strings.ContainsFunc(id, unicode.IsControl):
		return invalid(op, field, "contains a control character")
	}
	return nil
}
