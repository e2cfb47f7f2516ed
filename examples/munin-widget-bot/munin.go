package main

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/botbridge/botbridge/examples/internal/demo"
	"github.com/botbridge/botbridge/examples/internal/widgetbot"
	"github.com/botbridge/botbridge/munin"
	"github.com/botbridge/botbridge/munin/munintest"
)

// muninConn is the Munin the service talks to: the fake, in-process, or
// the real one.
type muninConn struct {
	fake    *munintest.Server // nil for the real Munin
	baseURL string
	widget  *munin.WidgetClient
	admin   *munin.Client
	clock   func() time.Time // the fake's, so its 30 minutes can pass at once
	secret  string           // the real Munin's webhook secret
}

// connect starts the fake Munin, or reads the real one's keys from the
// environment, and makes the two clients.
func connect(ctx context.Context, c config) (*muninConn, error) {
	m := &muninConn{baseURL: c.baseURL, clock: time.Now}
	var widgetKey, adminKey, channel, origin string
	if c.baseURL == "" {
		fake, err := munintest.New()
		if err != nil {
			return nil, fmt.Errorf("start the fake Munin: %w", err)
		}
		m.fake, m.baseURL, m.clock = fake, fake.URL, fake.Clock().Now
		widgetKey, adminKey, channel, origin = fake.Channel().WidgetKey, fake.AdminKey(), fake.Channel().ID, munintest.DefaultOrigin
	} else {
		if c.channel == "" || c.origin == "" {
			return nil, fmt.Errorf("%w: -base-url needs -channel and -origin", demo.ErrUsage)
		}
		var err error
		if widgetKey, err = demo.Secret("MUNIN_WIDGET_KEY"); err != nil {
			return nil, err
		}
		if adminKey, err = demo.Secret("MUNIN_ADMIN_KEY"); err != nil {
			return nil, err
		}
		if m.secret, err = demo.Secret("MUNIN_WEBHOOK_SECRET"); err != nil {
			return nil, err
		}
		channel, origin = c.channel, c.origin
	}
	var err error
	m.widget, err = munin.NewWidgetClient(widgetKey, munin.WithBaseURL(m.baseURL),
		munin.WithOrigin(origin), munin.WithChannel(channel))
	if err == nil {
		m.admin, err = munin.NewClient(adminKey, munin.WithBaseURL(m.baseURL))
	}
	if err != nil {
		m.close()
		return nil, fmt.Errorf("munin client: %w", err)
	}
	return m, nil
}

// webhooks makes the handler of Munin's webhooks. The fake's subscription
// is created here, for the service's own URL, and returns the secret; with
// the real Munin, the webhook was created once in Munin (pointing at
// <public URL>/webhooks/munin) and its secret is in the environment.
func (m *muninConn) webhooks(ctx context.Context, bot *widgetbot.Bot, serviceURL string) (http.Handler, error) {
	if m.fake == nil {
		return bot.Handler(m.secret)
	}
	return bot.Subscribe(ctx, serviceURL+"/webhooks/munin", munin.WithClock(m.clock))
}

// describe says which Munin it is, without a key.
func (m *muninConn) describe() string {
	if m.fake != nil {
		return "a fake Munin (munintest) at " + m.fake.URL
	}
	return m.baseURL
}

func (m *muninConn) close() {
	if m.admin != nil {
		m.admin.Close()
	}
	if m.fake != nil {
		m.fake.Close()
	}
}
