package munin

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

// The headers of a Munin delivery (§3.2). Only the body is signed: the
// event type and the delivery id in these headers are not.
const (
	// HeaderSignature carries "sha256=" + the lowercase hex HMAC-SHA256 of
	// the raw body.
	HeaderSignature = "X-Munin-Signature"
	// HeaderEvent carries the event type.
	HeaderEvent = "X-Munin-Event"
	// HeaderDeliveryID carries the delivery id (whd_…): one per webhook and
	// event, the same on every retry.
	HeaderDeliveryID = "X-Munin-Delivery-Id"
)

const (
	// DefaultReplayWindow is how old a delivery's createdAt may be before
	// the handler stops handling it. Munin retries a delivery for about 7.5
	// minutes with the same createdAt (§3.2); 30 minutes leaves room for
	// Munin's queue (one delivery at a time, 25 every 5 seconds) falling
	// behind.
	DefaultReplayWindow = 30 * time.Minute
	// MaxClockSkew is how far in the future a delivery's createdAt may be,
	// for Munin's clock running ahead of ours.
	MaxClockSkew = 5 * time.Minute
	// DefaultWebhookMaxBytes caps a delivery's body: 1 MiB, far above any
	// Munin event, which carries ids rather than message bodies.
	DefaultWebhookMaxBytes = webhookverify.DefaultMaxBodyBytes
)

// WebhookOption configures NewWebhookHandler. A bad value makes
// NewWebhookHandler fail.
type WebhookOption func(*webhookConfig) error

type webhookConfig struct {
	webhookverify.ReceiverConfig[Event]
	secrets [][]byte
}

// WithSecrets accepts deliveries signed with any of more as well as with the
// handler's secret. Use it while rotating. Munin signs each attempt, retries
// included, with the webhook's secret of the moment, and rotate-secret
// replaces that secret at once (§3.1): a delivery queued before the rotation
// is retried with the new signature, not its old one. Several secrets cover
// the rotation itself, the window in which the bot's deployment still has
// the old secret while Munin signs with the new one, or already has the new
// one before the rotation call has returned and Munin still signs with the
// old one. Accept both until every instance runs with the new secret, then
// drop the old one. Every secret is the whole whsec_… string.
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

// WithReplayWindow sets how old a delivery's createdAt may be
// (DefaultReplayWindow by default). It must be positive. A window shorter
// than Munin's ~7.5 minutes of retries drops Munin's last retries when the
// callback failed earlier.
func WithReplayWindow(d time.Duration) WebhookOption {
	return func(c *webhookConfig) error { return c.SetReplayWindow(d) }
}

// WithClock sets the clock the replay window (and the default deduper's
// memory) reads; the default is time.Now.
func WithClock(now func() time.Time) WebhookOption {
	return func(c *webhookConfig) error { return c.SetClock(now) }
}

// WithDeduper sets where handled deliveries are remembered, for example a
// store shared by several replicas; the default is a
// webhookverify.MemoryDeduper with webhookverify.DefaultDedupeCapacity
// entries kept for the replay window plus MaxClockSkew.
func WithDeduper(d webhookverify.Deduper) WebhookOption {
	return func(c *webhookConfig) error { return c.SetDeduper(d) }
}

// WithMaxBodyBytes caps a delivery's body (DefaultWebhookMaxBytes by
// default); a longer one is answered 413 without being read.
func WithMaxBodyBytes(n int64) WebhookOption {
	return func(c *webhookConfig) error { return c.SetMaxBodyBytes(n) }
}

// WithWebhookLogger makes the handler log every delivery it refuses or
// drops (at Warn), every callback error and Deduper failure (at Error), and
// every delivery it handles or recognises as a duplicate (at Debug). Without
// it the handler logs nothing. Lines carry the status, the delivery id, the
// event type and id, and the reason; never a signature or a secret.
func WithWebhookLogger(logger *slog.Logger) WebhookOption {
	return func(c *webhookConfig) error { return c.SetLogger(logger) }
}

