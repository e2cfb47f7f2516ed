// Command moveo-channel is a terminal chat that is a Moveo.ai custom
// channel: the user types, the program sends each message to Moveo's AI
// agent (moveo.Client), and Moveo answers through signed webhooks, which
// the program verifies (moveo.NewWebhookHandler) and renders by type —
// text with its options, carousels as lists, files and links, the
// handover notice — along with a desk agent's messages, typing and
// comings and goings (render.go).
//
// Without flags it runs offline against a fake Moveo (moveotest) with a
// demo brain, and plays a scripted user; lines starting with /agent make
// the fake's desk agent act:
//
//	go run ./examples/moveo-channel
//	go run ./examples/moveo-channel -i                 # you are the user
//	go run ./examples/moveo-channel -script chat.txt   # the user's lines from a file
//
// Against the real Moveo, the channel must be reachable at the webhook URL
// configured in Moveo's custom channel settings. The secrets come from the
// environment, never from flags (which land in shell history):
//
//	export MOVEO_API_KEY=… MOVEO_WEBHOOK_SECRET=…
//	go run ./examples/moveo-channel -serve -integration <id> -addr :8080
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/botbridge/botbridge/examples/internal/demo"
	"github.com/botbridge/botbridge/handoff"
	"github.com/botbridge/botbridge/moveo"
	"github.com/botbridge/botbridge/moveo/moveotest"
)

func main() { demo.Main("moveo-channel", run) }

// userScript is the offline conversation. Lines starting with /agent are
// the fake desk agent's acts, not the user's words.
var userScript = []string{
	"Hi",
	"Show me shoes",
	"Where is my order?",
	"I want to talk to a human",
	"/agent-join",
	"/agent Hi, I'm Sarah from support. I see order 1042: it ships today.",
	"Great, thank you Sarah!",
	"/agent-close",
	"Hi again",
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := demo.Flags("moveo-channel", "A terminal chat as a Moveo.ai custom channel: the AI agent's replies rendered by type,\n"+
		"a desk agent's messages and typing. Offline (a fake Moveo) by default; with -serve, the real Moveo,\n"+
		"with MOVEO_API_KEY and MOVEO_WEBHOOK_SECRET from the environment (never from flags).", stderr)
	serve := fs.Bool("serve", false, "talk to the real Moveo; you type in the terminal")
	addr := fs.String("addr", "127.0.0.1:8080", "with -serve, where Moveo's webhook reaches the channel")
	baseURL := fs.String("base-url", moveo.DefaultBaseURL, "with -serve, Moveo's channels API")
	integration := fs.String("integration", "", "with -serve, the custom channel's integration id")
	script := demo.ScriptFlags(fs, "user")
	if err := demo.Parse(fs, args); err != nil {
		return err
	}
	t := demo.NewTranscript(stdout)
	if *serve {
		if *integration == "" {
			return fmt.Errorf("%w: -serve needs -integration", demo.ErrUsage)
		}
		return chatWithMoveo(ctx, *addr, *baseURL, *integration, t)
	}
	lines, closeLines, err := script.Lines(ctx, userScript)
	if err != nil {
		return fmt.Errorf("user lines: %w", err)
	}
	defer closeLines()
	return offline(ctx, lines, t)
}

// channel is one user's chat: a Moveo session, and the screen its
// webhooks render on.
type channel struct {
	client  *moveo.Client
	screen  *screen
	session string
	// settle returns once Moveo's webhooks for what was sent have been
	// handled. Offline, it waits for the fake's deliveries so the
	// transcript prints in order; against the real Moveo, replies simply
	// appear when they come.
	settle func(context.Context) error
}

// say sends what the user typed to Moveo's AI agent.
func (c *channel) say(ctx context.Context, text string) error {
	c.screen.t.Say("you", text)
	if _, err := c.client.SendMessage(ctx, c.session, moveo.UserMessage{Text: text}); err != nil {
		return fmt.Errorf("send %q: %w", text, err)
	}
	return c.settle(ctx)
}

