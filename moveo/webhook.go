package moveo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/botbridge/botbridge/webhookverify"
)

// HeaderSignature is the header of a Moveo webhook request that carries the
// lowercase hex HMAC-SHA256 of the raw body, keyed with the integration's
// webhook_secret, with no "sha256=" prefix (moveo-api-notes.md, "Webhook
// security and delivery"). Moveo sends no such header when the integration
// has no secret.
const HeaderSignature = "X-Moveo-Signature"

const (
	// DefaultReplayWindow is how old an event's timestamp may be before
	// the handler refuses it; it is the window Moveo's notes suggest.
	// Moveo retries a failed delivery within seconds (up to 5 retries, 250
	// ms – 2 s apart, each with a 30 s timeout), so its retries fit in it
	// with room for queueing.
	DefaultReplayWindow = 5 * time.Minute
	// MaxClockSkew is how far in the future an event's timestamp may be,
	// for Moveo's clock running ahead of ours.
	MaxClockSkew = time.Minute
	// DefaultWebhookMaxBytes caps a request body: 1 MiB, far above any
	// Moveo event.
	DefaultWebhookMaxBytes = webhookverify.DefaultMaxBodyBytes
)

// WebhookOption configures NewWebhookHandler. A bad value makes
// NewWebhookHandler fail.
type WebhookOption func(*webhookConfig) error

type webhookConfig struct {
	webhookverify.ReceiverConfig[Event]
	secrets  [][]byte
	unsigned bool
}

// WithSecrets accepts events signed with any of more as well as with the
// handler's secret. Use it while rotating the integration's webhook_secret:
// list the new and the old secret until Moveo signs with the new one and
// every instance of the channel runs with it, then drop the old one.
func WithSecrets(more ...string) WebhookOption {
	return func(c *webhookConfig) error {
		for i, s := range more {
			if err := checkSecret(s); err != nil {
				return fmt.Errorf("WithSecrets: secret %d: %w", i+1, err)
			}
			c.secrets = append(c.secrets, []byte(s))
		}
		return nil
	}
}

// WithoutSignatureVerification makes the handler accept events without
// checking who sent them, for an integration with no webhook_secret
// (Moveo then sends no X-Moveo-Signature header). Anyone who can reach the
// URL can then make the channel believe anything, a human taking the
// conversation over included: use it only behind another guard (a private
// network, an IP allowlist, a secret path). NewWebhookHandler then needs
// an empty secret and no WithSecrets, and ignores any signature header.
//
// To turn verification on without losing events, set the webhook_secret
// in Moveo first (the unsigned handler ignores the new header), then deploy
// the handler with the secret.
func WithoutSignatureVerification() WebhookOption {
	return func(c *webhookConfig) error {
		c.unsigned = true
		return nil
	}
}

// WithReplayWindow sets how old an event's timestamp may be
// (DefaultReplayWindow by default). It must be positive.
func WithReplayWindow(d time.Duration) WebhookOption {
	return func(c *webhookConfig) error { return c.SetReplayWindow(d) }
}

// WithClock sets the clock the replay window (and the default deduper's
// memory) reads; the default is time.Now.
func WithClock(now func() time.Time) WebhookOption {
	return func(c *webhookConfig) error { return c.SetClock(now) }
}

// WithDeduper sets where handled events are remembered, for example a
// store shared by several replicas of the channel; the default is a
// webhookverify.MemoryDeduper with webhookverify.DefaultDedupeCapacity
// entries kept for the replay window plus MaxClockSkew. Its keys are
// request_id + ":" + event_type.
func WithDeduper(d webhookverify.Deduper) WebhookOption {
	return func(c *webhookConfig) error { return c.SetDeduper(d) }
}

// WithMaxBodyBytes caps a request body (DefaultWebhookMaxBytes by
// default); a longer one gets 413 without being read further.
func WithMaxBodyBytes(n int64) WebhookOption {
	return func(c *webhookConfig) error { return c.SetMaxBodyBytes(n) }
}

