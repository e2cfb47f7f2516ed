package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"

	"github.com/botbridge/botbridge/altabots/altabotstest"
	"github.com/botbridge/botbridge/certainly/certainlytest"
	"github.com/botbridge/botbridge/examples/internal/demo"
	"github.com/botbridge/botbridge/moveo/moveotest"
	"github.com/botbridge/botbridge/munin/munintest"
)

// fakes are the four vendors, in-process, behind one port.
type fakes struct {
	munin     *munintest.Server
	moveo     *moveotest.Server
	altabots  *altabotstest.Server
	certainly *certainlytest.Server
	srv       *demo.Server
}

// options are what the fakes are started with.
type options struct {
	addr         string
	moveoWebhook string // where the fake Moveo delivers its webhooks
	altabotsDesk string // where the fake AltaBots calls the desk (-check's own)
}

// startFakes starts the fakes and serves each under its prefix on addr:
// /munin/, /moveo/, /altabots/, /certainly/.
func startFakes(ctx context.Context, o options) (_ *fakes, err error) {
	f := &fakes{}
	defer func() {
		if err != nil {
			f.close()
		}
	}()
	if f.munin, err = munintest.New(); err != nil {
		return nil, fmt.Errorf("munin: %w", err)
	}
	var moveoOpts []moveotest.Option
	if o.moveoWebhook != "" {
		secret, _ := vendors["moveo"].credential.value()
		moveoOpts = append(moveoOpts, moveotest.WithWebhook(o.moveoWebhook, secret))
	}
	if f.moveo, err = moveotest.New(moveoOpts...); err != nil {
		return nil, fmt.Errorf("moveo: %w", err)
	}
	var altaOpts []altabotstest.Option
	if o.altabotsDesk != "" {
		token, _ := vendors["altabots"].credential.value()
		altaOpts = append(altaOpts, altabotstest.WithDesk(o.altabotsDesk,
			func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) }))
	}
	if f.altabots, err = altabotstest.New(altaOpts...); err != nil {
		return nil, fmt.Errorf("altabots: %w", err)
	}
	// The same bot id as the -send samples, so that a relay handed a sample
	// claim can call Handover on this fake.
	if f.certainly, err = certainlytest.New(certainlytest.WithBotID(sampleCertainlyBot)); err != nil {
		return nil, fmt.Errorf("certainly: %w", err)
	}

	mux := http.NewServeMux()
	for prefix, target := range map[string]string{
		"/munin": f.munin.URL, "/moveo": f.moveo.URL, "/altabots": f.altabots.URL, "/certainly": f.certainly.URL,
	} {
		u, err := url.Parse(target)
		if err != nil {
			return nil, err
		}
		mux.Handle(prefix+"/", http.StripPrefix(prefix, &httputil.ReverseProxy{
			Rewrite: func(r *httputil.ProxyRequest) { r.SetURL(u); r.Out.Host = u.Host },
		}))
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "mockserver: the fakes are under /munin/, /moveo/, /altabots/ and /certainly/", http.StatusNotFound)
	})
	if f.srv, err = demo.Serve(ctx, o.addr, mux); err != nil {
		return nil, err
	}
	return f, nil
}

// url is the base URL of a fake behind the shared port.
func (f *fakes) url(vendor string) string { return f.srv.URL + "/" + vendor }

func (f *fakes) close() {
	if f.srv != nil {
		f.srv.Close()
	}
	if f.munin != nil {
		f.munin.Close()
	}
	if f.moveo != nil {
		f.moveo.Close()
	}
	if f.altabots != nil {
		f.altabots.Close()
	}
	if f.certainly != nil {
		f.certainly.Close()
	}
}

// banner is what a developer needs to point a bot at the fakes. The keys
// are the fakes' own, made up at start: printing them is the point.
func (f *fakes) banner() string {
	var b strings.Builder
	ch := f.munin.Channel()
	fmt.Fprintf(&b, "botbridge mockserver: four fake vendors on %s (fake keys, made up at start)\n\n", f.srv.URL)
	fmt.Fprintf(&b, "Munin      %s     munin.WithBaseURL\n", f.url("munin"))
	fmt.Fprintf(&b, "  admin key        %s\n  widget key       %s\n  channel          %s\n  origin           %s\n",
		f.munin.AdminKey(), ch.WidgetKey, ch.ID, munintest.DefaultOrigin)
	fmt.Fprintf(&b, "  webhooks         subscribe through the API (client.Webhooks.Create), as with Munin\n\n")
	fmt.Fprintf(&b, "Moveo      %s     moveo.WithBaseURL\n", f.url("moveo"))
	fmt.Fprintf(&b, "  API key          %s\n  integration      %s\n", f.moveo.APIKey(), f.moveo.IntegrationID())
	fmt.Fprintf(&b, "  webhooks         -moveo-webhook URL, signed with %s\n\n", describe(vendors["moveo"].credential))
	fmt.Fprintf(&b, "AltaBots   %s  altabots.WithBaseURL\n", f.url("altabots"))
	fmt.Fprintf(&b, "  API key          %s\n  bot id           %s\n", f.altabots.APIKey(), f.altabots.BotID())
	fmt.Fprintf(&b, "  desk calls       -send altabots:establish|chat|close -to URL, with %s\n\n", describe(vendors["altabots"].credential))
	fmt.Fprintf(&b, "Certainly  %s certainly.WithBaseURL\n", f.url("certainly"))
	fmt.Fprintf(&b, "  token            %s\n  bot id           %s\n", f.certainly.Token(), f.certainly.BotID())
	fmt.Fprintf(&b, "  webhooks         -send certainly:claim|message -to URL, with %s\n\n", describe(vendors["certainly"].credential))
	fmt.Fprintf(&b, "Sample webhooks: go run ./examples/mockserver -send munin:conversation.message.sent -to http://127.0.0.1:8080/webhooks/munin\n")
	fmt.Fprintf(&b, "  Munin signs with %s\n", describe(vendors["munin"].credential))
	return b.String()
}

// describe names a credential without printing one from the environment.
func describe(c credential) string {
	v, fromEnv := c.value()
	if fromEnv {
		return "$" + c.env
	}
	return fmt.Sprintf("%q (the demo value; set %s to use yours)", v, c.env)
}
