// Command altabots-desk is a human-service desk for AltaBots.ai: AltaBots
// hands it the conversations its agent cannot handle, and an operator
// answers them from the terminal.
//
// It serves the three calls AltaBots makes (altabots.NewHandler with the
// desk in desk.go): conversation establish, chat and close, each checked
// for the bearer token AltaBots is configured to send. AltaBots ends a
// handoff when the desk sends no reply within 60 seconds, and an operator
// is not always that fast: altabots.WithAutoReply sends a first
// acknowledgement after 45 seconds when nobody has answered. The operator's
// replies go back through altabots.Client.
//
// Without flags it runs offline against a fake AltaBots (altabotstest) on
// a fake clock, and plays a scripted conversation:
//
//	go run ./examples/altabots-desk
//	go run ./examples/altabots-desk -i                 # you are the operator
//	go run ./examples/altabots-desk -script lines.txt  # the operator's lines from a file
//
// Against the real AltaBots it serves until Ctrl-C and reads the operator's
// lines from the terminal. The secrets come from the environment, never
// from flags (which land in shell history):
//
//	export ALTABOTS_API_KEY=…      # the API key the desk replies with
//	export ALTABOTS_DESK_TOKEN=…   # the bearer token AltaBots sends to the desk
//	go run ./examples/altabots-desk -serve -addr :8080
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/botbridge/botbridge/altabots"
	"github.com/botbridge/botbridge/altabots/altabotstest"
	"github.com/botbridge/botbridge/examples/internal/demo"
	"github.com/botbridge/botbridge/handoff"
	"github.com/botbridge/botbridge/webhookverify"
)

func main() { demo.Main("altabots-desk", run) }

// autoReply is the acknowledgement the handler sends when the operator has
// not answered after autoReplyAfter.
const (
	autoReply      = "Thanks for waiting! A colleague has your conversation and will answer in a moment."
	autoReplyAfter = 45 * time.Second // AltaBots' limit is 60 s; the doc suggests 45
)

// operatorScript is what the offline operator types, one line per turn.
var operatorScript = []string{
	"Hi Bob, I'm Dana from support. Let me check order 1042.",
	"It was held at the depot and arrives tomorrow morning. I've refunded the shipping.",
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := demo.Flags("altabots-desk", "A human-service desk for AltaBots.ai: accepts handoffs, acknowledges them\n"+
		"inside AltaBots' 60 s, and lets an operator answer from the terminal. Offline (a fake AltaBots) by default;\n"+
		"with -serve, the real AltaBots, with ALTABOTS_API_KEY and ALTABOTS_DESK_TOKEN from the environment.", stderr)
	serve := fs.Bool("serve", false, "serve the real AltaBots until Ctrl-C; the operator types in the terminal")
	addr := fs.String("addr", "127.0.0.1:8080", "with -serve, where AltaBots reaches the desk")
	baseURL := fs.String("base-url", altabots.DefaultBaseURL, "with -serve, AltaBots' API ("+altabots.GPTBotsBaseURL+" for GPTBots)")
	script := demo.ScriptFlags(fs, "operator")
	if err := demo.Parse(fs, args); err != nil {
		return err
	}
	if *serve {
		return serveAltaBots(ctx, *addr, *baseURL, stdout, stderr)
	}
	lines, closeLines, err := script.Lines(ctx, operatorScript)
	if err != nil {
		return fmt.Errorf("operator lines: %w", err)
	}
	defer closeLines()
	return offline(ctx, lines, stdout, stderr)
}

// handler is the desk's endpoint for AltaBots' three calls: the bearer
// token checked in constant time, and the automatic first reply.
func handler(d *desk, token string, clock altabots.Clock, stderr io.Writer, autoReplied func(string, error)) (*altabots.Handler, error) {
	bearer, err := webhookverify.BearerToken(token)
	if err != nil {
		return nil, err
	}
	opts := []altabots.HandlerOption{
		altabots.WithAuthenticator(bearer),
		altabots.WithAutoReply(d.client, autoReply, autoReplyAfter),
		altabots.WithHooks(altabots.Hooks{
			AutoReplied: func(conv string, err error) {
				if err != nil {
					d.t.Note("the automatic first reply in %s failed: %v", conv, err)
				} else {
					d.t.Note("nobody answered for %v: the handler sent the automatic first reply", autoReplyAfter)
					d.t.Say("desk", autoReply)
				}
				if autoReplied != nil {
					autoReplied(conv, err)
				}
			},
			Refused: func(r *http.Request, status int, err error) {
				fmt.Fprintf(stderr, "altabots-desk: refused %s %s: %d: %v\n", r.Method, r.URL.Path, status, err)
			},
		}),
	}
	if clock != nil {
		opts = append(opts, altabots.WithClock(clock))
	}
	return altabots.NewHandler(d, opts...)
}

// serveAltaBots serves the real AltaBots until ctx ends; the operator's
// lines come from the terminal.
func serveAltaBots(ctx context.Context, addr, baseURL string, stdout, stderr io.Writer) error {
	apiKey, err := demo.Secret("ALTABOTS_API_KEY")
	if err != nil {
		return err
	}
	token, err := demo.Secret("ALTABOTS_DESK_TOKEN")
	if err != nil {
		return err
	}
	client, err := altabots.NewClient(apiKey, altabots.WithBaseURL(baseURL))
	if err != nil {
		return err
	}
	ctl, err := handoff.New(nil)
	if err != nil {
		return err
	}
	t := demo.NewTranscript(stdout)
	d := newDesk(client, ctl, time.Now, t)
	h, err := handler(d, token, nil, stderr, nil)
	if err != nil {
		return err
	}
	defer h.Close()
	srv, err := demo.Serve(ctx, addr, h)
	if err != nil {
		return err
	}
	defer srv.Close()
	t.Printf("altabots-desk at %s; in AltaBots' webhook settings use:\n", srv.URL)
	establish, chat, closePath := h.Paths()
	for _, p := range []string{establish, chat, closePath} {
		t.Printf("  %s%s\n", srv.URL, p)
	}
	t.Printf("with the header Authorization: Bearer <ALTABOTS_DESK_TOKEN>\n")
	t.Printf("type a reply, /close, /to <conversation>, /list; serving until Ctrl-C\n")

	return demo.Console(ctx, t, d.handle)
}

