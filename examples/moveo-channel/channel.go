package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/botbridge/botbridge/examples/internal/demo"
	"github.com/botbridge/botbridge/handoff"
	"github.com/botbridge/botbridge/moveo"
)

// webhookPath is where the channel receives Moveo's events: the
// integration's webhook_url points here.
const webhookPath = "/webhooks/moveo"

// channel is one user's chat through a Moveo custom channel: what the user
// types goes to Moveo with the Client, and everything Moveo says comes
// back through the webhook endpoint to the screen.
type channel struct {
	client *moveo.Client
	screen *screen
	// external is the channel's own id for the chat, which Moveo echoes
	// in every event; session is Moveo's, replaced when Moveo ends it.
	external, session string
	// settle returns once Moveo's events about what was just sent have
	// been shown. Offline it waits for the fake's deliveries, so that the
	// transcript reads in order; against the real Moveo, replies show up
	// when they come.
	settle func(context.Context) error
}

// newChannel returns the chat and its webhook endpoint, an http.Handler
// that serves webhookPath.
func newChannel(client *moveo.Client, secret, external string, now func() time.Time, t *demo.Transcript) (*channel, http.Handler, error) {
	ctl, err := handoff.New(nil, handoff.WithClock(now))
	if err != nil {
		return nil, nil, err
	}
	c := &channel{client: client, screen: newScreen(t, ctl, external), external: external,
		settle: func(context.Context) error { return nil }}
	h, err := moveo.NewWebhookHandler(secret, c.screen.handle, moveo.WithClock(now))
	if err != nil {
		return nil, nil, fmt.Errorf("webhook handler: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle(webhookPath, h)
	return c, mux, nil
}

func (c *channel) newSession() moveo.CreateSessionRequest {
	return moveo.CreateSessionRequest{ExternalSessionID: c.external, ChannelUserID: "terminal-user"}
}

// open starts the chat's Moveo session.
func (c *channel) open(ctx context.Context) error {
	s, err := c.client.CreateSession(ctx, c.newSession())
	if err != nil {
		return fmt.Errorf("open a session: %w", err)
	}
	c.session = s.SessionID
	return nil
}

// say sends what the user typed; a number picks one of the choices the
// AI agent offered last.
func (c *channel) say(ctx context.Context, line string) error {
	text := line
	if choice, ok := c.screen.choice(line); ok {
		text = choice
		line += " → " + choice
	}
	c.screen.t.Say("you", line)
	// A session Moveo ended (after its session_timeout without activity)
	// is replaced by a new one with the same external id: the chat goes on.
	sent, err := c.client.SendMessageOrRenew(ctx, c.session, moveo.UserMessage{Text: text}, c.newSession())
	if sent != nil && sent.Renewed != nil {
		c.session = sent.Renewed.SessionID
	}
	if err != nil {
		return fmt.Errorf("send %q: %w", text, err)
	}
	return c.settle(ctx)
}

// end closes the session: the user has left the chat.
func (c *channel) end(ctx context.Context) error {
	c.screen.t.Note("the user left: the channel closes its session")
	err := c.client.CloseSession(ctx, c.session)
	if errors.Is(err, moveo.ErrSessionNotFound) {
		return nil // it had ended already
	}
	if err != nil {
		return fmt.Errorf("close the session: %w", err)
	}
	return c.settle(ctx)
}
