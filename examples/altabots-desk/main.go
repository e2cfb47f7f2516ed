// Command altabots-desk is a human-service desk for AltaBots.ai: AltaBots
// hands it the conversations its agent cannot handle, and an operator
// answers them from the terminal.
//
// It serves the three calls AltaBots makes (altabots.NewHandler with the
// desk in desk.go): conversation establish, chat and close, each checked
// for the bearer token AltaBots is configured to send. AltaBots ends a
// handoff when the desk sends no reply within 60 seconds, and an operator
// is not always that fast: altabots.WithAutoReply sends a first
// acknowledgement after 45 seconds when nobody has answered. The
// operator's replies and closes go back through altabots.Client.
//
// Without flags it runs offline (offline.go) against a fake AltaBots
// (altabotstest) on a fake clock, and plays one handoff with a scripted
// operator:
//
//	go run ./examples/altabots-desk
//	go run ./examples/altabots-desk -i                 # you are the operator
//	go run ./examples/altabots-desk -script lines.txt  # the operator's lines from a file
//
// Against the real AltaBots it serves until Ctrl-C and reads the
// operator's lines from the terminal. The secrets come from the
// environment, never from flags (which land in shell history):
//
//	export ALTABOTS_API_KEY=…      # the agent's API key, for the replies
//	export ALTABOTS_DESK_TOKEN=…   # the bearer token AltaBots sends to the desk
//	go run ./examples/altabots-desk -serve -addr :8080
package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/botbridge/botbridge/altabots"
	"github.com/botbridge/botbridge/examples/internal/demo"
	"github.com/botbridge/botbridge/handoff"
	"github.com/botbridge/botbridge/webhookverify"
)

func main() { demo.Main("altabots-desk", run) }

// The acknowledgement the handler sends when the operator has not answered
// after autoReplyAfter.
const (
	autoReply      = "Thanks for waiting! A colleague has your conversation and will answer in a moment."
	autoReplyAfter = 45 * time.Second // AltaBots' limit is 60 s; the SDK doc suggests 45
)

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := demo.Flags("altabots-desk", "A human-service desk for AltaBots.ai: accepts handoffs, acknowledges them inside\n"+
		"AltaBots' 60 s, and lets an operator answer from the terminal. Offline (a fake AltaBots) by default;\n"+
		"with -serve, the real AltaBots, with ALTABOTS_API_KEY and ALTABOTS_DESK_TOKEN from the environment\n"+
		"(never from flags, which land in shell history).\n\n"+
		"Operator: "+commands+".", stderr)
	serve := fs.Bool("serve", false, "serve the real AltaBots until Ctrl-C; the operator types in the terminal")
	addr := fs.String("addr", "127.0.0.1:8080", "with -serve, where AltaBots reaches the desk (127.0.0.1:0 for any free port)")
	baseURL := fs.String("base-url", altabots.DefaultBaseURL, "with -serve, AltaBots' API ("+altabots.GPTBotsBaseURL+" for GPTBots)")
	script := demo.ScriptFlags(fs, "operator")
	if err := demo.Parse(fs, args); err != nil {
		return err
	}
	if err := demo.CheckModes(fs, *serve, "addr", "base-url"); err != nil {
		return err
	}
	if *serve {
		return serveAltaBots(ctx, *addr, *baseURL, stdout, stderr)
	}
	// Cancelling on return also ends the goroutine that reads a script
	// which has lines left over.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	lines, closeLines, err := script.Lines(ctx, operatorScript)
	if err != nil {
		return fmt.Errorf("operator lines: %w", err)
	}
	defer closeLines()
	return offline(ctx, lines, stdout, stderr)
}

// handler is the desk's endpoint for AltaBots' three calls: the bearer
// token checked in constant time before any body is read, and the
// automatic first reply. clock is nil for the real time; autoReplied, when
// not nil, hears of each automatic reply after the transcript shows it.
func handler(d *desk, token string, clock altabots.Clock, stderr io.Writer, autoReplied func(conv string, err error)) (*altabots.Handler, error) {
	bearer, err := webhookverify.BearerToken(token)
	if err != nil {
		return nil, fmt.Errorf("ALTABOTS_DESK_TOKEN: %w", err)
	}
	opts := []altabots.HandlerOption{
		altabots.WithAuthenticator(bearer),
		altabots.WithAutoReply(d.client, autoReply, autoReplyAfter),
		altabots.WithHooks(altabots.Hooks{
			AutoReplied: func(conv string, err error) {
				if err != nil {
					d.t.Note("the automatic first reply in %s failed: %v", conv, err)
				} else {
					d.t.Note("nobody answered for %d s: the handler sent the automatic first reply", int(autoReplyAfter.Seconds()))
					d.t.Say(d.label("desk", conv), autoReply)
				}
				if autoReplied != nil {
					autoReplied(conv, err)
				}
			},
			// A refused call never reaches the desk; the operator need not
			// see it, whoever runs the desk should.
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
	client, err := altabots.NewClient(apiKey, altabots.WithBaseURL(baseURL), altabots.WithUserAgent("altabots-desk"))
	if err != nil {
		return fmt.Errorf("AltaBots client: %w", err)
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
	defer h.Close() // stops the auto-reply timers
	srv, err := demo.Serve(ctx, addr, h)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	defer srv.Close()

	t.Printf("altabots-desk at %s; in AltaBots' human-handoff webhook settings use:\n", srv.URL)
	establish, chat, closePath := h.Paths()
	for _, p := range []string{establish, chat, closePath} {
		t.Printf("  %s%s\n", srv.URL, p)
	}
	t.Printf("with the header Authorization: Bearer <ALTABOTS_DESK_TOKEN>; replies go to %s\n", baseURL)
	t.Printf("operator: %s\n", commands)
	t.Printf("serving until Ctrl-C\n")
	return demo.Console(ctx, t, d.handle)
}
