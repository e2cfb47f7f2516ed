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
	"log/slog"
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

// webhookPath serves both of Certainly's webhooks, the claim (a Webhook
// module in the bot's flow) and the user's messages (the bot's settings):
// the handler tells the payloads apart.
const webhookPath = "/webhooks/certainly"

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
		return serveCertainly(ctx, *addr, *baseURL, stdout, stderr)
	}
	lines, closeLines, err := script.Lines(ctx, agentScript)
	if err != nil {
		return fmt.Errorf("agent lines: %w", err)
	}
	defer closeLines()
	var prompt string
	if fs.Lookup("i").Value.String() == "true" { // you type the agent's lines: say when
		prompt = "(agent, your turn: type a reply, or /release [ClaimEnd])\n"
	}
	return offline(ctx, lines, prompt, stdout)
}

// newRelay wires the relay, the agents and the webhook handler, which
// refuses any call without the Webhook Builder's token. logger, when not
// nil, gets the relay's and the handler's log lines (ids and statuses,
// never message text or tokens).
func newRelay(client *certainly.Client, webhookToken string, now func() time.Time, t *demo.Transcript, logger *slog.Logger) (*agents, http.Handler, error) {
	bearer, err := webhookverify.BearerToken(webhookToken)
	if err != nil {
		return nil, nil, fmt.Errorf("webhook token: %w", err)
	}
	a := &agents{t: t}
	a.relay, err = certainly.NewRelay(certainly.RelayConfig{
		Client:        client,
		Now:           now,
		ClaimEnd:      timedOutClaimEnd,
		OnClaim:       a.onClaim,
		OnUserMessage: a.onUserMessage,
		OnTransition:  a.onTransition,
		OnError:       func(conv certainly.Conversation, err error) { t.Note("%s: %v", conv.UserID, err) },
		Logger:        logger,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("relay: %w", err)
	}
	opts := []certainly.WebhookOption{certainly.WithAuthenticator(bearer)}
	if logger != nil {
		opts = append(opts, certainly.WithWebhookLogger(logger))
	}
	h, err := certainly.NewWebhookHandler(a.relay.Handle, opts...)
	if err != nil {
		a.relay.Close()
		return nil, nil, fmt.Errorf("webhook handler: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("POST "+webhookPath, h)
	return a, mux, nil
}

// serveCertainly serves the real Certainly until ctx ends; the agent's
// lines come from the terminal, and a sweeper hands back conversations
// whose grace period ran out.
func serveCertainly(ctx context.Context, addr, baseURL string, stdout, stderr io.Writer) error {
	token, err := demo.Secret("CERTAINLY_TOKEN")
	if err != nil {
		return err
	}
	webhookToken, err := demo.Secret("CERTAINLY_WEBHOOK_TOKEN")
	if err != nil {
		return err
	}
	// The claim webhook calls Handover before it answers, and the Webhook
	// Builder waits 5 s: every call, retries included, gets 4 s at most.
	client, err := certainly.NewClient(token, certainly.WithBaseURL(baseURL), certainly.WithTimeout(4*time.Second))
	if err != nil {
		return fmt.Errorf("certainly client: %w", err)
	}
	t := demo.NewTranscript(stdout)
	// A refused webhook or a failed call to Certainly is logged to stderr:
	// Certainly itself only sees the status.
	a, h, err := newRelay(client, webhookToken, nil, t, slog.New(slog.NewTextHandler(stderr, nil)))
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

	t.Printf("certainly-relay at %s; in the Webhook Builder, for the claim webhook and the message webhook:\n", srv.URL)
	t.Printf("  POST %s%s with the header Authorization: Bearer <CERTAINLY_WEBHOOK_TOKEN>\n", srv.URL, webhookPath)
	t.Printf("type a reply to the latest claim, or /release [ClaimEnd]; serving until Ctrl-C\n")
	return demo.Console(ctx, t, a.handle)
}

// offline plays two handovers against a fake Certainly on a fake clock.
// prompt, when set, is printed before each of the agent's turns (for -i).
func offline(ctx context.Context, lines func() (string, error), prompt string, stdout io.Writer) error {
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
	fake, err := certainlytest.New(certainlytest.WithClock(clock), certainlytest.WithBot(shopBot), certainlytest.WithBotID("958039"),
		certainlytest.WithWebhooks(srv.URL+webhookPath, srv.URL+webhookPath, certainlytest.BearerAuth(webhookToken)))
	if err != nil {
		return fmt.Errorf("start the fake Certainly: %w", err)
	}
	defer fake.Close()
	client, err := certainly.NewClient(fake.Token(), certainly.WithBaseURL(fake.URL))
	if err != nil {
		return fmt.Errorf("certainly client: %w", err)
	}
	a, h, err := newRelay(client, webhookToken, clock.Now, t, nil)
	if err != nil {
		return err
	}
	defer a.relay.Close()
	endpoint.Set(h)

	t.Printf("certainly-relay at %s, called by a fake Certainly bot (certainlytest) at %s\n", srv.URL, fake.URL)
	t.Printf("grace period: 30 minutes after the agent's last message (botbridge's default); the demo's clock skips it\n")

	// says has the user write text, and returns whether the bot answered.
	says := func(text string) (answered bool, err error) {
		t.Say("user", text)
		r, err := fake.UserSays(ctx, user, text)
		if err != nil {
			return false, fmt.Errorf("the user's message %q: %w", text, err)
		}
		if r.Text != "" {
			t.Say("bot", r.Text)
		}
		return r.Text != "", nil
	}
	// botAnswers is says when the bot must answer: it owns the
	// conversation again.
	botAnswers := func(text string) error {
		answered, err := says(text)
		if err == nil && !answered {
			err = fmt.Errorf("the bot did not answer %q after the takeover", text)
		}
		return err
	}
	mode := func(want certainlytest.Mode) error {
		if err := fake.WaitMode(ctx, user, want); err != nil {
			return fmt.Errorf("wait for the bot's %s mode: %w", want, err)
		}
		t.Note("Certainly's bot is in %s mode", want)
		// A Takeover with a ClaimEnd moves the user on in the bot's flow.
		if u, _ := fake.User(user); want == certainlytest.ModeNormal && len(u.Transcript) > 0 {
			if last := u.Transcript[len(u.Transcript)-1]; last.Interlocutor == certainly.InterlocutorBot {
				t.Say("bot", last.Text)
			}
		}
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
		if prompt != "" {
			t.Printf("%s", prompt)
		}
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
	if err := botAnswers("Where is my parcel?"); err != nil {
		return err
	}
	t.Say("user", "Can I talk to a person?")
	if err := fake.UserAsksForHuman(ctx, user); err != nil { // the flow reaches the Webhook module
		return fmt.Errorf("claim: %w", err)
	}
	if err := mode(certainlytest.ModeListen); err != nil {
		return err
	}
	if answered, err := says("It was due yesterday."); err != nil {
		return err
	} else if answered {
		return errors.New("the bot answered in listen mode")
	}
	clock.Advance(time.Minute)
	if err := agent(); err != nil {
		return err
	}
	if _, err := says("Great, thanks!"); err != nil { // to the agent, unless they released already
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
	if err := botAnswers("Can I change the address?"); err != nil {
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
	if err := botAnswers("Hello?"); err != nil {
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
