package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/botbridge/botbridge/altabots"
	"github.com/botbridge/botbridge/examples/internal/demo"
	"github.com/botbridge/botbridge/handoff"
)

// desk is the human-service desk: an altabots.Desk that shows the operator
// each call AltaBots makes, and the operator's console that answers
// through AltaBots' API. A handoff.Controller follows who owns each
// conversation, as a desk that also runs a bot would.
type desk struct {
	client *altabots.Client
	ctl    *handoff.Controller
	now    func() time.Time
	t      *demo.Transcript

	mu      sync.Mutex
	current string          // the conversation the operator's lines go to
	open    map[string]bool // conversations AltaBots has not closed
}

func newDesk(client *altabots.Client, ctl *handoff.Controller, now func() time.Time, t *demo.Transcript) *desk {
	return &desk{client: client, ctl: ctl, now: now, t: t, open: map[string]bool{}}
}

// Establish accepts a handed-over conversation: it shows the talk with the
// bot so far and makes it the operator's current one. Answering nil tells
// AltaBots the desk took it; the first reply is due within 60 s.
func (d *desk) Establish(ctx context.Context, req *altabots.EstablishRequest) error {
	d.mu.Lock()
	d.current, d.open[req.ConversationID] = req.ConversationID, true
	d.mu.Unlock()
	d.t.Section("AltaBots hands over conversation %s from %s (%s):", req.ConversationID, req.Email, at(req.Timestamp))
	for _, m := range req.Body {
		who := "user"
		if m.Type == altabots.Answer {
			who = "bot"
		}
		if m.Text == "" {
			m.Text = "(no text)"
		}
		d.t.Say(who, m.Text)
	}
	return d.observe(ctx, req)
}

// Chat shows what the user wrote.
func (d *desk) Chat(ctx context.Context, req *altabots.ChatRequest) error {
	d.t.Say("user", req.Body)
	return d.observe(ctx, req)
}

// Close learns that AltaBots closed the conversation: the user left, or no
// reply came within the waiting time.
func (d *desk) Close(ctx context.Context, req *altabots.CloseRequest) error {
	d.mu.Lock()
	delete(d.open, req.ConversationID)
	d.mu.Unlock()
	why := "the user closed it"
	if req.Type == altabots.CloseTimeout {
		why = "no reply came within AltaBots' waiting time"
	}
	d.t.Note("AltaBots closed %s (%s): %s", req.ConversationID, req.Type, why)
	return d.observe(ctx, req)
}

// observe feeds what AltaBots said to the handoff controller.
func (d *desk) observe(ctx context.Context, req any) error {
	for _, ev := range altabots.HandoffEvents(req) {
		if _, err := d.ctl.Observe(ctx, ev); err != nil {
			return err
		}
	}
	return nil
}

// handle is one line the operator typed: a reply to the current
// conversation, or a command.
//
//	text           reply to the current conversation
//	/to <id>       make <id> the current conversation
//	/close         close the current conversation (the bot takes it back)
//	/list          list the open conversations
func (d *desk) handle(ctx context.Context, line string) error {
	d.mu.Lock()
	conv := d.current
	d.mu.Unlock()
	cmd, arg, _ := strings.Cut(line, " ")
	switch {
	case cmd == "/to":
		d.mu.Lock()
		defer d.mu.Unlock()
		if !d.open[arg] {
			d.t.Note("no open conversation %q", arg)
			return nil
		}
		d.current = arg
		return nil
	case cmd == "/list":
		d.mu.Lock()
		defer d.mu.Unlock()
		d.t.Note("open: %d conversation(s), current %s", len(d.open), d.current)
		return nil
	case conv == "":
		d.t.Note("no conversation yet: wait for AltaBots to hand one over")
		return nil
	case cmd == "/close":
		if err := d.client.Close(ctx, conv); err != nil {
			return fmt.Errorf("close %s: %w", conv, err)
		}
		d.t.Note("the desk closed %s", conv)
		_, err := d.ctl.Observe(ctx, altabots.DeskClosedEvent(conv, d.now()))
		return err
	}
	if err := d.client.SendMessage(ctx, conv, line); err != nil {
		return fmt.Errorf("reply in %s: %w", conv, err)
	}
	d.t.Say("operator", line)
	_, err := d.ctl.Observe(ctx, altabots.ReplyEvent(conv, d.now()))
	return err
}

// at prints AltaBots' millisecond timestamp.
func at(ms altabots.UnixMillis) string {
	return time.UnixMilli(int64(ms)).UTC().Format(time.TimeOnly)
}
