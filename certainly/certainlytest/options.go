package certainlytest

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/botbridge/botbridge/internal/fakeserver"
)

// Option configures a Server. New returns an error for a bad option;
// NewServer fails the test.
type Option func(*config) error

type config struct {
	fakeserver.Config // clock, delivery timeout and client, latency, logger

	token       string
	botID       string
	authScheme  string // "" with noAuth
	noAuth      bool
	claimURL    string
	messageURL  string
	webhookAuth func(*http.Request)
	bot         Bot
	everyMsg    bool
}

// DefaultAuthScheme is the Authorization scheme the fake expects by
// default: "bearer", as Certainly's chat REST API documents it
// (certainly-api-notes.md). It is compared case-insensitively.
const DefaultAuthScheme = "bearer"

// DefaultDeliveryTimeout is how long a webhook call may take: the 5 s
// default of Certainly's Webhook Builder (certainly-api-notes.md).
const DefaultDeliveryTimeout = 5 * time.Second

func defaultConfig() *config {
	return &config{
		authScheme: DefaultAuthScheme,
		Config:     fakeserver.Config{DeliveryTimeout: DefaultDeliveryTimeout},
	}
}

// WithToken sets the bot API token the server accepts (default: 40 random
// lowercase hex characters). It must be non-empty and printable, with no
// spaces: it travels in the Authorization header.
func WithToken(token string) Option {
	return func(c *config) error {
		if err := checkHeaderWord(token); err != nil {
			return fmt.Errorf("WithToken: token %w", err)
		}
		c.token = token
		return nil
	}
}

// WithBotID sets the id of the server's one bot deployment, the {botId} of
// every path (default: 6 random digits; Certainly does not document the
// format of botdep_id). It must be non-empty valid UTF-8 without control
// characters; any other character is fine, as it travels escaped.
func WithBotID(id string) Option {
	return func(c *config) error {
		if err := checkID(id); err != nil {
			return fmt.Errorf("WithBotID: bot id %w", err)
		}
		c.botID = id
		return nil
	}
}

// WithAuthScheme sets the scheme of the Authorization header the server
// expects on the handover and takeover routes, such as "JWT" or "Token"
// (default DefaultAuthScheme). It is compared case-insensitively.
func WithAuthScheme(scheme string) Option {
	return func(c *config) error {
		if err := checkHeaderWord(scheme); err != nil {
			return fmt.Errorf("WithAuthScheme: scheme %w", err)
		}
		c.authScheme, c.noAuth = scheme, false
		return nil
	}
}

// WithoutAuthorization makes the server accept requests on every route
// with or without an Authorization header, for a client configured with
// certainly.WithoutAuthorization.
func WithoutAuthorization() Option {
	return func(c *config) error {
		c.authScheme, c.noAuth = "", true
		return nil
	}
}

// WithWebhooks sets where the fake POSTs Certainly's two webhooks and how it
// authenticates them. claimURL receives the claim (the handover request of
// the handover page, step 1B) that UserAsksForHuman sends; messageURL
// receives the user messages UserSays sends while the bot is in listen mode
// (step 4), and every message with WithEveryMessage. They may be the same
// URL; "" leaves that webhook unset, and a call that needs it fails with
// ErrNoWebhook. auth, when not nil, is called on every webhook request
// before it is sent, as the Webhook Builder adds its None/Basic/header
// credential: BearerAuth, BasicAuth and HeaderAuth build the usual ones. The URLs must be absolute http or https URLs;
// loopback is fine, so an httptest.Server can receive them.
func WithWebhooks(claimURL, messageURL string, auth func(*http.Request)) Option {
	return func(c *config) error {
		if err := checkWebhookURL(claimURL); err != nil {
			return fmt.Errorf("WithWebhooks: claimURL %w", err)
		}
		if err := checkWebhookURL(messageURL); err != nil {
			return fmt.Errorf("WithWebhooks: messageURL %w", err)
		}
		c.claimURL, c.messageURL, c.webhookAuth = claimURL, messageURL, auth
		return nil
	}
}

// WithEveryMessage makes the server POST the message webhook for the
// conversation's messages in normal mode too, as certainly-api-notes.md
// describes the real one ("receives every conversation message"): the
// user's message ({"interlocutor": "user"}) and then the bot's answer
// ({"interlocutor": "bot"}). A program must ignore those while the bot owns
// the conversation, as a Relay does. Such a delivery that fails does not
// fail UserSays (the user's chat goes on); Deliveries shows it. Without
// the option, only listen mode posts the webhook.
func WithEveryMessage() Option {
	return func(c *config) error {
		c.everyMsg = true
		return nil
	}
}

// WithBot sets the bot that answers the user in normal mode (default
// EchoBot).
func WithBot(b Bot) Option {
	return func(c *config) error {
		if b == nil {
			return errors.New("WithBot: nil Bot")
		}
		c.bot = b
		return nil
	}
}

// WithClock makes the server read time from clock, usually one from
// NewClock that moves only when the test advances it. Without it the server
// follows the wall clock.
func WithClock(clock *Clock) Option { return fakeserver.Lift[*config](fakeserver.WithClock(clock)) }

// WithDeliveryTimeout sets how long one webhook call may take before it
// fails (default DefaultDeliveryTimeout, the Webhook Builder's 5 s). It is
// real time, not the server's Clock.
func WithDeliveryTimeout(d time.Duration) Option {
	return fakeserver.Lift[*config](fakeserver.WithDeliveryTimeout(d))
}

// WithDeliveryClient sends the webhook calls through hc, for example one
// whose Transport reaches a receiver that is not on the network.
func WithDeliveryClient(hc *http.Client) Option {
	return fakeserver.Lift[*config](fakeserver.WithDeliveryClient(hc))
}

// WithLatency delays every answer of the API by d of real time, before the
// request is processed.
func WithLatency(d time.Duration) Option { return fakeserver.Lift[*config](fakeserver.WithLatency(d)) }

// WithLogger makes the server log each request and webhook call at debug
// level to logger. Tokens and webhook credentials are never logged. Without
// it the server is silent.
func WithLogger(logger *slog.Logger) Option {
	return fakeserver.Lift[*config](fakeserver.WithLogger(logger))
}

// checkWebhookURL accepts "" (unset) or an absolute http(s) URL.
func checkWebhookURL(raw string) error {
	if raw != "" && !fakeserver.IsHTTPURL(raw) {
		return errors.New("is not an absolute http or https URL")
	}
	return nil
}

// checkHeaderWord accepts a non-empty run of printable ASCII without
// spaces: what can stand on either side of the space of "scheme token".
func checkHeaderWord(s string) error {
	if s == "" {
		return errors.New("is empty")
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return errors.New("holds a space, a control or a non-ASCII character")
		}
	}
	return nil
}

// checkID accepts a non-empty valid UTF-8 string without control
// characters: a bot or user id.
func checkID(id string) error {
	switch {
	case id == "":
		return errors.New("is empty")
	case !utf8.ValidString(id):
		return errors.New("is not valid UTF-8")
	case strings.ContainsFunc(id, unicode.IsControl):
		return errors.New("holds a control character")
	}
	return nil
}
