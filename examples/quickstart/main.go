// Command quickstart is botbridge in one minute: a website chat bot on
// Munin hands a visitor over to a human, stays quiet while the human
// speaks, and takes the conversation back when the human has gone quiet.
//
//	go run ./examples/quickstart
//
// Everything runs on this machine, over real HTTP on 127.0.0.1, with no
// account and no network: Munin is munintest, botbridge's fake of it, and
// the bot is examples/internal/widgetbot, the same one munin-widget-bot
// serves. It does what a real bot does:
//
//   - it pushes what the visitor says with munin.WidgetClient;
//   - it answers through the fence of handoff.Controller: Decide, then
//     generate the reply, then Commit, then post;
//   - it subscribes to Munin's webhooks through the admin API and serves
//     them with munin.NewWebhookHandler, which checks X-Munin-Signature
//     before anything else; munin.HandoffEvent turns each delivery into
//     what the controller observes;
//   - it reads the human's reply from the widget feed, as the webhook
//     carries no message body.
//
// Munin keeps a conversation a human replied to for 30 minutes (its claim),
// and botbridge's grace period matches it. Rather than wait that long, the
// demo runs both on one clock and moves it forward 30 minutes when the
// story needs it. Point the same bot at the real Munin with
// examples/munin-widget-bot.
package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/botbridge/botbridge/examples/internal/demo"
	"github.com/botbridge/botbridge/examples/internal/widgetbot"
	"github.com/botbridge/botbridge/handoff"
	"github.com/botbridge/botbridge/munin"
	"github.com/botbridge/botbridge/munin/munintest"
)

func main() { demo.Main("quickstart", run) }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := demo.Flags("quickstart", "Runs a Munin escalation end to end against a fake Munin: "+
		"the bot answers, a human takes over, the bot stays quiet, the grace period ends, the bot answers again.", stderr)
	if err := demo.Parse(fs, args); err != nil {
		return err
	}
	fake, err := munintest.New()
	if err != nil {
		return fmt.Errorf("start the fake Munin: %w", err)
	}
	defer fake.Close()
	return story(ctx, fake, stdout)
}

// story plays the escalation against fake, printing the transcript to out.
// Every error names the step that failed.
func story(ctx context.Context, fake *munintest.Server, out io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	t := demo.NewTranscript(out)

	bot, err := connect(ctx, fake)
	if err != nil {
		return err
	}
	defer bot.hooks.Close()

	t.Printf("botbridge quickstart: a website chat bot on Munin hands a visitor to a human and gets the conversation back.\n\n")
	t.Printf("  Munin (fake, munintest)   %s\n", fake.URL)
	t.Printf("  the bot's webhook         %s  (subscribed through Munin's API)\n", bot.webhookURL)
	t.Printf("  grace period              30 minutes after the human's last word (botbridge's default,\n")
	t.Printf("                            as long as Munin's claim); the demo moves its clock instead of waiting\n\n")

	const session = "visitor-7f3a" // the widget's session: one Munin conversation
	var conv string
	quiet := false
	visitor := func(text string) error {
		t.Say("visitor", text)
		a, err := bot.Hear(ctx, session, text)
		if err != nil {
			return err
		}
		conv = a.Conversation
		switch {
		case a.Reply != "":
			if quiet {
				t.Note("the bot may answer again: %s", describe(a.Decision))
			}
			t.Say("bot", a.Reply)
		case a.Dropped:
			t.Note("a human wrote while the reply was made: the bot drops it")
		default:
			t.Note("the bot stays quiet: %s", describe(a.Decision))
		}
		quiet = a.Reply == ""
		if a.HandoverRequested {
			t.Note("the bot asks Munin for a human (POST …/request-handover)")
		}
		return bot.sync(ctx, t, session, conv)
	}

	// 1. The visitor asks; nobody else is there, so the bot answers.
	if err := visitor("Hi! Where is my order #1042?"); err != nil {
		return err
	}

	// 2. The visitor asks for a person: the bot says so and asks Munin for
	// a human. Until one acts, the bot holds back (pending).
	if err := visitor("Can I talk to a person, please?"); err != nil {
		return err
	}

	// 3. Sam, a human in Munin's dashboard, replies. Munin takes the
	// conversation over for Sam and delivers signed webhooks to the bot.
	t.Note("Sam opens the conversation in Munin's dashboard and replies")
	if _, err := fake.Dashboard().Reply(conv, "Hi, I'm Sam. I can move the delivery for you: which day suits you?"); err != nil {
		return fmt.Errorf("dashboard reply: %w", err)
	}
	if err := bot.sync(ctx, t, session, conv); err != nil {
		return err
	}

	// 4. The visitor answers Sam. The bot passes the message on to Munin, so
	// Sam sees it, and stays quiet.
	if err := visitor("Thursday would be great, thanks!"); err != nil {
		return err
	}

	// 5. Sam goes quiet. Half an hour later the grace period is over, and
	// so is Munin's claim: neither sends an event.
	fake.Clock().Advance(handoff.DefaultGrace + time.Minute)
	t.Note("31 minutes pass without a word from Sam (the demo's clock jumps ahead)")

	// 6. The visitor writes again: the bot owns the conversation and answers.
	if err := visitor("Hello? Is anyone still there?"); err != nil {
		return err
	}
	if quiet {
		return fmt.Errorf("after the grace period: the bot did not answer")
	}
	t.Printf("\nOK: the bot stepped back when Sam spoke, stayed quiet while Sam owned the conversation,\n" +
		"and answered again once the grace period was over.\n")
	return nil
}

