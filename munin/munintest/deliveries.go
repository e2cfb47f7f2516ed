package munintest

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/botbridge/botbridge/internal/fakeserver"
	"github.com/botbridge/botbridge/webhookverify"
)

// Webhook deliveries (munin-api-reference.md §3.2). Each queued delivery
// runs in its own goroutine: attempt, and on a non-2xx answer, a network
// error or a timeout, wait on the server's Clock for the next slot of the
// schedule, up to the last attempt. The delivery id, the body and (unless
// the secret is rotated in between) the signature are the same on every
// attempt. Close stops the waiting and waits for the goroutines.

type delivery struct {
	id, webhookID, eventID, eventType string
	body                              []byte
	attempt                           int
	statusCode, durationMs            *int
	errText                           string
	deliveredAt, nextAttemptAt        *time.Time
	createdAt                         time.Time
	inFlight                          bool
	removed                           bool // its webhook was deleted
	history                           []DeliveryAttempt
}

// status is Munin's rolled-up status: pending until it is settled, then
// delivered (2xx) or failed.
func (d *delivery) status() string {
	switch {
	case d.deliveredAt == nil:
		return "pending"
	case d.statusCode != nil && *d.statusCode >= 200 && *d.statusCode < 300:
		return "delivered"
	}
	return "failed"
}

// Delivery is a webhook delivery: one event to one subscription, with every
// attempt made so far.
type Delivery struct {
	ID        string // "whd_…", the x-munin-delivery-id header
	WebhookID string // "whk_…"
	EventID   string // "evt_…", Event.ID
	EventType string // the x-munin-event header
	// Status is "pending" (more attempts may come), "delivered" or
	// "failed" (attempts exhausted, or the webhook was deactivated).
	Status     string
	Attempt    int       // attempts made
	StatusCode int       // of the last attempt; 0 when it got no answer
	Error      string    // of the last attempt, such as "non-2xx: 500"
	CreatedAt  time.Time // when the event was emitted
	// NextAttemptAt is when the next attempt is due on the server's
	// Clock; zero when none is.
	NextAttemptAt time.Time
	// Body is the exact body every attempt sends.
	Body []byte
	// Attempts are the attempts made so far, oldest first.
	Attempts []DeliveryAttempt
}

// DeliveryAttempt is one POST of a delivery.
type DeliveryAttempt struct {
	At         time.Time     // on the server's Clock
	URL        string        // the webhook's URL when the attempt was made
	Header     http.Header   // as sent, x-munin-signature included
	StatusCode int           // 0 when there was no answer
	Error      string        // "" on a 2xx
	Duration   time.Duration // real time until the answer or the failure
}

// queueDeliveryLocked records a delivery and starts its goroutine.
func (s *Server) queueDeliveryLocked(w *webhook, ev *event) {
	now := ev.createdAt
	d := &delivery{
		id: newID("whd"), webhookID: w.id, eventID: ev.id, eventType: ev.typ,
		body: ev.body, createdAt: now, nextAttemptAt: &now,
	}
	s.st.deliveries = append(s.st.deliveries, d)
	if s.closed {
		return // stays pending: nothing runs after Close
	}
	s.base.Go(func() { s.deliver(d) })
}

// deliver runs one delivery's attempts.
func (s *Server) deliver(d *delivery) {
	for {
		s.mu.Lock()
		if d.removed || d.deliveredAt != nil {
			s.mu.Unlock()
			return
		}
		due := *d.nextAttemptAt
		s.mu.Unlock()
		if !s.base.WaitUntil(s.clock, due) {
			return // closed
		}

		s.mu.Lock()
		w := s.st.webhooks[d.webhookID]
		if d.removed || w == nil {
			s.mu.Unlock()
			return
		}
		if !w.active {
			now := s.now()
			d.deliveredAt, d.nextAttemptAt, d.errText = &now, nil, "webhook_disabled"
			s.st.notifyLocked()
			s.mu.Unlock()
			return
		}
		d.inFlight = true
		url, secret := w.url, w.secret
		s.mu.Unlock()

		at := s.now()
		a := s.attempt(d, url, secret)
		a.At = at

		s.mu.Lock()
		d.inFlight = false
		d.attempt++
		d.history = append(d.history, a)
		d.durationMs = intPtr(int(a.Duration / time.Millisecond))
		d.statusCode = nil
		if a.StatusCode != 0 {
			d.statusCode = intPtr(a.StatusCode)
		}
		d.errText = a.Error
		now := s.now()
		switch {
		case a.Error == "":
			d.deliveredAt, d.nextAttemptAt = &now, nil
		case d.attempt > len(s.cfg.Schedule):
			d.deliveredAt, d.nextAttemptAt = &now, nil
		default:
			next := now.Add(s.cfg.Schedule[d.attempt-1])
			d.nextAttemptAt = &next
		}
		s.st.notifyLocked()
		s.mu.Unlock()
		s.logger.LogAttrs(context.Background(), slog.LevelDebug, "munintest webhook delivery",
			slog.String("delivery_id", d.id), slog.String("event", d.eventType),
			slog.Int("attempt", d.attempt), slog.Int("status", a.StatusCode), slog.String("error", a.Error))
	}
}

