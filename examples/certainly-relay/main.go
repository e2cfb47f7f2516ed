// Command certainly-relay is a third-party agent system for Certainly: when
// a user asks Certainly's bot for a human, the bot's Webhook module posts a
// claim; the program puts the bot in listen mode (Handover), relays what
// the user writes to a human agent and the agent's replies to the user
// (SendMessage), and gives the conversation back to the bot (Takeover),
// when the agent says so or when the agent has been silent for the grace
// period.
//
// All of that is certainly.Relay behind certainly.NewWebhookHandler, which
// checks the credential the Webhook Builder sends in constant time; the
// agent's side is agents.go.
//
// Without flags it runs offline against a fake Certainly (certainlytest)
// on a fake clock, and plays two handovers: one the agent ends, one whose
// grace period runs out.
//
//	go run ./examples/certainly-relay
//	go run ./examples/certainly-relay -i                 # you are the agent
//	go run ./examples/certainly-relay -script lines.txt  # the agent's lines from a file
//
// Against the real Certainly it serves until Ctrl-C and reads the agent's
// lines from the terminal. The secrets come from the environment, never
// from flags (which land in shell history):
//
//	export CERTAINLY_TOKEN=…          # the bot's API token
//	export CERTAINLY_WEBHOOK_TOKEN=…  # the bearer token the Webhook Builder sends
//	go run ./examples/certainly-relay -serve -addr :8080
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/botbridge/botbridge/certainly"
	"github.com/botbridge/botbridge/certainly/certainlytest"
	"github.com/botbridge/botbridge/examples/internal/demo"
	"github.com/botbridge/botbridge/handoff"
	"github.com/botbridge/botbridge/webhookverify"
)

func main() { demo.Main("certainly-relay", run) }

// agentScript is what the offline agent types, one line per turn.
var agentScript = []string{
	"Hi, I'm Sam from support. Your parcel left the depot this morning.",
	"/release agent-done",
}

// timedOutClaimEnd is the ClaimEnd of a Takeover the grace period caused:
// the bot's flow can branch on it.
const timedOutClaimEnd = "agent-timeout"

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := demo.Flags("certainly-relay", "A third-party agent system for Certainly: claim → handover → relay → takeover.\n"+
		"Offline (a fake Certainly) by default; with -serve, the real Certainly, with CERTAINLY_TOKEN and\n"+
		"CERTAINLY_WEBHOOK_TOKEN from the environment (never from flags).", stderr)
	serve := fs.Bool("serve", false, "serve the real Certainly until Ctrl-C; the agent types in the terminal")
	addr := fs.String("addr", "127.0.0.1:8080", "with -serve, where the Webhook Builder reaches the program")
	baseURL := fs.String("base-url", certainly.DefaultBaseURL, "with -serve, Certainly's host")
	script := demo.ScriptFlags(fs, "agent")
	if err := demo.Parse(fs, args); err != nil {
		return err
	}
	if err := demo.CheckModes(fs, *serve, "addr", "base-url"); err != nil {
		return err
	}
	if *serve {
		return serveCertainly(ctx, *addr, *baseURL, stdout)
	}
	lines, closeLines, err := script.Lines(ctx, agentScript)
	if err != nil {
		return fmt.Errorf("agent lines: %w", err)
	}
	defer closeLines()
	return offline(ctx, lines, stdout)
}

