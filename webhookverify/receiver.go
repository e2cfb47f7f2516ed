package webhookverify

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// ReceiverConfig configures NewReceiver: what a vendor's webhook handler says about its deliveries
// (where the signature is, how a body parses, what each outcome is answered), while the Receiver owns
// the order of the steps. E is the vendor's event type, usually an interface.
type ReceiverConfig[E any] struct {
	// Name starts every log message, for example "munin webhook".
	Name string
	// Noun names one delivery in log messages ("delivery" when empty; Moveo says "event").
	Noun string
	// TimestampName names the event's time in the reasons logged for the replay window
	// ("timestamp" when empty; Munin says "createdAt").
	TimestampName string

	// Verifier checks the signature in SignatureHeader over the raw body. Authenticator checks a
	// static credential instead, before the body is read, for vendors that sign nothing. Exactly
	// one of Verifier, Authenticator and AllowUnsigned is set.
	Verifier        *Verifier
	SignatureHeader string
	Authenticator   Authenticator
	// AllowUnsigned accepts every request without checking who sent it: the explicit, loudly named
	// opt-out for a vendor configured without a secret or a credential.
	AllowUnsigned bool
	// MaxBodyBytes caps the body; <= 0 means DefaultMaxBodyBytes. A longer body gets 413.
	MaxBodyBytes int64

	// Parse decodes the verified body into the event, the time it occurred (checked against the
	// replay window) and its dedupe key ("" for an event that is not deduped). r is the request, for
	// keys a vendor puts in headers; its body has been read. An error gets 400.
	Parse func(r *http.Request, body []byte) (ev E, occurredAt time.Time, dedupeKey string, err error)
	// Context returns the context the Deduper and Handle get, for values such as a delivery id;
	// nil means r.Context().
	Context func(r *http.Request, ev E) context.Context
	// Handle is the user's callback. Nil gets 204 and the key is remembered as handled; an error (or
	// a panic, which goes on to net/http) gets 500 and the key is released for the vendor's retry.
	Handle func(ctx context.Context, ev E) error

	// Window is how old an event may be; 0 means the vendor's events carry no time, and the replay
	// check is skipped (Parse's time is ignored). Skew is how far in the future it may be (>= 0);
	// further gets 400. Now is the clock (time.Now when nil).
	Window time.Duration
	Skew   time.Duration
	Now    func() time.Time
	// Deduper remembers handled keys; nil means a MemoryDeduper with DefaultDedupeCapacity keys kept
	// for Window+Skew (DefaultDedupeTTL when Window is 0), on Now. That default is built on the
	// first delivery Parse gives a key, so a vendor whose events carry none (Certainly) never pays
	// for one.
	Deduper Deduper

	// StaleStatus answers an event older than Window (400 when 0). A 2xx here acknowledges the
	// event without handling it, which stops a vendor that retries with the same timestamp.
	StaleStatus int
	// InFlightStatus answers a delivery whose key a concurrent request is handling (409 when 0).
	InFlightStatus int
	// ReadErrorStatus answers a body that could not be read (400 when 0; 5xx for a vendor that
	// gives up on a 4xx).
	ReadErrorStatus int

	// Logger gets a line about every request when set: refusals at Warn, callback and Deduper
	// failures at Error, handled deliveries and duplicates at Debug. Lines carry the status, the
	// reason and what LogAttrs appends, never a signature or a secret.
	Logger *slog.Logger
	// LogAttrs appends the vendor's attributes to a line; ev is E's zero value until the body has
	// parsed. Nil adds none.
	LogAttrs func(attrs []slog.Attr, r *http.Request, ev E) []slog.Attr
}

