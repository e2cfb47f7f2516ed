package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"

	"github.com/botbridge/botbridge/altabots"
	"github.com/botbridge/botbridge/altabots/altabotstest"
	"github.com/botbridge/botbridge/certainly"
	"github.com/botbridge/botbridge/examples/internal/demo"
	"github.com/botbridge/botbridge/moveo"
	"github.com/botbridge/botbridge/munin"
	"github.com/botbridge/botbridge/webhookverify"
)

// receiver is a bot's side, built from the SDK's own handlers: it counts
// the events that passed their checks.
type receiver struct {
	mu   sync.Mutex
	seen map[string]string // vendor → the type of the last event it took
}

func (r *receiver) took(vendor, typ string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seen[vendor] = typ
}

func (r *receiver) last(vendor string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.seen[vendor]
}

// handler serves each vendor's webhooks with the vendor package's handler
// and the credentials -send uses.
func (r *receiver) handler() (http.Handler, error) {
	mux := http.NewServeMux()
	secret, _ := vendors["munin"].credential.value()
	mh, err := munin.NewWebhookHandler(secret, func(_ context.Context, ev munin.Event) error {
		r.took("munin", ev.EventEnvelope().Type)
		return nil
	})
	if err != nil {
		return nil, err
	}
	mux.Handle("POST /webhooks/munin", mh)

	secret, _ = vendors["moveo"].credential.value()
	vh, err := moveo.NewWebhookHandler(secret, func(_ context.Context, ev moveo.Event) error {
		r.took("moveo", ev.EventBase().Type)
		return nil
	})
	if err != nil {
		return nil, err
	}
	mux.Handle("POST /webhooks/moveo", vh)

	token, _ := vendors["altabots"].credential.value()
	deskAuth, err := webhookverify.BearerToken(token)
	if err != nil {
		return nil, err
	}
	ah, err := altabots.NewHandler(desk{r}, altabots.WithAuthenticator(deskAuth))
	if err != nil {
		return nil, err
	}
	mux.Handle("/desk/", http.StripPrefix("/desk", ah))

	token, _ = vendors["certainly"].credential.value()
	certAuth, err := webhookverify.BearerToken(token)
	if err != nil {
		return nil, err
	}
	ch, err := certainly.NewWebhookHandler(func(_ context.Context, ev certainly.Event) error {
		r.took("certainly", fmt.Sprintf("%T", ev))
		return nil
	}, certainly.WithAuthenticator(certAuth))
	if err != nil {
		return nil, err
	}
	mux.Handle("POST /webhooks/certainly", ch)
	return mux, nil
}

// desk takes AltaBots' calls.
type desk struct{ r *receiver }

func (d desk) Establish(context.Context, *altabots.EstablishRequest) error {
	d.r.took("altabots", "establish")
	return nil
}
func (d desk) Chat(context.Context, *altabots.ChatRequest) error {
	d.r.took("altabots", "chat")
	return nil
}
func (d desk) Close(context.Context, *altabots.CloseRequest) error {
	d.r.took("altabots", "close")
	return nil
}

// selfCheck starts everything, makes one client call per fake through the
// shared port, and delivers a sample webhook of each vendor to handlers
// built with the SDK. It fails on the first thing that does not work.
func selfCheck(ctx context.Context, o options, stdout io.Writer) error {
	r := &receiver{seen: map[string]string{}}
	h, err := r.handler()
	if err != nil {
		return err
	}
	bot, err := demo.Serve(ctx, "", h)
	if err != nil {
		return err
	}
	defer bot.Close()
	o.altabotsDesk = bot.URL + "/desk"
	f, err := startFakes(ctx, o)
	if err != nil {
		return err
	}
	defer f.close()
	t := demo.NewTranscript(stdout)
	t.Printf("mockserver -check: the fakes on %s, a bot built with the SDK's handlers on %s\n\n", f.srv.URL, bot.URL)

	// One client call per fake, through its prefix.
	admin, err := munin.NewClient(f.munin.AdminKey(), munin.WithBaseURL(f.url("munin")))
	if err != nil {
		return err
	}
	defer admin.Close()
	if _, err := admin.Webhooks.EventTypes(ctx); err != nil {
		return fmt.Errorf("munin: %w", err)
	}
	t.Printf("ok  Munin      %s: the admin client reads the webhook event types\n", f.url("munin"))

	mv, err := moveo.NewClient(f.moveo.APIKey(), f.moveo.IntegrationID(), moveo.WithBaseURL(f.url("moveo")))
	if err != nil {
		return err
	}
	if _, err := mv.CreateSession(ctx, moveo.CreateSessionRequest{ExternalSessionID: "mockserver-check"}); err != nil {
		return fmt.Errorf("moveo: %w", err)
	}
	t.Printf("ok  Moveo      %s: the client opens a session\n", f.url("moveo"))

	alta, err := altabots.NewClient(f.altabots.APIKey(), altabots.WithBaseURL(f.url("altabots")))
	if err != nil {
		return err
	}
	conv, err := f.altabots.Escalate(ctx, altabotstest.User{Email: "bob@example.com"},
		altabots.Message{Type: altabots.Question, Text: "human service"})
	if err != nil {
		return fmt.Errorf("altabots escalate: %w", err)
	}
	if err := alta.SendMessage(ctx, conv.ID, "Hi, a human here."); err != nil {
		return fmt.Errorf("altabots: %w", err)
	}
	t.Printf("ok  AltaBots   %s: the fake hands a conversation to the desk, the client replies\n", f.url("altabots"))

	cert, err := certainly.NewClient(f.certainly.Token(), certainly.WithBaseURL(f.url("certainly")))
	if err != nil {
		return err
	}
	if _, err := cert.Config(ctx, f.certainly.BotID()); err != nil {
		return fmt.Errorf("certainly: %w", err)
	}
	t.Printf("ok  Certainly  %s: the client reads the bot's config\n\n", f.url("certainly"))

	// A sample webhook of each vendor, verified by the SDK's handler.
	for _, c := range []struct{ kind, path, vendor, want string }{
		{"munin:conversation.message.sent", "/webhooks/munin", "munin", "conversation.message.sent"},
		{"moveo:message:send", "/webhooks/moveo", "moveo", "message:send"},
		{"altabots:chat", "/desk/chat", "altabots", "chat"},
		{"certainly:claim", "/webhooks/certainly", "certainly", "*certainly.Claim"},
	} {
		status, err := send(ctx, c.kind, bot.URL+c.path, io.Discard)
		if err != nil {
			return fmt.Errorf("-send %s: %w", c.kind, err)
		}
		if status/100 != 2 || r.last(c.vendor) != c.want {
			return fmt.Errorf("-send %s: answered %d, the handler took %q", c.kind, status, r.last(c.vendor))
		}
		t.Printf("ok  -send %-32s → %d, accepted by %s's handler\n", c.kind, status, vendors[c.vendor].name)
	}
	t.Printf("\nOK: every fake answers through the shared port, and every sample webhook verifies.\n")
	return nil
}