// offline plays a handoff against a fake AltaBots on a fake clock: the
// user asks for a human, nobody answers for 45 s, the handler acknowledges,
// the user and the operator talk, the user closes.
func offline(ctx context.Context, lines func() (string, error), stdout, stderr io.Writer) error {
	const deskToken = "desk-token-for-the-offline-demo"
	t := demo.NewTranscript(stdout)
	clock := altabotstest.NewClock(time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC))

	// The fake must know the desk's URL, and the desk's client the fake's:
	// the endpoint is served first and handed its handler after.
	endpoint := &demo.Late{}
	srv, err := demo.Serve(ctx, "", endpoint)
	if err != nil {
		return err
	}
	defer srv.Close()
	fake, err := altabotstest.New(altabotstest.WithClock(clock), altabotstest.WithDesk(srv.URL,
		func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+deskToken) }))
	if err != nil {
		return fmt.Errorf("start the fake AltaBots: %w", err)
	}
	defer fake.Close()
	client, err := altabots.NewClient(fake.APIKey(), altabots.WithBaseURL(fake.URL))
	if err != nil {
		return err
	}
	ctl, err := handoff.New(nil, handoff.WithClock(clock.Now))
	if err != nil {
		return err
	}
	d := newDesk(client, ctl, clock.Now, t)
	acked := make(chan error, 1)
	h, err := handler(d, deskToken, clock, stderr, func(_ string, err error) { acked <- err })
	if err != nil {
		return err
	}
	defer h.Close()
	endpoint.Set(h)

	t.Printf("altabots-desk at %s, called by a fake AltaBots (altabotstest) at %s\n", srv.URL, fake.URL)
	t.Printf("the fake's clock stands still unless the demo moves it; AltaBots waits 60 s for the first reply\n")

	// 1. The user asks AltaBots' agent for a human: AltaBots calls establish.
	conv, err := fake.Escalate(ctx, altabotstest.User{Email: "bob@example.com", UserID: "bob-17"},
		altabots.Message{Type: altabots.Question, Text: "My order 1042 never arrived."},
		altabots.Message{Type: altabots.Answer, Text: "I'm sorry! Let me get you a human colleague."})
	if err != nil {
		return fmt.Errorf("establish: %w", err)
	}
	if err := ownerIs(ctx, t, ctl, conv.ID, handoff.Human); err != nil {
		return err
	}

	// 2. The operator is busy. 45 s later the handler acknowledges, and
	// AltaBots keeps the handoff open.
	clock.Advance(autoReplyAfter)
	t.Note("45 s pass on the demo's clock without an answer from the operator")
	select {
	case err := <-acked:
		if err != nil {
			return fmt.Errorf("automatic first reply: %w", err)
		}
	case <-ctx.Done():
		return ctx.Err()
	}
	got, _ := fake.Conversation(conv.ID)
	if len(got.Replies) != 1 || !got.Replies[0].At.Before(got.Deadline) {
		return fmt.Errorf("AltaBots did not record the automatic reply before its deadline: %+v", got.Replies)
	}
	t.Note("AltaBots recorded it at %s, before the deadline at %s: state %s",
		got.Replies[0].At.Format(time.TimeOnly), got.Deadline.Format(time.TimeOnly), got.State)

	// 3. The user and the operator talk, turn by turn. An operator who
	// types /close ends the conversation from the desk.
	for _, said := range []string{"Thanks. Do you know where it is?", "Will it come before the weekend?"} {
		clock.Advance(20 * time.Second)
		if got, _ := fake.Conversation(conv.ID); got.State == altabotstest.StateClosed {
			break
		}
		if err := fake.UserSays(ctx, conv.ID, said); err != nil {
			return fmt.Errorf("chat: %w", err)
		}
		line, err := lines()
		if errors.Is(err, io.EOF) {
			t.Note("the operator has nothing more to say")
			break
		} else if err != nil {
			return fmt.Errorf("the operator's line: %w", err)
		}
		if err := d.handle(ctx, line); err != nil {
			return err
		}
	}

	// 4. The user closes the chat: the desk hears USER_CLOSED, and the bot
	// owns the conversation again.
	if got, _ := fake.Conversation(conv.ID); got.State != altabotstest.StateClosed {
		if err := fake.UserCloses(ctx, conv.ID); err != nil {
			return fmt.Errorf("close: %w", err)
		}
	}
	if err := ownerIs(ctx, t, ctl, conv.ID, handoff.Bot); err != nil {
		return err
	}
	got, _ = fake.Conversation(conv.ID)
	t.Printf("\nOK: AltaBots received %d replies from the desk, the first inside its 60 s; the conversation is %s.\n",
		len(got.Replies), got.State)
	return nil
}

// ownerIs notes who owns conv, and fails unless it is want.
func ownerIs(ctx context.Context, t *demo.Transcript, ctl *handoff.Controller, conv string, want handoff.State) error {
	d, err := ctl.Decide(ctx, conv)
	if err != nil {
		return err
	}
	t.Note("handoff: the conversation is owned by the %s (%s)", d.State, d.Reason)
	if d.State != want {
		return fmt.Errorf("conversation %s: owned by the %s, want the %s", conv, d.State, want)
	}
	return nil
}