// WithWebhookLogger makes the handler log every request it refuses (at
// Warn), every callback and Deduper failure (at Error), and every event it
// handles or recognises as a duplicate (at Debug). Without it the handler
// logs nothing. Lines carry the status, the event type, request id and
// session id, and the reason; never a signature or a secret.
func WithWebhookLogger(logger *slog.Logger) WebhookOption {
	return func(c *webhookConfig) error { return c.SetLogger(logger) }
}

// NewWebhookHandler returns the http.Handler for the integration's
// webhook_url. secret is the integration's webhook_secret; its UTF-8 bytes
// are the HMAC key. fn is called with each new, verified event; a
// Dispatcher's Handle method fits.
//
// Moveo takes a 2xx as done, a 4xx as a permanent failure (it gives the
// event up), and retries a 5xx or a timeout (moveo-api-notes.md, "Webhook
// security and delivery"). The handler therefore answers 4xx only for a
// request that can never succeed, and 5xx whenever a retry can. Each
// request goes through, in order:
//
//   - method: anything but POST gets 405;
//   - body: read through a cap (DefaultWebhookMaxBytes, WithMaxBodyBytes);
//     longer gets 413;
//   - signature: X-Moveo-Signature is checked over the raw bytes with
//     webhookverify (bare hex) before any JSON is read; missing, malformed
//     or wrong gets 401 with a body that says no more than "Unauthorized".
//     WithoutSignatureVerification skips this step;
//   - parse: ParseEvent's rules; a body that does not parse gets 400. A
//     type this package does not know reaches fn as an *UnknownEvent;
//   - replay window: a timestamp older than the window (DefaultReplayWindow,
//     WithReplayWindow) gets 400: a retry of it would only be older. One
//     more than MaxClockSkew in the future gets 400 too: Moveo's retries
//     come within seconds, too soon for a clock that far off to be fixed,
//     and a forged future timestamp must not stretch the window;
//   - dedupe: on request_id + ":" + event_type, which Moveo repeats on
//     every retry (an event without request_id is not deduped). An event
//     handled before gets 200 and fn is not called; one being handled by a
//     concurrent request (Moveo retried after its 30 s timeout while fn
//     was still running) gets 503, so Moveo tries again and then finds it
//     handled, or handles it if the first attempt failed;
//   - fn: nil gets 204; an error gets 500 (a panic is not recovered:
//     net/http drops the connection) and the event is not remembered as
//     handled, so Moveo's retry calls fn again. An error marked by
//     webhookverify.Refuse (an event fn can never act on) gets 400, which
//     Moveo takes as final. A Deduper failure also gets 500, and fn is not
//     called.
//
// NewWebhookHandler fails on an empty secret (webhookverify.ErrEmptySecret)
// unless WithoutSignatureVerification is given, on a secret with white
// space around it (a copy-paste accident that would make every signature
// mismatch), on a nil fn, and on a bad option. The handler is safe for
// concurrent use, and nothing about it, its errors or its logs shows a
// secret or a signature.
func NewWebhookHandler(secret string, fn func(ctx context.Context, ev Event) error, opts ...WebhookOption) (http.Handler, error) {
	if fn == nil {
		return nil, errors.New("moveo: NewWebhookHandler: nil callback")
	}
	cfg := webhookConfig{ReceiverConfig: webhookverify.ReceiverConfig[Event]{
		Name:            "moveo webhook",
		Noun:            "event",
		TimestampName:   "timestamp",
		SignatureHeader: HeaderSignature,
		MaxBodyBytes:    DefaultWebhookMaxBytes,
		Parse:           parseDelivery,
		Handle:          fn,
		Window:          DefaultReplayWindow,
		Skew:            MaxClockSkew,
		Now:             time.Now,
		StaleStatus:     http.StatusBadRequest,         // a retry would only be older
		InFlightStatus:  http.StatusServiceUnavailable, // Moveo retries a 5xx, not a 4xx
		ReadErrorStatus: http.StatusInternalServerError,
		LogAttrs:        logAttrs,
	}}
	if secret != "" {
		cfg.secrets = [][]byte{[]byte(secret)}
	}
	for _, opt := range opts {
		if opt == nil {
			return nil, errors.New("moveo: NewWebhookHandler: nil WebhookOption")
		}
		if err := opt(&cfg); err != nil {
			return nil, fmt.Errorf("moveo: NewWebhookHandler: %w", err)
		}
	}
	switch {
	case cfg.unsigned && len(cfg.secrets) > 0:
		return nil, errors.New("moveo: NewWebhookHandler: WithoutSignatureVerification with a secret: give one or the other")
	case cfg.unsigned:
		cfg.AllowUnsigned = true // no verifier: every request is accepted unsigned
	default:
		if err := checkSecret(secret); err != nil {
			return nil, fmt.Errorf("moveo: NewWebhookHandler: secret: %w", err)
		}
		v, err := webhookverify.NewVerifier(cfg.secrets, webhookverify.WithEncoding(webhookverify.BareHex))
		if err != nil {
			return nil, fmt.Errorf("moveo: NewWebhookHandler: %w", err)
		}
		cfg.Verifier = v
	}
	rcv, err := webhookverify.NewReceiver(cfg.ReceiverConfig)
	if err != nil {
		return nil, fmt.Errorf("moveo: NewWebhookHandler: %w", err)
	}
	h := &webhookHandler{rcv: rcv, unsigned: cfg.unsigned, window: cfg.Window}
	if !cfg.unsigned {
		h.secrets = len(cfg.secrets)
	}
	return h, nil
}

