package main

import (
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/examples/internal/demo"
	"github.com/botbridge/botbridge/examples/internal/demotest"
	"github.com/botbridge/botbridge/moveo"
	"github.com/botbridge/botbridge/munin"
)

func TestCheck(t *testing.T) {
	t.Parallel()
	out := demotest.Run(t, run, "-check")
	demotest.InOrder(t, out,
		"ok  Munin      ", "ok  Moveo      ", "ok  AltaBots   ", "ok  Certainly  ",
		"ok  -send munin:conversation.message.sent  → 204, accepted by Munin's handler",
		"ok  -send moveo:message:send               → 204, accepted by Moveo's handler",
		"ok  -send altabots:chat                    → 200, accepted by AltaBots's handler",
		"ok  -send certainly:claim                  → 204, accepted by Certainly's handler",
		"OK: every fake answers through the shared port, and every sample webhook verifies.",
	)
}

// TestServe points real clients at the URLs and keys the banner prints.
func TestServe(t *testing.T) {
	t.Parallel()
	srv := demotest.Start(t, run, "serving until Ctrl-C", "-addr", "127.0.0.1:0")
	out := srv.Output()
	field := func(re string) string {
		m := regexp.MustCompile(re).FindStringSubmatch(out)
		require.NotNil(t, m, "%s in:\n%s", re, out)
		return m[1]
	}
	ctx := t.Context()

	admin, err := munin.NewClient(field(`admin key +(\S+)`), munin.WithBaseURL(field(`Munin +(http://\S+)`)))
	require.NoError(t, err)
	defer admin.Close()
	sub, err := admin.Webhooks.Create(ctx, munin.CreateWebhookRequest{URL: "http://127.0.0.1:9/hook"})
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(sub.ID, "whk_"))

	widget, err := munin.NewWidgetClient(field(`widget key +(\S+)`), munin.WithBaseURL(field(`Munin +(http://\S+)`)),
		munin.WithChannel(field(`channel +(\S+)`)), munin.WithOrigin(field(`origin +(\S+)`)))
	require.NoError(t, err)
	res, err := widget.Push(ctx, munin.Push{SessionID: "s1", Messages: []munin.WidgetMessage{{Body: "hello"}}})
	require.NoError(t, err)
	assert.Equal(t, 1, res.Inserted)

	mv, err := moveo.NewClient(field(`API key +(\S+)\n  integration`), field(`integration +(\S+)`),
		moveo.WithBaseURL(field(`Moveo +(http://\S+)`)))
	require.NoError(t, err)
	_, err = mv.CreateSession(ctx, moveo.CreateSessionRequest{ExternalSessionID: "e1"})
	require.NoError(t, err)

	// The Certainly samples name the served fake's bot, so a relay handed
	// one can put that bot in listen mode.
	assert.Contains(t, out, "bot id           "+sampleCertainlyBot)
	require.NoError(t, srv.Stop())
}

// TestSendEverySample sends every sample to handlers built with the SDK,
// with the same credentials: each must verify and parse.
func TestSendEverySample(t *testing.T) {
	t.Parallel()
	r := &receiver{seen: map[string]string{}}
	h, err := r.handler()
	require.NoError(t, err)
	bot := httptest.NewServer(h)
	t.Cleanup(bot.Close)
	paths := map[string]string{"munin": "/webhooks/munin", "moveo": "/webhooks/moveo",
		"altabots": "/desk/", "certainly": "/webhooks/certainly"}
	for _, kind := range kinds() {
		vendor, typ, _ := strings.Cut(kind, ":")
		url := bot.URL + paths[vendor]
		if vendor == "altabots" {
			url += map[string]string{"establish": "conversation/establish", "chat": "chat", "close": "conversation/close"}[typ]
		}
		out := demotest.Run(t, run, "-send", kind, "-to", url)
		assert.Regexp(t, `→ 20[04] `, out, kind)
		want := typ
		if vendor == "certainly" {
			want = map[string]string{"claim": "*certainly.Claim", "message": "*certainly.Message"}[typ]
		}
		assert.Equal(t, want, r.last(vendor), "%s reached the handler as itself", kind)
	}
}

func TestSendWithAnotherSecretIsRefused(t *testing.T) {
	r := &receiver{seen: map[string]string{}}
	h, err := r.handler() // with the demo secret
	require.NoError(t, err)
	bot := httptest.NewServer(h)
	t.Cleanup(bot.Close)
	const mine = "whsec_a-secret-of-my-own-that-must-not-print"
	t.Setenv("MUNIN_WEBHOOK_SECRET", mine)
	stdout, _, err := demotest.RunErr(t, run, "-send", "munin:conversation.taken_over", "-to", bot.URL+"/webhooks/munin")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "answered 401")
	assert.Contains(t, stdout, "($MUNIN_WEBHOOK_SECRET)")
	assert.Contains(t, stdout, "→ 401 Unauthorized")
	assert.NotContains(t, stdout, mine)
	assert.Empty(t, r.last("munin"))
}

func TestSendRefusesWhatItDoesNotKnow(t *testing.T) {
	t.Parallel()
	_, _, err := demotest.RunErr(t, run, "-send", "munin:conversation.sent", "-to", "http://127.0.0.1:9/")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `unknown sample "munin:conversation.sent"; choose one of:`)
	assert.Contains(t, err.Error(), "munin:conversation.message.sent")
	_, _, err = demotest.RunErr(t, run, "-send", "munin:conversation.message.sent")
	require.ErrorIs(t, err, demo.ErrUsage)
	out := demotest.Run(t, run, "-send", "list")
	assert.Contains(t, out, "certainly:claim\n")
}