// Receiver is the webhook pipeline every vendor handler shares, as an http.Handler. Each request
// goes through, in order:
//
//   - method: anything but POST gets 405;
//   - credential: an Authenticator's refusal gets 401 (403 for a source address), before the body
//     is read;
//   - body: read through MaxBodyBytes, longer gets 413; the signature is checked over the raw bytes
//     before Parse sees them, and a missing, malformed or wrong one gets 401 with a body that says no
//     more than "Unauthorized"; a body that could not be read gets ReadErrorStatus;
//   - parse: Parse's error gets 400;
//   - replay window (unless Window is 0): an event older than Window gets StaleStatus; one more
//     than Skew in the future gets 400;
//   - dedupe: Deduper.Begin on the key; a key handled before gets 200, one in flight gets
//     InFlightStatus, a Deduper failure gets 500; none of them calls Handle;
//   - Handle: nil gets 204, an error 500, and an error wrapped by Refuse (an event Handle can never
//     act on) 400. The claim on the key is settled with End either way, even when the request's
//     context is done.
//
// A refusal's body is the bare status text, never the reason. Build one with NewReceiver; it is safe
// for concurrent use and prints no secret.
type Receiver[E any] struct {
	verifier        *Verifier
	auth            Authenticator
	header          string
	maxBytes        int64
	parse           func(*http.Request, []byte) (E, time.Time, string, error)
	context         func(*http.Request, E) context.Context
	handle          func(context.Context, E) error
	window, skew    time.Duration
	now             func() time.Time
	dedupe          Deduper // the configured one; the default once deduper has built it
	dedupeOnce      sync.Once
	dedupeTTL       time.Duration // of the default MemoryDeduper
	stale, inFlight int
	readError       int
	logger          *slog.Logger
	logAttrs        func([]slog.Attr, *http.Request, E) []slog.Attr
	name, stamp     string
	msg             receiverMessages
}

// receiverMessages are the log messages, built once.
type receiverMessages struct {
	method, refused, bad, stale, future, dedupeFailed, duplicate, inFlight, failed, unusable, handled, settle string
}

// NewReceiver checks c and returns its Receiver. It fails on a nil Parse or Handle, a negative Window
// or Skew, a status outside 200–599, neither a Verifier, an Authenticator nor AllowUnsigned
// (ErrEmptySecret), more than one of them, or a Verifier without a SignatureHeader.
func NewReceiver[E any](c ReceiverConfig[E]) (*Receiver[E], error) {
	switch {
	case c.Parse == nil:
		return nil, errors.New("webhookverify: NewReceiver: nil Parse")
	case c.Handle == nil:
		return nil, errors.New("webhookverify: NewReceiver: nil Handle")
	case c.Window < 0:
		return nil, fmt.Errorf("webhookverify: NewReceiver: window %s is negative", c.Window)
	case c.Skew < 0:
		return nil, fmt.Errorf("webhookverify: NewReceiver: skew %s is negative", c.Skew)
	case btoi(c.AllowUnsigned)+btoi(c.Verifier != nil)+btoi(c.Authenticator != nil) > 1:
		return nil, errors.New("webhookverify: NewReceiver: give one of Verifier, Authenticator and AllowUnsigned")
	case !c.AllowUnsigned && c.Verifier == nil && c.Authenticator == nil:
		return nil, fmt.Errorf("webhookverify: NewReceiver: no Verifier and no Authenticator: %w", ErrEmptySecret)
	case c.Verifier != nil && c.SignatureHeader == "":
		return nil, errors.New("webhookverify: NewReceiver: no SignatureHeader")
	}
	statuses := []*int{&c.StaleStatus, &c.InFlightStatus, &c.ReadErrorStatus}
	for i, def := range []int{http.StatusBadRequest, http.StatusConflict, http.StatusBadRequest} {
		switch s := statuses[i]; {
		case *s == 0:
			*s = def
		case *s < 200 || *s > 599:
			return nil, fmt.Errorf("webhookverify: NewReceiver: status %d is not 200–599", *s)
		}
	}
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	ttl := c.Window + c.Skew // of the default Deduper, built when first needed
	if c.Window == 0 {
		ttl = DefaultDedupeTTL
	}
	if c.Name == "" {
		c.Name = "webhook"
	}
	if c.Noun == "" {
		c.Noun = "delivery"
	}
	if c.TimestampName == "" {
		c.TimestampName = "timestamp"
	}
	p := c.Name + ": "
	stale := p + "event older than the replay window"
	if c.StaleStatus < 300 {
		stale += "; acknowledged, not handled"
	}
	return &Receiver[E]{
		verifier: c.Verifier, auth: c.Authenticator, header: c.SignatureHeader, maxBytes: c.MaxBodyBytes,
		parse: c.Parse, context: c.Context, handle: c.Handle,
		window: c.Window, skew: c.Skew, now: c.Now, dedupe: c.Deduper, dedupeTTL: ttl,
		stale: c.StaleStatus, inFlight: c.InFlightStatus, readError: c.ReadErrorStatus,
		logger: c.Logger, logAttrs: c.LogAttrs, name: c.Name, stamp: c.TimestampName,
		msg: receiverMessages{
			method: p + "method not allowed", refused: p + "refused", bad: p + "bad event",
			stale: stale, future: p + "event from the future", dedupeFailed: p + "deduper failed",
			duplicate: p + "duplicate " + c.Noun, inFlight: p + c.Noun + " already being handled",
			failed: p + "callback failed", unusable: p + "callback refused the " + c.Noun, handled: p + "handled",
			settle: p + "deduper failed to settle the " + c.Noun,
		},
	}, nil
}