// demoBot is the widget bot with what the demo adds to print in order.
type demoBot struct {
	*widgetbot.Bot
	ctl        *handoff.Controller
	hooks      *demo.Server
	webhookURL string
	// wait returns once Munin has delivered every webhook due. A real bot
	// handles deliveries as they come; the demo waits to print in order.
	wait func(context.Context) error

	mu     sync.Mutex
	events []string // verified webhooks that may change the owner, not printed yet
}

// connect wires the bot to the fake Munin: clients, the handoff controller,
// and a webhook endpoint that Munin's API subscribes.
func connect(ctx context.Context, fake *munintest.Server) (*demoBot, error) {
	ch := fake.Channel()
	// The demo's clock is the fake Munin's: the same 30 minutes pass for
	// Munin's claim, the webhooks' timestamps and the grace period.
	clock := fake.Clock().Now
	widget, err := munin.NewWidgetClient(ch.WidgetKey, munin.WithBaseURL(fake.URL),
		munin.WithOrigin(munintest.DefaultOrigin), munin.WithChannel(ch.ID))
	if err != nil {
		return nil, fmt.Errorf("widget client: %w", err)
	}
	admin, err := munin.NewClient(fake.AdminKey(), munin.WithBaseURL(fake.URL))
	if err != nil {
		return nil, fmt.Errorf("admin client: %w", err)
	}
	ctl, err := handoff.New(nil, handoff.WithClock(clock)) // in memory, the default 30 minute grace
	if err != nil {
		return nil, fmt.Errorf("handoff controller: %w", err)
	}
	b := &demoBot{ctl: ctl, wait: fake.WaitDeliveries}
	b.Bot, err = widgetbot.New(widgetbot.Config{Widget: widget, Admin: admin, Controller: ctl,
		Observed: func(ev munin.Event) {
			b.mu.Lock()
			defer b.mu.Unlock()
			b.events = append(b.events, ev.EventEnvelope().Type)
		}})
	if err != nil {
		return nil, err
	}

	var endpoint demo.Late
	mux := http.NewServeMux()
	mux.Handle("POST /webhooks/munin", &endpoint)
	if b.hooks, err = demo.Serve(ctx, "", mux); err != nil {
		return nil, fmt.Errorf("webhook endpoint: %w", err)
	}
	b.webhookURL = b.hooks.URL + "/webhooks/munin"
	h, err := b.Subscribe(ctx, b.webhookURL, munin.WithClock(clock))
	if err != nil {
		b.hooks.Close()
		return nil, err
	}
	endpoint.Set(h)
	return b, nil
}

// sync waits for Munin's webhooks, notes what they did, and shows the
// visitor what humans wrote.
func (b *demoBot) sync(ctx context.Context, t *demo.Transcript, session, conv string) error {
	if err := b.wait(ctx); err != nil {
		return fmt.Errorf("wait for Munin's webhooks: %w", err)
	}
	b.mu.Lock()
	events := b.events
	b.events = nil
	b.mu.Unlock()
	if len(events) > 0 {
		// Munin delivers concurrently; sorted, the transcript is the same
		// on every run.
		slices.Sort(events)
		d, err := b.ctl.Decide(ctx, conv)
		if err != nil {
			return fmt.Errorf("decide: %w", err)
		}
		t.Note("signed webhooks, verified (X-Munin-Signature): %s", strings.Join(events, ", "))
		t.Note("  → %s", describe(d))
	}
	replies, err := b.HumanReplies(ctx, session)
	if err != nil {
		return err
	}
	for _, m := range replies {
		t.Say(m.AuthorName, m.Body)
	}
	return nil
}

// describe says who owns the conversation, and until when.
func describe(d handoff.Decision) string {
	s := fmt.Sprintf("owner %s (%s)", d.State, d.Reason)
	if !d.Until.IsZero() {
		s += ", until " + d.Until.Format(time.TimeOnly)
	}
	return s
}
