// Command quickstart is botbridge in one minute: a website chat bot on
// Munin hands a visitor over to a human, stays quiet while the human
// speaks, and takes the conversation back when the human has gone quiet.
//
//	go run ./examples/quickstart
//
// Everything runs on this machine, over real HTTP on 127.0.0.1, with no
// account and no network: Munin is munintest, botbridge's fake of it, and
// the bot is the code in bot.go. The bot does what a real one does:
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
	"time"

	"github.com/botbridge/botbridge/examples/internal/demo"
	"github.com/botbridge/botbridge/handoff"
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

	bot, err := startBot(ctx, fake, t)
	if err != nil {
		return err
	}
	defer bot.Close()

	t.Printf("botbridge quickstart: a website chat bot on Munin hands a visitor to a human and gets the conversation back.\n\n")
	t.Printf("  Munin (fake, munintest)   %s\n", fake.URL)
	t.Printf("  the bot's webhook         %s  (subscribed through Munin's API)\n", bot.webhookURL)
	t.Printf("  grace period              30 minutes after the human's last word (botbridge's default,\n")
	t.Printf("                            as long as Munin's claim); the demo moves its clock instead of waiting\n\n")

	visitor := func(text string) error {
		t.Say("visitor", text)
		return bot.Hear(ctx, text)
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
	if _, err := fake.Dashboard().Reply(bot.conversation, "Hi, I'm Sam. I can move the delivery for you: which day suits you?"); err != nil {
		return fmt.Errorf("dashboard reply: %w", err)
	}
	if err := bot.Sync(ctx); err != nil {
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
	if !bot.answeredLast {
		return fmt.Errorf("after the grace period: the bot did not answer")
	}
	t.Printf("\nOK: the bot stepped back when Sam spoke, stayed quiet while Sam owned the conversation,\n" +
		"and answered again once the grace period was over.\n")
	return nil
}
