// Command munin-widget-bot is the backend of a website chat widget whose bot
// answers visitors on Munin and steps back when one of Munin's humans
// takes the conversation over. It is a small HTTP service:
//
//	POST /chat              the widget sends {"session","text"}; the answer says
//	                        what the bot replied, or why it stayed quiet
//	GET  /chat/{session}    what Munin's humans wrote that the widget has not shown yet
//	POST /webhooks/munin    Munin's signed webhooks (munin.NewWebhookHandler)
//	POST /demo/human        with the fake Munin only: a dashboard human replies,
//	POST /demo/release      or hands the conversation back
//
// The bot itself is examples/internal/widgetbot: it pushes every visitor
// message to Munin and answers through handoff's fence (Decide → generate →
// Commit), so it never talks over a human. Who owns each conversation is
// kept in memory, or in Redis with -redis, so that several replicas of the
// service agree.
//
// Without flags it runs offline: a fake Munin (munintest) in-process, the
// service on 127.0.0.1, and a scripted visitor talking to it over HTTP.
//
//	go run ./examples/munin-widget-bot
//	go run ./examples/munin-widget-bot -serve                  # play with it: curl lines are printed
//	go run ./examples/munin-widget-bot -serve -redis 127.0.0.1:6379
//
// Against the real Munin, the keys come from the environment (never from
// flags, which land in shell history):
//
//	export MUNIN_WIDGET_KEY=… MUNIN_ADMIN_KEY=mn_admin_… MUNIN_WEBHOOK_SECRET=whsec_…
//	go run ./examples/munin-widget-bot -serve -base-url https://api.getmunin.com/ \
//		-channel cch_… -origin https://shop.example -addr :8080
//
// where the webhook was created once in Munin (POST /v1/webhooks, see the
// README) for https://<this service>/webhooks/munin: the service takes its
// secret rather than subscribing itself, so that every replica verifies
// the same deliveries.
//
// The demo's grace period is botbridge's default, 30 minutes, as long as
// Munin's claim on a conversation a human replied to (a shorter one would
// only see the bot's posts refused with munin.ErrHandoverActive); offline,
// the scripted visitor moves the fake Munin's clock instead of waiting.
package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/botbridge/botbridge/examples/internal/demo"
	"github.com/botbridge/botbridge/examples/internal/widgetbot"
	"github.com/botbridge/botbridge/handoff"
	"github.com/botbridge/botbridge/handoff/redisstore"
	"github.com/botbridge/botbridge/munin"
)

func main() { demo.Main("munin-widget-bot", run) }