// attempt POSTs the delivery once.
func (s *Server) attempt(d *delivery, url, secret string) DeliveryAttempt {
	o := s.base.Post(s.ctx, s.cfg.DeliveryClient, fakeserver.Outgoing{
		URL: url, Body: d.body, Timeout: s.cfg.DeliveryTimeout,
		Header: http.Header{
			"X-Munin-Signature":   {webhookverify.Sign([]byte(secret), d.body)},
			"X-Munin-Event":       {d.eventType},
			"X-Munin-Delivery-Id": {d.id},
			"User-Agent":          {"node"},
		},
	})
	a := DeliveryAttempt{URL: url, Header: o.Header, StatusCode: o.Status, Duration: o.Duration}
	switch {
	case o.Err != nil && o.Header == nil: // no request could be built
		a.Error = o.Err.Error()
	case o.TimedOut || errors.Is(o.Err, context.DeadlineExceeded):
		a.Error = "TimeoutError: The operation was aborted due to timeout"
	case o.Err != nil:
		a.Error = "fetch failed: " + o.Err.Error()
	case o.Status < 200 || o.Status > 299:
		a.Error = "non-2xx: " + strconv.Itoa(o.Status)
	}
	return a
}

func intPtr(n int) *int { return &n }

func (d *delivery) snapshot() Delivery {
	out := Delivery{
		ID: d.id, WebhookID: d.webhookID, EventID: d.eventID, EventType: d.eventType,
		Status: d.status(), Attempt: d.attempt, Error: d.errText, CreatedAt: d.createdAt,
		Body: slices.Clone(d.body), Attempts: slices.Clone(d.history),
	}
	if d.statusCode != nil {
		out.StatusCode = *d.statusCode
	}
	if d.nextAttemptAt != nil && d.deliveredAt == nil {
		out.NextAttemptAt = *d.nextAttemptAt
	}
	for i := range out.Attempts {
		out.Attempts[i].Header = out.Attempts[i].Header.Clone()
	}
	return out
}

func (d *delivery) json() deliveryJSON {
	return deliveryJSON{
		ID: d.id, WebhookID: d.webhookID, EventID: d.eventID, Attempt: d.attempt,
		StatusCode: d.statusCode, DurationMs: d.durationMs, Error: null(d.errText),
		DeliveredAt: isoPtr(d.deliveredAt), NextAttemptAt: isoPtr(d.nextAttemptAt),
		CreatedAt: iso(d.createdAt), Status: d.status(),
	}
}

// Deliveries returns every webhook delivery so far, oldest first, except
// those of deleted webhooks (Munin deletes their pending ones; the fake
// drops them all).
func (s *Server) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Delivery
	for _, d := range s.st.deliveries {
		if !d.removed {
			out = append(out, d.snapshot())
		}
	}
	return out
}

// ErrClosed is returned by WaitDeliveries once the server is closed.
var ErrClosed = errors.New("munintest: server closed")

// WaitDeliveries waits until no webhook delivery has an attempt in flight
// or due at the Clock's current time: every delivery queued so far has been
// delivered, has failed for good, or waits for a retry that is not due yet.
// It returns ctx's error if ctx ends first.
//
// After a request that emits events, WaitDeliveries returns once the first
// attempts are over. A failed attempt leaves its retry due later; advancing
// the Clock past it and calling WaitDeliveries again waits for that retry.
// Nothing here sleeps: with a fake Clock, retries run only when the test
// advances it.
func (s *Server) WaitDeliveries(ctx context.Context) error {
	return fakeserver.WaitLocked(ctx, s.clock, &s.mu, &s.st.changed, func() (bool, error) {
		if s.closed {
			return false, ErrClosed
		}
		now := s.now()
		for _, d := range s.st.deliveries {
			if d.removed || d.deliveredAt != nil {
				continue
			}
			if d.inFlight || !d.nextAttemptAt.After(now) {
				return false, nil
			}
		}
		return true, nil
	})
}
