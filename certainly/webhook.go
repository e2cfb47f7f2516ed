package certainly

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/botbridge/botbridge/webhookverify"
)

// DefaultWebhookMaxBytes caps a webhook body: 1 MiB, far above any claim or
// message.
const DefaultWebhookMaxBytes = webhookverify.DefaultMaxBodyBytes

// WebhookTimeout is how long Certainly's Webhook Builder waits for an
// answer by default (certainly-api-notes.md). A callback that may take
// longer should hand the event to a worker and return; the package doc
// shows how.
const WebhookTimeout = 5 * time.Second

// WebhookOption configures NewWebhookHandler. A bad value makes
// NewWebhookHandler fail.
type WebhookOption func(*webhookConfig) error

type webhookConfig struct {
	webhookverify.ReceiverConfig[Event]
	noAuth bool
}

// WithAuthenticator makes the handler accept only the requests a accepts,
// checked before the body is read: the credential set in the Webhook
// Builder, which supports Basic and header authentication —
// webhookverify.BasicAuth, webhookverify.HeaderToken (such as
// "X-Api-Key") or webhookverify.BearerToken, each compared in constant
// time — optionally combined with webhookverify.SourceIPs through
// webhookverify.AllOf. A refusal gets 401 (403 for a source address). Give
// it once; NewWebhookHandler needs it or WithoutAuthentication.
func WithAuthenticator(a webhookverify.Authenticator) WebhookOption {
	return func(c *webhookConfig) error {
		switch {
		case a == nil:
			return errors.New("WithAuthenticator: nil Authenticator")
		case c.Authenticator != nil:
			return errors.New("WithAuthenticator: given twice; combine checks with webhookverify.AllOf")
		}
		c.Authenticator = a
		return nil
	}
}

// WithoutAuthentication makes the handler accept every request without
// checking who sent it, for a Webhook Builder set to "None". Certainly signs
// nothing, so anyone who can reach the URL can then claim conversations
// (and make the program put bots in listen mode) and write into them as
// the user: use it only behind another guard (a private network, a proxy
// that checks a credential, a secret path).
func WithoutAuthentication() WebhookOption {
	return func(c *webhookConfig) error {
		c.noAuth = true
		return nil
	}
}

// WithMaxBodyBytes caps a request body (DefaultWebhookMaxBytes by
// default); a longer one gets 413 without being read further.
func WithMaxBodyBytes(n int64) WebhookOption {
	return func(c *webhookConfig) error { return c.SetMaxBodyBytes(n) }
}

// WithWebhookLogger makes the handler log every request it refuses (at
// Warn), every callback failure (at Error) and every payload it handles (at
// Debug). Without it the handler logs nothing. Lines carry the status, the
// payload kind, the bot and user ids and the reason; never a credential or
// message text.
func WithWebhookLogger(logger *slog.Logger) WebhookOption {
	return func(c *webhookConfig) error { return c.SetLogger(logger) }
}

