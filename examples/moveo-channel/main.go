// Command moveo-channel is a terminal chat that is a Moveo.ai custom
// channel. The user types; the program sends each message to Moveo's AI
// agent with moveo.Client (channel.go). Moveo answers through signed
// webhooks, which moveo.NewWebhookHandler verifies, and the program renders
// each event (render.go): the AI agent's replies by type — text with
// numbered quick replies, carousels as lists, media, files, webviews, the
// handover notice — and then a human agent's messages, typing and comings
// and goings. A handoff.Controller follows who owns the conversation, and
// the chat says when that changes.
//
// Without flags it runs offline against a fake Moveo (moveotest) with a
// demo AI agent (brain.go) and plays a scripted user. Lines starting with
// "/" drive the fake's desk agent, offline only: "/agent-join",
// "/agent TEXT" (types, then says TEXT), "/agent-leave", "/agent-close";
// "/wait DURATION" moves the fake's clock; "/quit" ends.
//
//	go run ./examples/moveo-channel
//	go run ./examples/moveo-channel -i                 # you are the user
//	go run ./examples/moveo-channel -script chat.txt   # the user's lines from a file
//
// Against the real Moveo, the integration's webhook_url (set in Moveo's
// console) must reach the program at /webhooks/moveo. The secrets come
// from the environment, never from flags (which land in shell history):
//
//	export MOVEO_API_KEY=… MOVEO_WEBHOOK_SECRET=…
//	go run ./examples/moveo-channel -serve -integration ID -addr :8080 -public-url https://chat.example.com
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/botbridge/botbridge/examples/internal/demo"
	"github.com/botbridge/botbridge/moveo"
	"github.com/botbridge/botbridge/moveo/moveotest"
)

func main() { demo.Main("moveo-channel", run) }

// userScript is the offline chat. The lines starting with "/" are the
// desk agent's acts, not the user's words.
var userScript = []string{
	"Hi",
	"1", // the first quick reply: "Show me shoes"
	"1", // the first card's Buy button
	"How do I lace them?",
	"Where is my order?",
	"I want to talk to a human",
	"/agent-join",
	"/agent Hi, I'm Sarah from support. I see order 1042: it ships today.",
	"Great, thank you Sarah!",
	"/agent-close",
	"Hi again",
}

// demoSecret is the fake integration's webhook_secret.
const demoSecret = "moveo-channel-demo-webhook-secret"

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := demo.Flags("moveo-channel", "A terminal chat as a Moveo.ai custom channel: the AI agent's replies rendered by type, then a\n"+
		"human agent's messages and typing. Offline (a fake Moveo) by default; with -serve, the real Moveo,\n"+
		"with MOVEO_API_KEY and MOVEO_WEBHOOK_SECRET from the environment (never from flags).\n"+
		"Offline, lines starting with / act as the desk agent: /agent-join, /agent TEXT, /agent-leave,\n"+
		"/agent-close; /wait DURATION moves the clock; /quit ends.", stderr)
	serve := fs.Bool("serve", false, "chat with the real Moveo; you type in the terminal")
	integration := fs.String("integration", "", "with -serve, the custom integration's id (required)")
	baseURL := fs.String("base-url", moveo.DefaultBaseURL, "with -serve, Moveo's channels API")
	addr := fs.String("addr", "127.0.0.1:8080", "with -serve, where the program listens for Moveo's webhooks")
	publicURL := fs.String("public-url", "", "with -serve, the public base URL that reaches -addr (printed as the webhook_url to set in Moveo)")
	script := demo.ScriptFlags(fs, "user")
	if err := demo.Parse(fs, args); err != nil {
		return err
	}
	if err := checkModes(fs, *serve, *integration, *publicURL); err != nil {
		return err
	}
	t := demo.NewTranscript(stdout)
	if *serve {
		return chatWithMoveo(ctx, *integration, *baseURL, *addr, *publicURL, t)
	}
	ctx, cancel := context.WithCancel(ctx) // stops the line reader when the chat ends early (/quit)
	defer cancel()
	lines, closeLines, err := script.Lines(ctx, userScript)
	if err != nil {
		return fmt.Errorf("user lines: %w", err)
	}
	defer closeLines()
	return offline(ctx, lines, t)
}

// checkModes refuses flags that belong to the other mode, and a -serve
// without what it needs.
func checkModes(fs *flag.FlagSet, serve bool, integration, publicURL string) error {
	if err := demo.CheckModes(fs, serve, "integration", "base-url", "addr", "public-url"); err != nil {
		return err
	}
	if serve && integration == "" {
		return demo.Usagef(fs, "-serve needs -integration")
	}
	if u, err := url.Parse(publicURL); publicURL != "" && (err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http")) {
		return demo.Usagef(fs, "-public-url %q is not an http(s) URL", publicURL)
	}
	return nil
}