// String describes the receiver without its secrets.
func (rc *Receiver[E]) String() string {
	verification := "unsigned"
	switch {
	case rc.verifier != nil:
		verification = "secrets: " + strconv.Itoa(len(rc.verifier.keys))
	case rc.auth != nil:
		verification = "credential checked"
	}
	window := "replay window: " + rc.window.String()
	if rc.window == 0 {
		window = "no replay window"
	}
	return "webhookverify.Receiver{" + rc.name + ", " + verification + ", " + window + "}"
}

// Format prints String for every verb.
func (rc *Receiver[E]) Format(f fmt.State, _ rune) { io.WriteString(f, rc.String()) }

// ServeHTTP handles one delivery; see Receiver for the statuses.
func (rc *Receiver[E]) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var none E
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		rc.answer(w, r, slog.LevelWarn, http.StatusMethodNotAllowed, none, rc.msg.method, errors.New(r.Method))
		return
	}
	if rc.auth != nil {
		if err := rc.auth.Authenticate(r); err != nil {
			SetChallenge(w, rc.auth, AuthStatus(err))
			rc.answer(w, r, slog.LevelWarn, AuthStatus(err), none, rc.msg.refused, err)
			return
		}
	}
	body, err := rc.read(w, r)
	if err != nil {
		rc.answer(w, r, slog.LevelWarn, rc.bodyStatus(err), none, rc.msg.refused, err)
		return
	}
	ev, at, key, err := rc.parse(r, body)
	if err != nil {
		rc.answer(w, r, slog.LevelWarn, http.StatusBadRequest, none, rc.msg.bad, err)
		return
	}
	now := rc.now()
	switch {
	case rc.window == 0:
		// The vendor's events carry no time.
	case at.Before(now.Add(-rc.window)):
		rc.answer(w, r, slog.LevelWarn, rc.stale, ev, rc.msg.stale,
			errors.New(rc.stamp+" is "+now.Sub(at).Round(time.Second).String()+" old"))
		return
	case at.After(now.Add(rc.skew)):
		rc.answer(w, r, slog.LevelWarn, http.StatusBadRequest, ev, rc.msg.future,
			errors.New(rc.stamp+" is more than "+rc.skew.String()+" ahead of this clock"))
		return
	}

	ctx := r.Context()
	if rc.context != nil {
		ctx = rc.context(r, ev)
	}
	if key != "" {
		state, err := rc.deduper().Begin(ctx, key)
		switch {
		case err != nil:
			rc.answer(w, r, slog.LevelError, http.StatusInternalServerError, ev, rc.msg.dedupeFailed, err)
			return
		case state == DeliveryHandled:
			rc.answer(w, r, slog.LevelDebug, http.StatusOK, ev, rc.msg.duplicate, nil)
			return
		case state == DeliveryInFlight:
			rc.answer(w, r, slog.LevelWarn, rc.inFlight, ev, rc.msg.inFlight, nil)
			return
		}
	}

	if err := rc.call(ctx, key, ev); err != nil {
		if IsRefusal(err) {
			rc.answer(w, r, slog.LevelWarn, http.StatusBadRequest, ev, rc.msg.unusable, err)
			return
		}
		rc.answer(w, r, slog.LevelError, http.StatusInternalServerError, ev, rc.msg.failed, err)
		return
	}
	rc.answer(w, r, slog.LevelDebug, http.StatusNoContent, ev, rc.msg.handled, nil)
}

// read returns the request body, verified unless the receiver is unsigned.
func (rc *Receiver[E]) read(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if rc.verifier != nil {
		return rc.verifier.VerifyRequest(r, rc.header, rc.maxBytes)
	}
	return io.ReadAll(http.MaxBytesReader(w, r.Body, rc.maxBytes))
}

// bodyStatus maps a failure to read or verify the body to the answer.
func (rc *Receiver[E]) bodyStatus(err error) int {
	switch code := rejectStatus(err); code {
	case http.StatusBadRequest:
		return rc.readError // the body could not be read
	default:
		return code
	}
}

