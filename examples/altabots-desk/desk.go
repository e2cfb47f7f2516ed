package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/botbridge/botbridge/altabots"
	"github.com/botbridge/botbridge/examples/internal/demo"
	"github.com/botbridge/botbridge/handoff"
)

// commands is the operator's help, shown for a line the desk does not
// understand.
const commands = "type text to answer the current conversation; /close closes it; " +
	"/to <id> (or the start of one) switches conversation; /list lists them"

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
	current string          // the conversation the operator's lines go to; "" for none
	open    map[string]bool // conversations AltaBots handed over and nobody closed yet
}

func newDesk(client *altabots.Client, ctl *handoff.Controller, now func() time.Time, t *demo.Transcript) *desk {
	return &desk{client: client, ctl: ctl, now: now, t: t, open: map[string]bool{}}
}

// Establish accepts a handed-over conversation and shows the operator who
// the user is and their talk with the bot so far. Answering nil tells
// AltaBots the desk took it; the first reply is due within 60 s.
func (d *desk) Establish(ctx context.Context, req *altabots.EstablishRequest) error {
	d.mu.Lock()
	d.open[req.ConversationID] = true
	// A new handoff does not steal the operator's attention from one
	// they are answering: a line typed for Bob must not reach Ann.
	switched := d.current == ""
	if switched {
		d.current = req.ConversationID
	}
	d.mu.Unlock()

	d.t.Section("AltaBots hands over conversation %s (agent %s, %s):", req.ConversationID, req.BotID, timeOfDay(req.Timestamp.Time()))
	d.t.Note("the user: %s", user(req))
	for _, m := range req.Body {
		who := "user"
		if m.Type == altabots.Answer {
			who = "bot"
		}
		if m.Text == "" {
			m.Text = "(no text)" // AltaBots' own example hands over an empty ANSWER
		}
		d.t.Say(d.label(who, req.ConversationID), m.Text)
	}
	if !switched {
		d.t.Note("you are still answering %s: /to %s answers this one", d.currentID(), req.ConversationID)
	}
	return d.observe(ctx, req)
}

// Chat shows what the user wrote.
func (d *desk) Chat(ctx context.Context, req *altabots.ChatRequest) error {
	d.t.Say(d.label("user", req.ConversationID), req.Body)
	return d.observe(ctx, req)
}

// Close learns that AltaBots closed the conversation, and why: the user
// closed it, or it timed out (which includes a desk that did not reply
// within AltaBots' 60 s).
func (d *desk) Close(ctx context.Context, req *altabots.CloseRequest) error {
	why := "the user closed it"
	if req.Type == altabots.CloseTimeout {
		why = "it timed out"
	}
	d.t.Note("AltaBots closed %s (%s): %s", req.ConversationID, req.Type, why)
	d.forget(req.ConversationID)
	return d.observe(ctx, req)
}

// observe feeds what AltaBots said to the handoff controller.
func (d *desk) observe(ctx context.Context, req any) error {
	for _, ev := range altabots.HandoffEvents(req) {
		if _, err := d.ctl.Observe(ctx, ev); err != nil {
			return fmt.Errorf("handoff: %w", err)
		}
	}
	return nil
}

// handle is one line the operator typed: a reply to the current
// conversation, or one of the commands.
func (d *desk) handle(ctx context.Context, line string) error {
	cmd, arg, _ := strings.Cut(line, " ")
	if !strings.HasPrefix(cmd, "/") {
		return d.reply(ctx, line)
	}
	switch cmd {
	case "/close":
		return d.closeCurrent(ctx)
	case "/to":
		d.to(strings.TrimSpace(arg))
	case "/list":
		d.list()
	default:
		d.t.Note("%s is not a command: %s", cmd, commands)
	}
	return nil
}

// reply sends the operator's text to the current conversation's user.
// A successful SendMessage also cancels the handler's automatic reply.
func (d *desk) reply(ctx context.Context, text string) error {
	conv := d.currentID()
	if conv == "" {
		d.t.Note("no conversation to answer: wait for AltaBots to hand one over, or /list")
		return nil
	}
	if err := d.client.SendMessage(ctx, conv, text); err != nil {
		return fmt.Errorf("reply in %s: %w", conv, err)
	}
	d.t.Say(d.label("operator", conv), text)
	_, err := d.ctl.Observe(ctx, altabots.ReplyEvent(conv, d.now()))
	return err
}

// closeCurrent ends the current conversation from the desk: AltaBots
// stops relaying, and the bot has the user again.
func (d *desk) closeCurrent(ctx context.Context) error {
	conv := d.currentID()
	if conv == "" {
		d.t.Note("no conversation to close")
		return nil
	}
	if err := d.client.Close(ctx, conv); err != nil {
		return fmt.Errorf("close %s: %w", conv, err)
	}
	d.t.Note("the desk closed %s", conv)
	d.forget(conv)
	_, err := d.ctl.Observe(ctx, altabots.DeskClosedEvent(conv, d.now()))
	return err
}

// to makes the open conversation whose id starts with prefix the current
// one: ids are 24 hex characters, and nobody wants to type them whole.
func (d *desk) to(prefix string) {
	d.mu.Lock()
	var match []string
	for id := range d.open {
		if prefix != "" && strings.HasPrefix(id, prefix) {
			match = append(match, id)
		}
	}
	if len(match) == 1 {
		d.current = match[0]
	}
	d.mu.Unlock()
	if len(match) != 1 {
		d.t.Note("/to %q: %d open conversations match; /list shows them", prefix, len(match))
		return
	}
	d.t.Note("now answering %s", match[0])
}

// list shows the open conversations.
func (d *desk) list() {
	d.mu.Lock()
	ids := make([]string, 0, len(d.open))
	for id := range d.open {
		mark := " "
		if id == d.current {
			mark = "*"
		}
		ids = append(ids, mark+id)
	}
	d.mu.Unlock()
	slices.Sort(ids)
	d.t.Note("%d open conversation(s), * is the current one: %s", len(ids), strings.Join(ids, ", "))
}

// forget drops a closed conversation; the operator's next lines go nowhere
// until they choose another.
func (d *desk) forget(conv string) {
	d.mu.Lock()
	delete(d.open, conv)
	wasCurrent, others := d.current == conv, len(d.open)
	if wasCurrent {
		d.current = ""
	}
	d.mu.Unlock()
	if wasCurrent && others > 0 {
		d.t.Note("%d other conversation(s) open: /list, then /to <id>", others)
	}
}

func (d *desk) currentID() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.current
}

// label is who as the transcript shows them: with the conversation's id
// when it is not the current one, so that lines from several users can be
// told apart.
func (d *desk) label(who, conv string) string {
	if d.currentID() == conv {
		return who
	}
	return who + " in " + conv
}

// user describes the user AltaBots hands over, from user_info.
func user(req *altabots.EstablishRequest) string {
	u := req.UserInfo
	var parts []string
	for _, f := range [][2]string{{"email", u.Email}, {"user_id", u.UserID}, {"anonymous_id", u.AnonymousID}} {
		if f[1] != "" {
			parts = append(parts, f[0]+" "+f[1])
		}
	}
	if u.Phone != nil { // AltaBots sends one only for WhatsApp users
		parts = append(parts, "phone "+*u.Phone)
	}
	if len(parts) == 0 && req.Email != "" {
		parts = append(parts, "email "+req.Email)
	}
	if len(parts) == 0 {
		return "anonymous"
	}
	return strings.Join(parts, ", ")
}

// timeOfDay prints a time of day as the desk's transcript shows it.
func timeOfDay(at time.Time) string { return at.UTC().Format(time.TimeOnly) }