// offline chats with a fake Moveo whose AI agent is demoBrain.
func offline(ctx context.Context, lines func() (string, error), t *demo.Transcript) error {
	// One clock for the fake, the webhook handler's replay window and the
	// handoff controller, so that /wait moves them together.
	clock := moveotest.NewClock(time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC))
	brain, err := demoBrain()
	if err != nil {
		return err
	}
	fake, err := moveotest.New(moveotest.WithClock(clock), moveotest.WithBrain(brain))
	if err != nil {
		return fmt.Errorf("start the fake Moveo: %w", err)
	}
	defer fake.Close()
	client, err := moveo.NewClient(fake.APIKey(), fake.IntegrationID(), moveo.WithBaseURL(fake.URL))
	if err != nil {
		return err
	}
	c, h, err := newChannel(client, demoSecret, "terminal-demo", clock.Now, t)
	if err != nil {
		return err
	}
	srv, err := demo.Serve(ctx, "", h)
	if err != nil {
		return fmt.Errorf("serve the webhook endpoint: %w", err)
	}
	defer srv.Close()
	// What an integration's settings in Moveo's console hold.
	if err := fake.SetWebhook(srv.URL+webhookPath, demoSecret); err != nil {
		return fmt.Errorf("set the fake's webhook: %w", err)
	}
	c.settle = fake.WaitDeliveries
	if err := c.open(ctx); err != nil {
		return err
	}
	t.Printf("moveo-channel, offline: a fake Moveo (moveotest) with a demo AI agent sends its signed webhooks\n"+
		"to %s%s. Lines starting with / act as its desk agent (see -h).\n\n", srv.URL, webhookPath)

	for {
		line, err := lines()
		if errors.Is(err, io.EOF) || line == "/quit" {
			break
		} else if err != nil {
			return fmt.Errorf("read the user's lines: %w", err)
		}
		clock.Advance(time.Second) // time passes between lines, as in a chat
		if strings.HasPrefix(line, "/") {
			err = deskAct(ctx, c, fake, line)
		} else {
			err = c.say(ctx, line)
		}
		if err != nil {
			return err
		}
	}
	if err := c.end(ctx); err != nil {
		return err
	}
	t.Printf("\nOK: every reply came as a signed webhook, was verified and rendered by type.\n")
	return nil
}

// deskAct plays the fake's desk agent, the offline stand-in for a human
// in Moveo's live chat, for a line starting with "/".
func deskAct(ctx context.Context, c *channel, fake *moveotest.Server, line string) error {
	agent := fake.Desk()
	cmd, arg, _ := strings.Cut(line, " ")
	var err error
	switch cmd {
	case "/agent-join":
		err = agent.Join(c.session)
	case "/agent":
		if err = agent.Type(c.session); err == nil {
			err = c.settle(ctx) // show the typing before the message
		}
		if err == nil {
			fake.Clock().Advance(5 * time.Second)
			err = agent.Say(c.session, arg)
		}
	case "/agent-leave":
		err = agent.Leave(c.session)
	case "/agent-close":
		err = agent.Close(c.session)
	case "/wait":
		d, perr := time.ParseDuration(arg)
		if perr != nil || d <= 0 {
			c.screen.t.Note("/wait takes a duration, such as /wait 25h")
			return nil
		}
		c.screen.t.Note("%s pass on the fake Moveo's clock", arg)
		fake.Clock().Advance(d) // Moveo expires sessions idle for its session_timeout, 24h
	default:
		c.screen.t.Note("unknown command %s: try /agent-join, /agent TEXT, /agent-leave, /agent-close, /wait DURATION, /quit", cmd)
		return nil
	}
	if err != nil {
		return fmt.Errorf("%s: %w", cmd, err)
	}
	return c.settle(ctx)
}

// chatWithMoveo chats with the real Moveo until the user ends the chat
// (Ctrl-D, /quit) or ctx ends (Ctrl-C).
func chatWithMoveo(ctx context.Context, integration, baseURL, addr, publicURL string, t *demo.Transcript) error {
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
	external := fmt.Sprintf("terminal-%d", time.Now().Unix())
	c, h, err := newChannel(client, secret, external, time.Now, t)
	if err != nil {
		return err
	}
	srv, err := demo.Serve(ctx, addr, h)
	if err != nil {
		return fmt.Errorf("serve the webhook endpoint: %w", err)
	}
	defer srv.Close()
	t.Printf("listening for Moveo's webhooks at %s%s\n", srv.URL, webhookPath)
	if publicURL != "" {
		t.Printf("the integration's webhook_url in Moveo's console must be %s%s\n", strings.TrimSuffix(publicURL, "/"), webhookPath)
	} else {
		t.Printf("the integration's webhook_url in Moveo's console must reach it (-public-url prints it)\n")
	}
	if err := c.open(ctx); err != nil {
		return err
	}
	t.Printf("chat %s open: type a message (Ctrl-D or /quit ends)\n", external)

	lines, closeLines, err := demo.Lines(ctx, "-", nil)
	if err != nil {
		return err
	}
	defer closeLines()
	for {
		line, err := lines()
		if errors.Is(err, io.EOF) || ctx.Err() != nil || line == "/quit" {
			break
		} else if err != nil {
			return fmt.Errorf("read the terminal: %w", err)
		}
		if err := c.say(ctx, line); err != nil {
			t.Note("%v", err) // as a chat app shows a message that failed; the chat goes on
		}
	}
	// The user left: close the session, after Ctrl-C too, for a few
	// seconds at most.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	return c.end(ctx)
}
