package moveotest

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/botbridge/botbridge/internal/fakeserver"
	"github.com/botbridge/botbridge/webhookverify"
)

// Webhook deliveries (moveo-api-notes.md, "Webhook security and
// delivery"). Each event to deliver gets its own goroutine: attempt, and on
// a 5xx, a timeout or a network error wait on the server's Clock for the
// next slot of the schedule, up to the last attempt. A 4xx is a permanent
// failure and a 2xx is done. The body is the same on every attempt; the URL
// and secret are the integration's at the time of the attempt.

// Delivery statuses, Delivery.Status.
const (
	DeliveryPending   = "pending"   // more attempts may come
	DeliveryDelivered = "delivered" // a 2xx answer
	DeliveryFailed    = "failed"    // a 4xx, attempts exhausted, or no webhook URL
)

type delivery struct {
	ev          *event
	status      string
	attempts    []DeliveryAttempt
	nextAttempt time.Time // when pending
	inFlight    bool
}

// Delivery is the delivery of one event to the webhook URL, with every
// attempt made so far.
type Delivery struct {
	EventType string // event_type
	RequestID string // request_id of the event
	SessionID string // session_id of the event
	// Status is DeliveryPending, DeliveryDelivered or DeliveryFailed.
	Status string
	// NextAttemptAt is when the next attempt is due on the server's Clock;
	// zero unless Status is DeliveryPending.
	NextAttemptAt time.Time
	// Body is the exact body every attempt sends.
	Body []byte
	// Attempts are the attempts made so far, oldest first.
	Attempts []DeliveryAttempt
}

// DeliveryAttempt is one POST of a delivery.
type DeliveryAttempt struct {
	At         time.Time     // on the server's Clock
	URL        string        // the webhook URL the attempt went to
	Header     http.Header   // as sent, X-Moveo-Signature included when signed
	StatusCode int           // 0 when there was no answer
	Error      string        // "" on a 2xx
	Duration   time.Duration // real time until the answer or the failure
}

// queueDeliveryLocked records a delivery and starts its goroutine.
func (s *Server) queueDeliveryLocked(ev *event) {
	d := &delivery{ev: ev, status: DeliveryPending, nextAttempt: s.now()}
	s.deliveries = append(s.deliveries, d)
	if s.closed {
		return // stays pending: nothing runs after Close
	}
	s.base.Go(func() { s.deliver(d) })
}

// deliver runs one delivery's attempts.
func (s *Server) deliver(d *delivery) {
	for {
		s.mu.Lock()
		due := d.nextAttempt
		s.mu.Unlock()
		if !s.base.WaitUntil(s.clock, due) {
			return // closed
		}

		s.mu.Lock()
		target, secret := s.webhookURL, s.webhookSecret
		if target == "" {
			d.status, d.nextAttempt = DeliveryFailed, time.Time{}
			s.notifyLocked()
			s.mu.Unlock()
			return
		}
		d.inFlight = true
		s.mu.Unlock()

		at := s.now()
		a := s.attempt(d.ev, target, secret)
		a.At = at

		s.mu.Lock()
		d.inFlight = false
		d.attempts = append(d.attempts, a)
		retry := false
		switch {
		case a.StatusCode >= 200 && a.StatusCode <= 299:
			d.status = DeliveryDelivered
		case a.StatusCode >= 400 && a.StatusCode <= 499: // permanent
			d.status = DeliveryFailed
		case len(d.attempts) > len(s.cfg.Schedule):
			d.status = DeliveryFailed
		default:
			retry = true
			d.nextAttempt = s.now().Add(s.cfg.Schedule[len(d.attempts)-1])
		}
		if !retry {
			d.nextAttempt = time.Time{}
		}
		s.notifyLocked()
		s.mu.Unlock()
		s.logger.LogAttrs(context.Background(), slog.LevelDebug, "moveotest webhook delivery",
			slog.String("event_type", d.ev.Type), slog.String("request_id", d.ev.RequestID),
			slog.Int("attempt", len(d.attempts)), slog.Int("status", a.StatusCode), slog.String("error", a.Error))
		if !retry {
			return
		}
	}
}

// attempt POSTs the event once.
func (s *Server) attempt(ev *event, target, secret string) DeliveryAttempt {
	header := http.Header{}
	if secret != "" {
		header.Set("X-Moveo-Signature", Sign(secret, ev.Body))
	}
	o := s.base.Post(s.ctx, s.cfg.DeliveryClient, fakeserver.Outgoing{
		URL: target, Body: ev.Body, Header: header, Timeout: s.cfg.DeliveryTimeout,
	})
	a := DeliveryAttempt{URL: target, Header: o.Header, StatusCode: o.Status, Duration: o.Duration}
	switch {
	case o.TimedOut:
		a.Error = "timeout after " + s.cfg.DeliveryTimeout.String()
	case o.Err != nil:
		a.Error = o.Err.Error()
	case o.Status < 200 || o.Status > 299:
		a.Error = "HTTP " + strconv.Itoa(o.Status)
	}
	return a
}

// Sign returns the X-Moveo-Signature of body under secret: the lowercase
// hex HMAC-SHA256 of the raw body, without the "sha256=" prefix other
// vendors use (moveo-api-notes.md, "Webhook security and delivery"). Tests
// use it to build signed requests for a webhook handler.
func Sign(secret string, body []byte) string {
	return strings.TrimPrefix(webhookverify.Sign([]byte(secret), body), "sha256=")
}

func (d *delivery) snapshot() Delivery {
	out := Delivery{
		EventType: d.ev.Type, RequestID: d.ev.RequestID, SessionID: d.ev.SessionID,
		Status: d.status, NextAttemptAt: d.nextAttempt,
		Body: slices.Clone(d.ev.Body), Attempts: slices.Clone(d.attempts),
	}
	for i := range out.Attempts {
		out.Attempts[i].Header = out.Attempts[i].Header.Clone()
	}
	return out
}

// Deliveries returns every webhook delivery so far, oldest first.
func (s *Server) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweepLocked()
	out := make([]Delivery, len(s.deliveries))
	for i, d := range s.deliveries {
		out[i] = d.snapshot()
	}
	return out
}

// ErrClosed is returned by WaitDeliveries once the server is closed.
var ErrClosed = errors.New("moveotest: server closed")

// WaitDeliveries waits until no webhook delivery has an attempt in flight
// or due at the Clock's current time: every delivery queued so far has been
// delivered, has failed for good, or waits for a retry that is not due yet.
// It first expires the sessions whose timeout has passed on the Clock, so
// their session:expired deliveries are waited for too. It returns ctx's
// error if ctx ends first.
//
// The brain's reply is queued before the user message's 202 is sent, so
// after a request WaitDeliveries returns once the first attempts of
// everything it caused are over. A failed attempt leaves its retry due
// later; advancing the Clock past it and calling WaitDeliveries again waits
// for that retry. Nothing here sleeps: with a fake Clock, retries run only
// when the test advances it.
func (s *Server) WaitDeliveries(ctx context.Context) error {
	return fakeserver.WaitLocked(ctx, s.clock, &s.mu, &s.changed, func() (bool, error) {
		if s.closed {
			return false, ErrClosed
		}
		s.sweepLocked()
		now := s.now()
		for _, d := range s.deliveries {
			if d.status == DeliveryPending && (d.inFlight || !d.nextAttempt.After(now)) {
				return false, nil
			}
		}
		return true, nil
	})
}