// newRelay wires the relay, the agents and the webhook handler.
func newRelay(client *certainly.Client, webhookToken string, now func() time.Time, t *demo.Transcript) (*agents, http.Handler, error) {
	a := &agents{t: t}
	relay, err := certainly.NewRelay(certainly.RelayConfig{
		Client:        client,
		Now:           now,
		ClaimEnd:      timedOutClaimEnd,
		OnClaim:       a.onClaim,
		OnUserMessage: a.onUserMessage,
		OnTransition:  a.onTransition,
		OnError:       func(conv certainly.Conversation, err error) { t.Note("%s: %v", conv.UserID, err) },
	})
	if err != nil {
		return nil, nil, err
	}
	a.relay = relay
	bearer, err := webhookverify.BearerToken(webhookToken)
	if err != nil {
		relay.Close()
		return nil, nil, err
	}
	h, err := certainly.NewWebhookHandler(relay.Handle, certainly.WithAuthenticator(bearer))
	if err != nil {
		relay.Close()
		return nil, nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("POST /certainly/", h) // the claim and the message webhook: the payload tells them apart
	return a, mux, nil
}

// serveCertainly serves the real Certainly until ctx ends; the agent's
// lines come from the terminal, and a sweeper hands back conversations
// whose grace period ran out.
func serveCertainly(ctx context.Context, addr, baseURL string, stdout io.Writer) error {
	token, err := demo.Secret("CERTAINLY_TOKEN")
	if err != nil {
		return err
	}
	webhookToken, err := demo.Secret("CERTAINLY_WEBHOOK_TOKEN")
	if err != nil {
		return err
	}
	client, err := certainly.NewClient(token, certainly.WithBaseURL(baseURL))
	if err != nil {
		return err
	}
	t := demo.NewTranscript(stdout)
	a, h, err := newRelay(client, webhookToken, nil, t)
	if err != nil {
		return err
	}
	defer a.relay.Close()
	srv, err := demo.Serve(ctx, addr, h)
	if err != nil {
		return err
	}
	defer srv.Close()
	sweepCtx, stopSweeping := context.WithCancel(ctx)
	sweeping := make(chan error, 1)
	go func() { sweeping <- a.relay.Run(sweepCtx, time.Minute) }()
	defer func() { stopSweeping(); <-sweeping }()

	t.Printf("certainly-relay at %s; in the Webhook Builder use:\n", srv.URL)
	t.Printf("  claim webhook    POST %s/certainly/claim\n", srv.URL)
	t.Printf("  message webhook  POST %s/certainly/messages\n", srv.URL)
	t.Printf("with the header Authorization: Bearer <CERTAINLY_WEBHOOK_TOKEN>\n")
	t.Printf("type a reply or /release [ClaimEnd]; serving until Ctrl-C\n")
	return demo.Console(ctx, t, a.handle)
}

// offline plays two handovers against a fake Certainly on a fake clock.
func offline(ctx context.Context, lines func() (string, error), stdout io.Writer) error {
	const (
		webhookToken = "webhook-token-for-the-offline-demo"
		user         = "web-user-42"
	)
	t := demo.NewTranscript(stdout)
	clock := certainlytest.NewClock(time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC))

	// The fake must know the webhooks' URL, and the program's client the
	// fake's: the endpoint is served first and handed its handler after.
	endpoint := &demo.Late{}
	srv, err := demo.Serve(ctx, "", endpoint)
	if err != nil {
		return err
	}
	defer srv.Close()
	fake, err := certainlytest.New(certainlytest.WithClock(clock), certainlytest.WithBot(shopBot),
		certainlytest.WithWebhooks(srv.URL+"/certainly/claim", srv.URL+"/certainly/messages",
			certainlytest.BearerAuth(webhookToken)))
	if err != nil {
		return fmt.Errorf("start the fake Certainly: %w", err)
	}
	defer fake.Close()
	client, err := certainly.NewClient(fake.Token(), certainly.WithBaseURL(fake.URL))
	if err != nil {
		return err
	}
	a, h, err := newRelay(client, webhookToken, clock.Now, t)
	if err != nil {
		return err
	}
	defer a.relay.Close()
	endpoint.Set(h)

	t.Printf("certainly-relay at %s, called by a fake Certainly bot (certainlytest) at %s\n", srv.URL, fake.URL)
	t.Printf("grace period: 30 minutes after the agent's last message (botbridge's default); the demo's clock skips it\n")

	says := func(text string) error {
		t.Say("user", text)
		r, err := fake.UserSays(ctx, user, text)
		if err != nil {
			return fmt.Errorf("the user's message: %w", err)
		}
		if r.Text != "" {
			t.Say("bot", r.Text)
		}
		return nil
	}
	mode := func(want certainlytest.Mode) error {
		if err := fake.WaitMode(ctx, user, want); err != nil {
			return fmt.Errorf("wait for the bot's %s mode: %w", want, err)
		}
		t.Note("Certainly's bot is in %s mode", want)
		return nil
	}
	// graceEnds lets the grace period give the conversation back, unless the
	// agent already did.
	graceEnds := func() error {
		if u, _ := fake.User(user); u.Mode != certainlytest.ModeListen {
			return nil
		}
		clock.Advance(handoff.DefaultGrace + time.Minute)
		t.Note("31 minutes pass without a word from the agent (the demo's clock jumps ahead)")
		if n, err := a.relay.Sweep(ctx); err != nil || n != 1 {
			return fmt.Errorf("sweep: handed back %d conversations: %v", n, err)
		}
		return nil
	}
	agent := func() error {
		line, err := lines()
		if errors.Is(err, io.EOF) {
			t.Note("the agent has nothing more to say")
			return nil
		} else if err != nil {
			return fmt.Errorf("the agent's line: %w", err)
		}
		return a.handle(ctx, line)
	}

	// Act 1: the agent answers and hands the conversation back.
	t.Section("1. A user asks for a human; the agent answers and hands back")
	if err := says("Where is my parcel?"); err != nil {
		return err
	}
	t.Say("user", "Can I talk to a person?")
	if err := fake.UserAsksForHuman(ctx, user); err != nil { // the flow reaches the Webhook module
		return fmt.Errorf("claim: %w", err)
	}
	if err := mode(certainlytest.ModeListen); err != nil {
		return err
	}
	if err := says("It was due yesterday."); err != nil {
		return err
	}
	clock.Advance(time.Minute)
	if err := agent(); err != nil {
		return err
	}
	if err := says("Great, thanks!"); err != nil {
		return err
	}
	if err := agent(); err != nil {
		return err
	}
	if err := graceEnds(); err != nil {
		return err
	}
	if err := mode(certainlytest.ModeNormal); err != nil {
		return err
	}
	if err := says("Can I change the address?"); err != nil {
		return err
	}

	// Act 2: the agent falls silent; the grace period gives the
	// conversation back to the bot.
	t.Section("2. The user asks again; the agent says nothing")
	t.Say("user", "Actually, I'd like a person again.")
	if err := fake.UserAsksForHuman(ctx, user); err != nil {
		return fmt.Errorf("second claim: %w", err)
	}
	if err := mode(certainlytest.ModeListen); err != nil {
		return err
	}
	if err := graceEnds(); err != nil {
		return err
	}
	if err := mode(certainlytest.ModeNormal); err != nil {
		return err
	}
	if err := says("Hello?"); err != nil {
		return err
	}

	u, _ := fake.User(user)
	t.Printf("\nOK: two handovers; Certainly saw %d agent message(s) and takeovers with ClaimEnd %q.\n",
		len(fake.AgentMessages(user)), u.ClaimEnds)
	return nil
}

// shopBot is the fake Certainly bot's flow: what it answers in normal mode.
func shopBot(_, text string) string {
	switch text {
	case "Where is my parcel?":
		return "Let me look… it is on its way. Anything else?"
	case "Can I change the address?":
		return "Yes: open your order and choose Change address."
	default:
		return "I'm the shop's bot. Ask me about your parcel, or for a person."
	}
}