// NewWebhookHandler returns the http.Handler for the URL a Munin webhook
// delivers to. secret is the whole whsec_… string Munin showed when it
// created the webhook: its UTF-8 bytes, prefix included and not
// base64-decoded, are the HMAC key (§3.2). fn is called with each new,
// verified delivery; its ctx carries the delivery id (DeliveryID).
//
// Each request goes through, in order:
//
//   - method: anything but POST gets 405;
//   - body: read through a cap (DefaultWebhookMaxBytes, WithMaxBodyBytes);
//     longer gets 413;
//   - signature: x-munin-signature is checked over the raw bytes with
//     webhookverify before any JSON is read; missing, malformed or wrong
//     gets 401, with a body that says no more than "Unauthorized";
//   - parse: ParseEvent's rules; a body that does not parse gets 400. A type
//     this package does not know reaches fn as an *UnknownEvent;
//   - replay window: a createdAt older than the window (DefaultReplayWindow,
//     WithReplayWindow) gets 200 and fn is not called. Munin retries every
//     non-2xx with the same createdAt (§3.2), so a retry could only be
//     older: a success status is what stops it. A createdAt more than
//     MaxClockSkew in the future gets 400, which Munin retries, so it is
//     handled once the clocks agree;
//   - dedupe: the key is the x-munin-delivery-id header, or the event id
//     when the header is missing (an older Munin, or a hand-made request).
//     A delivery handled before gets 200 without calling fn; one being
//     handled by a concurrent request gets 409, so Munin tries again later
//     instead of taking it as delivered;
//   - fn: nil gets 204; an error gets 500 (a panic is not recovered:
//     net/http drops the connection) and the delivery is not remembered as
//     handled, so Munin's retry calls fn again. An error marked by
//     webhookverify.Refuse (an event fn can never act on) gets 400 instead.
//     A Deduper failure also gets 500, and fn is not called.
//
// The delivery id header is not signed (§3.2: nothing but the body is), so a
// captured delivery replayed within the window under a made-up delivery id
// passes the dedupe. Keep fn idempotent on the event id (Envelope.ID), which
// is signed: HandoffEvent uses it as the handoff event's ID, so
// handoff.Controller ignores such a replay.
//
// NewWebhookHandler fails on an empty secret (webhookverify.ErrEmptySecret),
// a secret with white space around it (a common copy-paste accident that
// would make every signature mismatch), a nil fn, or a bad option. The
// handler is safe for concurrent use, and nothing about it, its errors or
// its logs shows a secret.
func NewWebhookHandler(secret string, fn func(ctx context.Context, ev Event) error, opts ...WebhookOption) (http.Handler, error) {
	if err := checkSecret(secret); err != nil {
		return nil, fmt.Errorf("munin: NewWebhookHandler: secret: %w", err)
	}
	if fn == nil {
		return nil, errors.New("munin: NewWebhookHandler: nil callback")
	}
	cfg := webhookConfig{
		ReceiverConfig: webhookverify.ReceiverConfig[Event]{
			Name:            "munin webhook",
			TimestampName:   "createdAt",
			SignatureHeader: HeaderSignature,
			MaxBodyBytes:    DefaultWebhookMaxBytes,
			Parse:           parseDelivery,
			Context:         deliveryContext,
			Handle:          fn,
			Window:          DefaultReplayWindow,
			Skew:            MaxClockSkew,
			Now:             time.Now,
			StaleStatus:     http.StatusOK,       // stops Munin's retries, which could only be older
			InFlightStatus:  http.StatusConflict, // Munin tries again later
			ReadErrorStatus: http.StatusBadRequest,
			LogAttrs:        logAttrs,
		},
		secrets: [][]byte{[]byte(secret)},
	}
	for _, opt := range opts {
		if opt == nil {
			return nil, errors.New("munin: NewWebhookHandler: nil WebhookOption")
		}
		if err := opt(&cfg); err != nil {
			return nil, fmt.Errorf("munin: NewWebhookHandler: %w", err)
		}
	}
	verifier, err := webhookverify.NewVerifier(cfg.secrets)
	if err != nil {
		return nil, fmt.Errorf("munin: NewWebhookHandler: %w", err)
	}
	cfg.Verifier = verifier
	rcv, err := webhookverify.NewReceiver(cfg.ReceiverConfig)
	if err != nil {
		return nil, fmt.Errorf("munin: NewWebhookHandler: %w", err)
	}
	return &webhookHandler{rcv: rcv, secrets: len(cfg.secrets), window: cfg.Window}, nil
}

// checkSecret refuses an empty secret and one with white space around it.
func checkSecret(s string) error {
	switch {
	case s == "":
		return webhookverify.ErrEmptySecret
	case strings.TrimSpace(s) != s:
		return errors.New("has white space around it (Munin's whsec_ secrets have none)")
	}
	return nil
}

type deliveryIDKey struct{}

// DeliveryID returns the x-munin-delivery-id of the delivery being handled,
// from the ctx NewWebhookHandler gives its callback; "" when the delivery had
// none or ctx is not a callback's.
func DeliveryID(ctx context.Context) string {
	if ctx == nil {
		return ""
	}
	id, _ := ctx.Value(deliveryIDKey{}).(string)
	return id
}

// webhookHandler is what NewWebhookHandler returns: the shared
// webhookverify.Receiver, printed as a Munin handler. It holds no secret: the
// verifier keeps the keys where fmt cannot reach them.
type webhookHandler struct {
	rcv     *webhookverify.Receiver[Event]
	secrets int
	window  time.Duration
}

// String describes the handler without its secrets.
func (h *webhookHandler) String() string {
	return "munin.WebhookHandler{secrets: " + strconv.Itoa(h.secrets) + ", replay window: " + h.window.String() + "}"
}

// Format prints String for every verb.
func (h *webhookHandler) Format(f fmt.State, _ rune) { io.WriteString(f, h.String()) }

// ServeHTTP handles one delivery; see NewWebhookHandler for the statuses.
func (h *webhookHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.rcv.ServeHTTP(w, r) }

// parseDelivery parses a verified body. The dedupe key is the delivery id
// header, or the event id when the header is missing.
func parseDelivery(r *http.Request, body []byte) (Event, time.Time, string, error) {
	ev, err := parseEvent(body)
	if err != nil {
		return nil, time.Time{}, "", err
	}
	env := ev.EventEnvelope()
	key := r.Header.Get(HeaderDeliveryID)
	if key == "" {
		key = env.ID
	}
	return ev, env.CreatedAt, key, nil
}

// deliveryContext puts the delivery id, when there is one, in the context
// the callback gets (DeliveryID).
func deliveryContext(r *http.Request, _ Event) context.Context {
	ctx := r.Context()
	if id := r.Header.Get(HeaderDeliveryID); id != "" {
		ctx = context.WithValue(ctx, deliveryIDKey{}, id)
	}
	return ctx
}

// logAttrs adds the delivery id and the event's type and id to a log line.
func logAttrs(attrs []slog.Attr, r *http.Request, ev Event) []slog.Attr {
	if id := r.Header.Get(HeaderDeliveryID); id != "" {
		attrs = append(attrs, slog.String("delivery_id", id))
	}
	if ev != nil {
		env := ev.EventEnvelope()
		attrs = append(attrs, slog.String("event_type", env.Type), slog.String("event_id", env.ID))
	} else if typ := r.Header.Get(HeaderEvent); typ != "" {
		attrs = append(attrs, slog.String("event_type", typ))
	}
	return attrs
}
