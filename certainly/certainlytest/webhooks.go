package certainlytest

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/botbridge/botbridge/internal/fakeserver"
)

// Webhook calls. Certainly POSTs the claim (the handover page, step 1B)
// and the user's messages in listen mode (step 4) to the URLs configured
// with WithWebhooks. The Webhook Builder waits for the answer, 5 s by
// default; the fake calls synchronously, from UserSays and UserAsksForHuman,
// once, without retries, and reports the answer to the caller.

// The webhooks, Delivery.Webhook.
const (
	WebhookClaim   = "claim"   // the claim for a human, UserAsksForHuman
	WebhookMessage = "message" // a user message in listen mode (every message with WithEveryMessage), UserSays
)

// ErrNoWebhook is returned by UserSays and UserAsksForHuman when the
// webhook they need was not set with WithWebhooks. The user's message is
// still recorded.
var ErrNoWebhook = errors.New("certainlytest: webhook not configured (see WithWebhooks)")

// maxResponseBytes caps the webhook answer a Delivery keeps.
const maxResponseBytes = 64 << 10

// Delivery is one webhook call the server made.
type Delivery struct {
	Webhook string // WebhookClaim or WebhookMessage
	UserID  string // the end user it is about
	URL     string
	// Header is the request's headers as sent, with the values of the
	// headers the webhook auth function set replaced by "[REDACTED]"
	// (Authorization keeps its scheme: "Bearer [REDACTED]").
	Header http.Header
	Body   []byte // the exact body sent
	// StatusCode is the answer's status; 0 when there was none.
	StatusCode int
	// Response is the answer's body, up to 64 KiB.
	Response []byte
	// Error says why the call failed: "" after a 2xx.
	Error string
	At    time.Time // on the server's Clock, when the call was made
}

// OK reports whether the webhook answered 2xx.
func (d *Delivery) OK() bool { return d.StatusCode >= 200 && d.StatusCode <= 299 }

func (d *Delivery) clone() Delivery {
	c := *d
	c.Header, c.Body, c.Response = d.Header.Clone(), slices.Clone(d.Body), slices.Clone(d.Response)
	return c
}

// DeliveryError is the error of UserSays and UserAsksForHuman when the
// webhook call failed: no 2xx answer, a network error, or the 5 s timeout.
// Its message says which webhook and what happened; it never holds the
// webhook's credential. A call ended by the caller's context, the timeout
// or Close unwraps to that context's error (or ErrClosed).
type DeliveryError struct {
	Delivery Delivery
	err      error
}

// Error returns "certainlytest: <webhook> webhook answered <status>", or
// "certainlytest: <webhook> webhook: <why>" when there was no answer.
func (e *DeliveryError) Error() string {
	if e.Delivery.StatusCode != 0 {
		return fmt.Sprintf("certainlytest: %s webhook answered %d %s", e.Delivery.Webhook,
			e.Delivery.StatusCode, http.StatusText(e.Delivery.StatusCode))
	}
	return "certainlytest: " + e.Delivery.Webhook + " webhook: " + e.Delivery.Error
}

// Unwrap returns the context error that ended the call, if any.
func (e *DeliveryError) Unwrap() error { return e.err }

// BearerAuth returns a webhook auth function that sets
// "Authorization: Bearer <token>", a header credential of the Webhook
// Builder.
func BearerAuth(token string) func(*http.Request) {
	return HeaderAuth("Authorization", "Bearer "+token)
}

// BasicAuth returns a webhook auth function that sets HTTP Basic
// credentials, the Webhook Builder's Basic authentication.
func BasicAuth(username, password string) func(*http.Request) {
	value := "Basic " + base64.StdEncoding.EncodeToString([]byte(username+":"+password))
	return HeaderAuth("Authorization", value)
}

// HeaderAuth returns a webhook auth function that sets the header name to
// value, the Webhook Builder's header authentication (such as
// "X-Api-Key").
func HeaderAuth(name, value string) func(*http.Request) {
	return func(r *http.Request) { r.Header.Set(name, value) }
}

// deliver POSTs body to target for userID and waits for the answer. The
// call runs on the server's worker group, so Close waits for it and
// cancels it.
func (s *Server) deliver(ctx context.Context, webhook, target, userID string, body []byte) (*Delivery, error) {
	if target == "" {
		return nil, fmt.Errorf("%w: no %s webhook URL", ErrNoWebhook, webhook)
	}
	d := &Delivery{Webhook: webhook, UserID: userID, URL: target, Body: body}
	done := make(chan error, 1)
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, ErrClosed
	}
	if !s.base.Go(func() { done <- s.post(ctx, d) }) {
		s.mu.Unlock() // Close has begun; the check above makes this unreachable
		return nil, ErrClosed
	}
	d.At = s.clock.Now()
	s.deliveries = append(s.deliveries, d)
	s.mu.Unlock()

	err := <-done
	s.mu.Lock()
	s.notifyLocked()
	snap := d.clone()
	s.mu.Unlock()
	s.logger.LogAttrs(context.Background(), slog.LevelDebug, "certainlytest webhook call",
		slog.String("webhook", webhook), slog.Int("status", snap.StatusCode), slog.String("error", snap.Error))
	if snap.Error != "" {
		return nil, &DeliveryError{Delivery: snap, err: err}
	}
	return &snap, nil
}

// post makes the call and fills d's outcome under the server's lock. It
// returns the context error that ended the call, if any.
func (s *Server) post(parent context.Context, d *Delivery) error {
	o := s.base.Post(parent, s.cfg.DeliveryClient, fakeserver.Outgoing{
		URL: d.URL, Body: d.Body, Header: http.Header{"User-Agent": {"certainlytest"}},
		Auth: s.cfg.webhookAuth, Timeout: s.cfg.DeliveryTimeout, KeepAnswer: maxResponseBytes,
	})
	var (
		errText string
		cause   error
	)
	switch {
	case o.Err == nil && (o.Status < 200 || o.Status > 299):
		errText = fmt.Sprintf("HTTP %d", o.Status)
	case o.Err == nil:
	case s.ctx.Err() != nil:
		errText, cause = "server closed", ErrClosed
	case parent.Err() != nil:
		errText, cause = parent.Err().Error(), parent.Err()
	case o.TimedOut:
		errText, cause = "timeout after "+s.cfg.DeliveryTimeout.String(), context.DeadlineExceeded
	default:
		errText = o.Err.Error()
	}
	s.mu.Lock()
	d.Header, d.StatusCode, d.Response, d.Error = o.Header, o.Status, o.Answer, errText
	s.mu.Unlock()
	return cause
}
