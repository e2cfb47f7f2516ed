// Command mockserver serves botbridge's four fake vendors — Munin, Moveo,
// AltaBots and Certainly — on one local port, so that a developer can point
// their own bot at them before touching a real account, and delivers sample
// webhooks, signed as each vendor signs them, to the bot's endpoint.
//
//	go run ./examples/mockserver                      # serve until Ctrl-C; prints URLs and keys
//	go run ./examples/mockserver -send munin:conversation.message.sent -to http://127.0.0.1:8080/webhooks/munin
//	go run ./examples/mockserver -send list           # every sample it can send
//	go run ./examples/mockserver -check               # start, call every fake, verify a webhook of each; exit
//
// The fakes are munintest, moveotest, altabotstest and certainlytest, each
// under its prefix: http://127.0.0.1:8090/munin is what munin.WithBaseURL
// takes. Each fake's package doc lists where it differs from the vendor.
//
// Sample webhooks are the vendors' documented payloads with fresh ids and
// the current time, signed with a demo secret the program prints — or with
// yours, from MUNIN_WEBHOOK_SECRET, MOVEO_WEBHOOK_SECRET, ALTABOTS_DESK_TOKEN
// and CERTAINLY_WEBHOOK_TOKEN, which are never printed.
package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/botbridge/botbridge/examples/internal/demo"
)

func main() { demo.Main("mockserver", run) }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := demo.Flags("mockserver", "Serves the four fake vendors on one local port and sends sample signed webhooks.\n"+
		"Secrets for -send come from MUNIN_WEBHOOK_SECRET, MOVEO_WEBHOOK_SECRET, ALTABOTS_DESK_TOKEN and\n"+
		"CERTAINLY_WEBHOOK_TOKEN when set (never from flags), else from printed demo values.", stderr)
	var o options
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8090", "where to serve the fakes")
	fs.StringVar(&o.moveoWebhook, "moveo-webhook", "", "the URL the fake Moveo delivers its webhooks to (your channel)")
	sendKind := fs.String("send", "", "send one sample webhook, VENDOR:TYPE (\"list\" lists them), to -to, and exit")
	to := fs.String("to", "", "with -send, the URL to deliver to")
	check := fs.Bool("check", false, "start everything, call every fake, deliver a webhook of each vendor, and exit")
	if err := demo.Parse(fs, args); err != nil {
		return err
	}
	switch {
	case *sendKind == "list":
		fmt.Fprintln(stdout, strings.Join(kinds(), "\n"))
		return nil
	case *sendKind != "":
		if *to == "" {
			return demo.Usagef(fs, "-send needs -to URL")
		}
		status, err := send(ctx, *sendKind, *to, stdout)
		if err != nil {
			return err
		}
		if status/100 != 2 {
			return fmt.Errorf("%s answered %d", *to, status)
		}
		return nil
	case *check:
		o.addr = "127.0.0.1:0"
		return selfCheck(ctx, o, stdout)
	}

	f, err := startFakes(ctx, o)
	if err != nil {
		return err
	}
	defer f.close()
	fmt.Fprint(stdout, f.banner())
	fmt.Fprintln(stdout, "\nserving until Ctrl-C")
	<-f.srv.Done()
	return nil
}