// chatWithMoveo chats with the real Moveo until the terminal closes or ctx
// ends.
func chatWithMoveo(ctx context.Context, addr, baseURL, integration string, t *demo.Transcript) error {
	apiKey, err := demo.Secret("MOVEO_API_KEY")
	if err != nil {
		return err
	}
	secret, err := demo.Secret("MOVEO_WEBHOOK_SECRET")
	if err != nil {
		return err
	}
	client, err := moveo.NewClient(apiKey, integration, moveo.WithBaseURL(baseURL))
	if err != nil {
		return err
	}
	c, srv, err := start(ctx, client, secret, addr, time.Now, t)
	if err != nil {
		return err
	}
	defer srv.Close()
	c.settle = func(context.Context) error { return nil }
	t.Printf("moveo-channel: webhooks at %s (the URL set in Moveo's custom channel must reach it)\n", srv.URL)
	t.Printf("session %s; type a message, Ctrl-D to end\n", c.session)
	lines, closeLines, err := demo.Lines(ctx, "-", nil)
	if err != nil {
		return err
	}
	defer closeLines()
	for {
		line, err := lines()
		switch {
		case errors.Is(err, io.EOF), ctx.Err() != nil:
			return nil
		case err != nil:
			return err
		}
		if err := c.say(ctx, line); err != nil {
			t.Note("%v", err)
		}
	}
}

// start serves the channel's webhook endpoint and opens a session.
func start(ctx context.Context, client *moveo.Client, secret, addr string, now func() time.Time, t *demo.Transcript) (*channel, *demo.Server, error) {
	ctl, err := handoff.New(nil, handoff.WithClock(now))
	if err != nil {
		return nil, nil, err
	}
	sc := newScreen(t, ctl)
	h, err := moveo.NewWebhookHandler(secret, sc.handle, moveo.WithClock(now))
	if err != nil {
		return nil, nil, err
	}
	srv, err := demo.Serve(ctx, addr, h)
	if err != nil {
		return nil, nil, err
	}
	sess, err := client.CreateSession(ctx, moveo.CreateSessionRequest{
		ExternalSessionID: "terminal-" + now().Format("20060102-150405"), ChannelUserID: "terminal-user"})
	if err != nil {
		srv.Close()
		return nil, nil, fmt.Errorf("create a session: %w", err)
	}
	return &channel{client: client, screen: sc, session: sess.SessionID}, srv, nil
}

// offline chats with a fake Moveo whose brain is demoBrain.
func offline(ctx context.Context, lines func() (string, error), t *demo.Transcript) error {
	const secret = "moveo-channel-demo-webhook-secret"
	clock := moveotest.NewClock(time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC))
	fake, err := moveotest.New(moveotest.WithClock(clock), moveotest.WithBrain(demoBrain))
	if err != nil {
		return fmt.Errorf("start the fake Moveo: %w", err)
	}
	defer fake.Close()
	client, err := moveo.NewClient(fake.APIKey(), fake.IntegrationID(), moveo.WithBaseURL(fake.URL))
	if err != nil {
		return err
	}
	c, srv, err := start(ctx, client, secret, "", clock.Now, t)
	if err != nil {
		return err
	}
	defer srv.Close()
	if err := fake.SetWebhook(srv.URL, secret); err != nil { // Moveo's console setting
		return err
	}
	c.settle = fake.WaitDeliveries
	t.Printf("moveo-channel at %s, with a fake Moveo (moveotest) at %s; session %s\n\n", srv.URL, fake.URL, c.session)

	agent := fake.Desk()
	for {
		line, err := lines()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return err
		}
		clock.Advance(time.Second)
		cmd, arg, _ := strings.Cut(line, " ")
		switch cmd {
		case "/agent-join":
			err = agent.Join(c.session)
		case "/agent": // the agent types, then says arg
			if err = agent.Type(c.session); err == nil {
				err = c.settle(ctx)
			}
			if err == nil {
				clock.Advance(5 * time.Second)
				err = agent.Say(c.session, arg)
			}
		case "/agent-leave":
			err = agent.Leave(c.session)
		case "/agent-close":
			err = agent.Close(c.session)
		default:
			err = c.say(ctx, line)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", cmd, err)
		}
		if err := c.settle(ctx); err != nil {
			return fmt.Errorf("wait for Moveo's webhooks: %w", err)
		}
	}
	t.Printf("\nOK: every reply arrived as a signed webhook and was rendered by type.\n")
	return nil
}