// call runs handle and settles the dedupe claim on key: handled when handle returned nil, released
// when it returned an error or panicked (the panic goes on to net/http, which drops the connection,
// and the vendor retries).
func (rc *Receiver[E]) call(ctx context.Context, key string, ev E) (err error) {
	settled := key == ""
	defer func() {
		if !settled {
			rc.end(ctx, key, false)
		}
	}()
	err = rc.handle(ctx, ev)
	settled = true
	if key != "" {
		rc.end(ctx, key, err == nil)
	}
	return err
}

// deduper returns the Deduper: the configured one, or the default MemoryDeduper, built on first use.
func (rc *Receiver[E]) deduper() Deduper {
	rc.dedupeOnce.Do(func() {
		if rc.dedupe == nil {
			rc.dedupe = NewMemoryDeduper(DefaultDedupeCapacity, rc.dedupeTTL, WithDedupeClock(rc.now))
		}
	})
	return rc.dedupe
}

// end settles a dedupe claim, even when the request's context is done (the callback has run; the
// record of it must not be lost).
func (rc *Receiver[E]) end(ctx context.Context, key string, handled bool) {
	if ctx.Err() != nil {
		ctx = context.WithoutCancel(ctx)
	}
	if err := rc.deduper().End(ctx, key, handled); err != nil && rc.logger != nil {
		rc.logger.LogAttrs(ctx, slog.LevelError, rc.msg.settle,
			slog.String("dedupe_key", key), slog.Bool("handled", handled), slog.String("error", err.Error()))
	}
}

// answer logs one line and writes status: a 2xx with no body, anything else with its bare status
// text (never the reason: a 401 must not help a forger).
func (rc *Receiver[E]) answer(w http.ResponseWriter, r *http.Request, level slog.Level, status int, ev E, msg string, err error) {
	if rc.logger != nil && rc.logger.Enabled(r.Context(), level) {
		attrs := make([]slog.Attr, 0, 8)
		attrs = append(attrs, slog.Int("status", status))
		if rc.logAttrs != nil {
			attrs = rc.logAttrs(attrs, r, ev)
		}
		if err != nil {
			attrs = append(attrs, slog.String("error", err.Error()))
		}
		rc.logger.LogAttrs(r.Context(), level, msg, attrs...)
	}
	if status < 300 {
		w.WriteHeader(status)
		return
	}
	http.Error(w, http.StatusText(status), status)
}

// The setters below check a value before storing it in c, so that every vendor's options of the
// same name (DESIGN §4) refuse the same values with the same words: each error starts with the name
// of the vendor option that calls the setter.

// SetReplayWindow sets Window; it fails on a window that is not positive (a vendor whose events carry
// no time has no replay window to set) ("WithReplayWindow: …").
func (c *ReceiverConfig[E]) SetReplayWindow(d time.Duration) error {
	if d <= 0 {
		return fmt.Errorf("WithReplayWindow: %s is not positive", d)
	}
	c.Window = d
	return nil
}

// SetClock sets Now; it fails on a nil clock ("WithClock: …").
func (c *ReceiverConfig[E]) SetClock(now func() time.Time) error {
	if now == nil {
		return errors.New("WithClock: nil clock")
	}
	c.Now = now
	return nil
}

// SetDeduper sets Deduper; it fails on a nil one ("WithDeduper: …").
func (c *ReceiverConfig[E]) SetDeduper(d Deduper) error {
	if d == nil {
		return errors.New("WithDeduper: nil Deduper")
	}
	c.Deduper = d
	return nil
}

// SetLogger sets Logger; nil keeps the receiver silent. It accepts every logger, and returns an error
// only so that a vendor's WithWebhookLogger is one line over it, like the other options.
func (c *ReceiverConfig[E]) SetLogger(logger *slog.Logger) error {
	c.Logger = logger
	return nil
}

// SetMaxBodyBytes sets MaxBodyBytes; it fails on a cap that is not positive ("WithMaxBodyBytes: …").
func (c *ReceiverConfig[E]) SetMaxBodyBytes(n int64) error {
	if n <= 0 {
		return fmt.Errorf("WithMaxBodyBytes: %d is not positive", n)
	}
	c.MaxBodyBytes = n
	return nil
}

// btoi is 1 for true.
func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
