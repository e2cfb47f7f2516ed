package fakeserver

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"time"
)

// Config is the part of a fake's configuration every fake has. A fake's
// own config embeds it, and its exported options adapt an Option of this
// package, keeping their own documentation.
type Config struct {
	Clock           *Clock          // nil: the fake makes a NewRealClock
	Schedule        []time.Duration // waits between webhook delivery attempts
	DeliveryTimeout time.Duration   // real time one delivery attempt may take
	DeliveryClient  *http.Client    // nil: the fake's own
	Latency         time.Duration   // real time added before every answer
	Logger          *slog.Logger    // nil: the fake is silent
}

// Option sets a field of Config, or says why it cannot: the error is the
// one the fake's New returns.
type Option func(*Config) error

// Shared gives the Config a fake's own config embeds, so that Lift can
// reach it.
func (c *Config) Shared() *Config { return c }

// Lift turns o into an option of a fake whose config C embeds Config, so a
// fake's exported option is one line that keeps its own documentation:
//
//	func WithLatency(d time.Duration) Option { return fakeserver.Lift[*config](fakeserver.WithLatency(d)) }
func Lift[C interface{ Shared() *Config }](o Option) func(C) error {
	return func(c C) error { return o(c.Shared()) }
}

// WithClock sets Config.Clock; a nil clock is an error.
func WithClock(clock *Clock) Option {
	return func(c *Config) error {
		if clock == nil {
			return errors.New("WithClock: nil clock")
		}
		c.Clock = clock
		return nil
	}
}

// WithDeliverySchedule sets Config.Schedule to a copy of backoffs; a
// negative backoff is an error.
func WithDeliverySchedule(backoffs ...time.Duration) Option {
	return func(c *Config) error {
		for _, b := range backoffs {
			if b < 0 {
				return fmt.Errorf("WithDeliverySchedule: negative backoff %s", b)
			}
		}
		c.Schedule = slices.Clone(backoffs)
		return nil
	}
}

// WithDeliveryTimeout sets Config.DeliveryTimeout; d must be positive.
func WithDeliveryTimeout(d time.Duration) Option {
	return func(c *Config) error {
		if d <= 0 {
			return fmt.Errorf("WithDeliveryTimeout: %s is not positive", d)
		}
		c.DeliveryTimeout = d
		return nil
	}
}

// WithDeliveryClient sets Config.DeliveryClient; a nil client is an error.
func WithDeliveryClient(hc *http.Client) Option {
	return func(c *Config) error {
		if hc == nil {
			return errors.New("WithDeliveryClient: nil client")
		}
		c.DeliveryClient = hc
		return nil
	}
}

// WithLatency sets Config.Latency; a negative d is an error.
func WithLatency(d time.Duration) Option {
	return func(c *Config) error {
		if d < 0 {
			return fmt.Errorf("WithLatency: %s is negative", d)
		}
		c.Latency = d
		return nil
	}
}

// WithLogger sets Config.Logger; nil keeps the fake silent.
func WithLogger(logger *slog.Logger) Option {
	return func(c *Config) error {
		c.Logger = logger
		return nil
	}
}

var errNilOption = errors.New("nil Option")

// Configure runs a fake's options on its config cfg (Apply) and then gives
// the shared part the defaults it lacks (FillDefaults). The error is the
// first option's.
func Configure[C interface{ Shared() *Config }, O ~func(C) error](cfg C, opts []O) error {
	for _, opt := range opts {
		if opt == nil {
			return errNilOption
		}
		if err := opt(cfg); err != nil {
			return err
		}
	}
	cfg.Shared().FillDefaults()
	return nil
}

// FillDefaults gives c the defaults of the fields that have one when
// unset: a NewRealClock, a logger that discards everything, and a
// delivery client of its own (NewDeliveryClient).
func (c *Config) FillDefaults() {
	if c.Clock == nil {
		c.Clock = NewRealClock()
	}
	if c.DeliveryClient == nil {
		c.DeliveryClient = NewDeliveryClient()
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

// NewDeliveryClient returns the client a fake makes its own calls with when
// the test gives none: no proxy (the receivers are on loopback), and a few
// idle connections kept per receiver. Server.Close closes them.
func NewDeliveryClient() *http.Client {
	return &http.Client{Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 4}}
}