// NewWebhookHandler returns the http.Handler for Certainly's webhooks: the
// claim webhook (a Webhook module in the flow, the handover page, step 1B)
// and the message webhook (bot or company settings, step 4). One handler
// serves both, at one URL or two: ParseEvent tells the payloads apart. fn
// is called with each *Claim, *Message and *UnknownEvent; a Relay's Handle
// method fits.
//
// Each request goes through, in order:
//
//   - method: anything but POST gets 405;
//   - credential: the Authenticator (WithAuthenticator) checks the headers
//     before the body is read; a missing or wrong credential gets 401, a
//     source address outside SourceIPs 403. WithoutAuthentication skips
//     this step;
//   - body: read through a cap (DefaultWebhookMaxBytes, WithMaxBodyBytes);
//     longer gets 413;
//   - parse: ParseEvent's rules; a body that does not parse (not a JSON
//     object, a claim without botId or to, a message without interlocutor)
//     gets 400;
//   - fn: nil gets 204; a panic is not recovered (net/http drops the
//     connection, never a 2xx); an error gets 500, so the sender may
//     try again; an error marked by webhookverify.Refuse (a payload fn can
//     never act on, such as one without the ids a Relay needs) gets 400.
//
// A refusal's body is the bare status text. Certainly's payloads carry no
// time and no id, so there is no replay window and no dedupe: a payload
// Certainly posts again reaches fn again (HandoffEvent gives both the same
// handoff event ID, so the controller counts it once).
//
// Certainly's Webhook Builder waits 5 seconds (WebhookTimeout) and the
// handler answers only after fn returned. A callback that calls Certainly
// or a slow desk should hand the event to a worker and return nil; the
// package doc shows how, and what it costs.
//
// NewWebhookHandler fails on a nil fn, on neither or both of
// WithAuthenticator and WithoutAuthentication, and on a bad option. The
// handler is safe for concurrent use, and nothing about it, its errors or
// its logs shows a credential.
func NewWebhookHandler(fn func(ctx context.Context, ev Event) error, opts ...WebhookOption) (http.Handler, error) {
	if fn == nil {
		return nil, errors.New("certainly: NewWebhookHandler: nil callback")
	}
	cfg := webhookConfig{ReceiverConfig: webhookverify.ReceiverConfig[Event]{
		Name:         "certainly webhook",
		Noun:         "payload",
		MaxBodyBytes: DefaultWebhookMaxBytes,
		Parse:        parseDelivery,
		Handle:       fn,
		Window:       0, // Certainly's payloads carry no time
		LogAttrs:     logAttrs,
	}}
	for _, opt := range opts {
		if opt == nil {
			return nil, errors.New("certainly: NewWebhookHandler: nil WebhookOption")
		}
		if err := opt(&cfg); err != nil {
			return nil, fmt.Errorf("certainly: NewWebhookHandler: %w", err)
		}
	}
	switch {
	case cfg.noAuth && cfg.Authenticator != nil:
		return nil, errors.New("certainly: NewWebhookHandler: WithoutAuthentication with WithAuthenticator: give one or the other")
	case cfg.noAuth:
		cfg.AllowUnsigned = true
	case cfg.Authenticator == nil:
		return nil, fmt.Errorf("certainly: NewWebhookHandler: no WithAuthenticator (or WithoutAuthentication, to accept anyone): %w", webhookverify.ErrEmptySecret)
	}
	rcv, err := webhookverify.NewReceiver(cfg.ReceiverConfig)
	if err != nil {
		return nil, fmt.Errorf("certainly: NewWebhookHandler: %w", err)
	}
	return &webhookHandler{rcv: rcv, noAuth: cfg.noAuth}, nil
}

// webhookHandler is what NewWebhookHandler returns: the shared
// webhookverify.Receiver, printed as a Certainly handler. The credential
// stays in the Authenticator, which prints none.
type webhookHandler struct {
	rcv    *webhookverify.Receiver[Event]
	noAuth bool
}

// String describes the handler without its credential.
func (h *webhookHandler) String() string {
	if h.noAuth {
		return "certainly.WebhookHandler{unauthenticated}"
	}
	return "certainly.WebhookHandler{credential checked}"
}

// Format prints String for every verb.
func (h *webhookHandler) Format(f fmt.State, _ rune) { io.WriteString(f, h.String()) }

// ServeHTTP handles one payload; see NewWebhookHandler for the statuses.
func (h *webhookHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.rcv.ServeHTTP(w, r) }

// parseDelivery parses a body the receiver read for this request only, so
// the event may keep it. There is no time and no dedupe key.
func parseDelivery(_ *http.Request, body []byte) (Event, time.Time, string, error) {
	ev, err := parseEvent(body)
	return ev, time.Time{}, "", err
}

// logAttrs adds the payload kind and its conversation to a log line.
func logAttrs(attrs []slog.Attr, _ *http.Request, ev Event) []slog.Attr {
	switch ev := ev.(type) {
	case *Claim:
		attrs = append(attrs, slog.String("payload", "claim"), slog.String("bot_id", ev.BotID), slog.String("user_id", ev.To))
	case *Message:
		attrs = append(attrs, slog.String("payload", "message"), slog.String("interlocutor", string(ev.Interlocutor)),
			slog.String("bot_id", ev.BotID), slog.String("user_id", ev.UserID))
	case *UnknownEvent:
		attrs = append(attrs, slog.String("payload", "unknown"))
	}
	return attrs
}
