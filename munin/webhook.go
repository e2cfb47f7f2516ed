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
	secrets  [][]byte
	window   time.Duration
	now      func() time.Time
	dedupe   webhookverify.Deduper
	maxBytes int64
	logger   *slog.Logger
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
	return func(c *webhookConfig) error {
		if d <= 0 {
			return fmt.Errorf("WithReplayWindow: %s is not positive", d)
		}
		c.window = d
		return nil
	}
}

// WithClock sets the clock the replay window (and the default deduper's
// memory) reads; the default is time.Now.
func WithClock(now func() time.Time) WebhookOption {
	return func(c *webhookConfig) error {
		if now == nil {
			return errors.New("WithClock: nil clock")
		}
		c.now = now
		return nil
	}
}

// WithDeduper sets where handled deliveries are remembered, for example a
// store shared by several replicas; the default is a
// webhookverify.MemoryDeduper with webhookverify.DefaultDedupeCapacity
// entries kept for the replay window plus MaxClockSkew.
func WithDeduper(d webhookverify.Deduper) WebhookOption {
	return func(c *webhookConfig) error {
		if d == nil {
			return errors.New("WithDeduper: nil Deduper")
		}
		c.dedupe = d
		return nil
	}
}

// WithMaxBodyBytes caps a delivery's body (DefaultWebhookMaxBytes by
// default); a longer one is answered 413 without being read.
func WithMaxBodyBytes(n int64) WebhookOption {
	return func(c *webhookConfig) error {
		if n <= 0 {
			return fmt.Errorf("WithMaxBodyBytes: %d is not positive", n)
		}
		c.maxBytes = n
		return nil
	}
}