// checkSecret refuses an empty secret and one with white space around it.
func checkSecret(s string) error {
	switch {
	case s == "":
		return webhookverify.ErrEmptySecret
	case strings.TrimSpace(s) != s:
		return errors.New("has white space around it")
	}
	return nil
}

// webhookHandler is what NewWebhookHandler returns: the shared
// webhookverify.Receiver, printed as a Moveo handler. It holds no secret: the
// verifier keeps the keys where fmt cannot reach them.
type webhookHandler struct {
	rcv      *webhookverify.Receiver[Event]
	unsigned bool // WithoutSignatureVerification
	secrets  int
	window   time.Duration
}

// String describes the handler without its secrets.
func (h *webhookHandler) String() string {
	verification := "unsigned"
	if !h.unsigned {
		verification = "secrets: " + strconv.Itoa(h.secrets)
	}
	return "moveo.WebhookHandler{" + verification + ", replay window: " + h.window.String() + "}"
}

// Format prints String for every verb.
func (h *webhookHandler) Format(f fmt.State, _ rune) { io.WriteString(f, h.String()) }

// ServeHTTP handles one event; see NewWebhookHandler for the statuses.
func (h *webhookHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.rcv.ServeHTTP(w, r) }

// parseDelivery parses a (verified) body into the event, its timestamp and
// its dedupe key.
func parseDelivery(_ *http.Request, body []byte) (Event, time.Time, string, error) {
	ev, err := parseEvent(body)
	if err != nil {
		return nil, time.Time{}, "", err
	}
	base := ev.EventBase()
	return ev, base.Timestamp, dedupeKey(base), nil
}

// dedupeKey is request_id + ":" + event_type, or "" without a request id.
func dedupeKey(b *Base) string {
	if b.RequestID == "" {
		return ""
	}
	return b.RequestID + ":" + b.Type
}

// logAttrs adds the event's type, request id and session id to a log line.
func logAttrs(attrs []slog.Attr, _ *http.Request, ev Event) []slog.Attr {
	if ev != nil {
		base := ev.EventBase()
		attrs = append(attrs, slog.String("event_type", base.Type), slog.String("request_id", base.RequestID),
			slog.String("session_id", base.SessionID))
	}
	return attrs
}