// config is the command line.
type config struct {
	serve     bool
	addr      string
	redisAddr string
	baseURL   string // "" means the fake Munin, in-process
	channel   string
	origin    string
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := demo.Flags("munin-widget-bot", "A chat widget's backend whose bot steps back when a Munin human takes over.\n"+
		"Without -base-url it runs against a fake Munin; without -serve it plays a scripted visitor and exits.\n"+
		"Against the real Munin, MUNIN_WIDGET_KEY, MUNIN_ADMIN_KEY and MUNIN_WEBHOOK_SECRET are read from\n"+
		"the environment (never from flags, which land in shell history).", stderr)
	var c config
	fs.BoolVar(&c.serve, "serve", false, "serve until Ctrl-C instead of playing the scripted visitor")
	fs.StringVar(&c.addr, "addr", "127.0.0.1:8080", "with -serve, the address to listen on")
	fs.StringVar(&c.redisAddr, "redis", "", "keep who owns each conversation in the Redis at this address (default: memory)")
	fs.StringVar(&c.baseURL, "base-url", "", "the real Munin's API, such as "+munin.DefaultBaseURL+" (default: a fake Munin in-process)")
	fs.StringVar(&c.channel, "channel", "", "with -base-url, the widget channel's id (cch_…)")
	fs.StringVar(&c.origin, "origin", "", "with -base-url, the widget's origin, as the channel allows it")
	if err := demo.Parse(fs, args); err != nil {
		return err
	}
	// The scripted visitor plays against the fake Munin only.
	if err := demo.CheckModes(fs, c.serve, "addr", "base-url", "channel", "origin"); err != nil {
		return err
	}
	if !c.serve {
		c.addr = "" // any free port
	}

	m, err := connect(ctx, c)
	if err != nil {
		return err
	}
	defer m.close()
	ctl, closeStore, err := controller(ctx, c.redisAddr, m.clock)
	if err != nil {
		return err
	}
	defer closeStore()
	t := demo.NewTranscript(stdout)
	hooks := &webhookLog{t: t, live: c.serve}
	bot, err := widgetbot.New(widgetbot.Config{Widget: m.widget, Admin: m.admin, Controller: ctl,
		// Your language model goes here: it gets the visitor's text and
		// returns the reply, and whether the visitor asked for a person.
		Generate: widgetbot.Canned,
		Observed: hooks.observed,
	})
	if err != nil {
		return err
	}

	// The webhook endpoint is served before its handler exists: Munin
	// needs its URL to create the subscription that returns the secret.
	endpoint := &demo.Late{}
	srv, err := demo.Serve(ctx, c.addr, newService(bot, endpoint, m.fake, stderr))
	if err != nil {
		return err
	}
	defer srv.Close()
	h, err := m.webhooks(ctx, bot, srv.URL)
	if err != nil {
		return err
	}
	endpoint.Set(h)

	if !c.serve {
		return visit(ctx, t, srv.URL, m.fake, hooks)
	}
	t.Printf("munin-widget-bot at %s (who owns each conversation: %s)\n", srv.URL, storeName(c.redisAddr))
	t.Printf("Munin: %s\n\n", m.describe())
	curl := func(path, body, comment string) {
		line := "  curl -s " + srv.URL + path
		if body != "" {
			line += " -d '" + body + "'"
		}
		if comment != "" {
			line += "   # " + comment
		}
		t.Printf("%s\n", line)
	}
	curl("/chat", `{"session":"s1","text":"Where is my order?"}`, "the bot answers")
	curl("/chat", `{"session":"s1","text":"Can I talk to a person?"}`, "the bot asks Munin for a human")
	if m.fake != nil {
		curl("/demo/human", `{"session":"s1","text":"Hi, Sam here."}`, "a Munin human replies (fake Munin only)")
	}
	curl("/chat/s1", "", "what Munin's humans wrote")
	curl("/chat", `{"session":"s1","text":"Thanks!"}`, "the bot stays quiet: a human owns the conversation")
	if m.fake != nil {
		curl("/demo/release", `{"session":"s1"}`, "the human hands it back (fake Munin only)")
	}
	t.Printf("\nserving until Ctrl-C\n")
	<-srv.Done()
	return nil
}

// controller returns the handoff controller on memory, or on Redis.
func controller(ctx context.Context, redisAddr string, clock func() time.Time) (*handoff.Controller, func(), error) {
	opts := []handoff.Option{handoff.WithClock(clock)} // the default 30 minute grace, as Munin's claim
	if redisAddr == "" {
		ctl, err := handoff.New(nil, opts...)
		return ctl, func() {}, err
	}
	rdb := redis.NewClient(&redis.Options{Addr: redisAddr})
	if err := rdb.Ping(ctx).Err(); err != nil {
		rdb.Close()
		return nil, nil, fmt.Errorf("redis at %s: %w", redisAddr, err)
	}
	store, err := redisstore.New(rdb)
	if err != nil {
		rdb.Close()
		return nil, nil, fmt.Errorf("redis store: %w", err)
	}
	ctl, err := handoff.New(store, opts...)
	return ctl, func() { rdb.Close() }, err
}

func storeName(redisAddr string) string {
	if redisAddr == "" {
		return "memory"
	}
	return "Redis at " + redisAddr
}