// WithWebhookLogger makes the handler log every delivery it refuses or
// drops (at Warn), every callback error and Deduper failure (at Error), and
// every delivery it handles or recognises as a duplicate (at Debug). Without
// it the handler logs nothing. Lines carry the status, the delivery id, the
// event type and id, and the reason; never a signature or a secret.
func WithWebhookLogger(logger *slog.Logger) WebhookOption {
	return func(c *webhookConfig) error {
		c.logger = logger
		return nil
	}
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
//   - fn: nil gets 204; an error (or a panic) gets 500 and the delivery is
//     not remembered as handled, so Munin's retry calls fn again. A Deduper
//     failure also gets 500, and fn is not called.
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
		secrets:  [][]byte{[]byte(secret)},
		window:   DefaultReplayWindow,
		now:      time.Now,
		maxBytes: DefaultWebhookMaxBytes,
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
	if cfg.dedupe == nil {
		cfg.dedupe = webhookverify.NewMemoryDeduper(webhookverify.DefaultDedupeCapacity,
			cfg.window+MaxClockSkew, webhookverify.WithDedupeClock(cfg.now))
	}
	return &webhookHandler{
		verifier: verifier,
		secrets:  len(cfg.secrets),
		fn:       fn,
		window:   cfg.window,
		now:      cfg.now,
		dedupe:   cfg.dedupe,
		maxBytes: cfg.maxBytes,
		logger:   cfg.logger,
	}, nil
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

// webhookHandler is what NewWebhookHandler returns. It holds no secret: the
// verifier keeps the keys where fmt cannot reach them.
type webhookHandler struct {
	verifier *webhookverify.Verifier
	secrets  int
	fn       func(context.Context, Event) error
	window   time.Duration
	now      func() time.Time
	dedupe   webhookverify.Deduper
	maxBytes int64
	logger   *slog.Logger
}

// String describes the handler without its secrets.
func (h *webhookHandler) String() string {
	return "munin.WebhookHandler{secrets: " + strconv.Itoa(h.secrets) + ", replay window: " + h.window.String() + "}"
}

// Format prints String for every verb.
func (h *webhookHandler) Format(f fmt.State, _ rune) { io.WriteString(f, h.String()) }

// ServeHTTP handles one delivery; see NewWebhookHandler for the statuses.
func (h *webhookHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.refuse(w, r, http.StatusMethodNotAllowed, nil, "method not allowed", errors.New(r.Method))
		return
	}
	body, err := h.verifier.VerifyRequest(r, HeaderSignature, h.maxBytes)
	if err != nil {
		h.refuse(w, r, verifyStatus(err), nil, "refused", err)
		return
	}
	ev, err := parseEvent(body)
	if err != nil {
		h.refuse(w, r, http.StatusBadRequest, nil, "bad event", err)
		return
	}
	env := ev.EventEnvelope()
	now := h.now()
	switch {
	case env.CreatedAt.Before(now.Add(-h.window)):
		h.log(r, slog.LevelWarn, "munin webhook: event older than the replay window; acknowledged, not handled",
			http.StatusOK, env, nil)
		w.WriteHeader(http.StatusOK)
		return
	case env.CreatedAt.After(now.Add(MaxClockSkew)):
		h.refuse(w, r, http.StatusBadRequest, env, "event from the future",
			errors.New("createdAt is more than "+MaxClockSkew.String()+" ahead of this clock"))
		return
	}

	ctx := r.Context()
	deliveryID := r.Header.Get(HeaderDeliveryID)
	if deliveryID != "" {
		ctx = context.WithValue(ctx, deliveryIDKey{}, deliveryID)
	}
	key := deliveryID
	if key == "" {
		key = env.ID
	}
	if key != "" {
		state, err := h.dedupe.Begin(ctx, key)
		switch {
		case err != nil:
			h.log(r, slog.LevelError, "munin webhook: deduper failed", http.StatusInternalServerError, env, err)
			http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
			return
		case state == webhookverify.DeliveryHandled:
			h.log(r, slog.LevelDebug, "munin webhook: duplicate delivery", http.StatusOK, env, nil)
			w.WriteHeader(http.StatusOK)
			return
		case state == webhookverify.DeliveryInFlight:
			h.log(r, slog.LevelWarn, "munin webhook: delivery already being handled", http.StatusConflict, env, nil)
			http.Error(w, http.StatusText(http.StatusConflict), http.StatusConflict)
			return
		}
	}

	if err := h.call(ctx, key, ev); err != nil {
		h.log(r, slog.LevelError, "munin webhook: callback failed", http.StatusInternalServerError, env, err)
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	h.log(r, slog.LevelDebug, "munin webhook: handled", http.StatusNoContent, env, nil)
	w.WriteHeader(http.StatusNoContent)
}

// call runs fn and settles the dedupe claim on key: handled when fn returned
// nil, released when it returned an error or panicked (the panic goes on to
// net/http, which drops the connection, and Munin retries).
func (h *webhookHandler) call(ctx context.Context, key string, ev Event) (err error) {
	settled := key == ""
	defer func() {
		if !settled {
			h.end(ctx, key, false)
		}
	}()
	err = h.fn(ctx, ev)
	settled = true
	if key != "" {
		h.end(ctx, key, err == nil)
	}
	return err
}

// end settles a dedupe claim, even when the request's context is done (the
// callback has run; the record of it must not be lost).
func (h *webhookHandler) end(ctx context.Context, key string, handled bool) {
	if ctx.Err() != nil {
		ctx = context.WithoutCancel(ctx)
	}
	if err := h.dedupe.End(ctx, key, handled); err != nil && h.logger != nil {
		h.logger.LogAttrs(ctx, slog.LevelError, "munin webhook: deduper failed to settle a delivery",
			slog.String("delivery_key", key), slog.Bool("handled", handled), slog.String("error", err.Error()))
	}
}

// verifyStatus maps a webhookverify error to the answer.
func verifyStatus(err error) int {
	var maxBytesErr *http.MaxBytesError
	switch {
	case errors.Is(err, webhookverify.ErrMissingSignature),
		errors.Is(err, webhookverify.ErrMalformedSignature),
		errors.Is(err, webhookverify.ErrSignatureMismatch):
		return http.StatusUnauthorized
	case errors.Is(err, webhookverify.ErrTooLarge), errors.As(err, &maxBytesErr):
		// A MaxBytesError comes from an http.MaxBytesReader the user put
		// around the body.
		return http.StatusRequestEntityTooLarge
	}
	return http.StatusBadRequest // the body could not be read
}

// refuse answers status with its bare status text (never the reason: a 401
// must not help a forger) and logs why.
func (h *webhookHandler) refuse(w http.ResponseWriter, r *http.Request, status int, env *Envelope, what string, err error) {
	h.log(r, slog.LevelWarn, "munin webhook: "+what, status, env, err)
	http.Error(w, http.StatusText(status), status)
}

// log writes one line about a delivery, when a logger is set and enabled.
func (h *webhookHandler) log(r *http.Request, level slog.Level, msg string, status int, env *Envelope, err error) {
	if h.logger == nil || !h.logger.Enabled(r.Context(), level) {
		return
	}
	attrs := make([]slog.Attr, 0, 6)
	attrs = append(attrs, slog.Int("status", status))
	if id := r.Header.Get(HeaderDeliveryID); id != "" {
		attrs = append(attrs, slog.String("delivery_id", id))
	}
	if env != nil {
		attrs = append(attrs, slog.String("event_type", env.Type), slog.String("event_id", env.ID))
	} else if typ := r.Header.Get(HeaderEvent); typ != "" {
		attrs = append(attrs, slog.String("event_type", typ))
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	h.logger.LogAttrs(r.Context(), level, msg, attrs...)
}
