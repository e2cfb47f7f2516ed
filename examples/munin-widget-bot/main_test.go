package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/alicebob/miniredis/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/examples/internal/demo"
	"github.com/botbridge/botbridge/examples/internal/demotest"
	"github.com/botbridge/botbridge/examples/internal/widgetbot"
	"github.com/botbridge/botbridge/handoff"
	"github.com/botbridge/botbridge/munin"
	"github.com/botbridge/botbridge/munin/munintest"
)

// story is the offline run, in Munin's terms: the bot answers, asks Munin
// for a human, Sam's dashboard reply arrives as signed webhooks and reaches
// the visitor through the service, the bot stays quiet while Sam owns the
// conversation, and answers again once the grace period is over.
var story = []string{
	"visitor   › Hi! Where is my order #1042?",
	"· POST /chat → reply, owner bot (no handoff)",
	"bot       › Order #1042 left our warehouse yesterday",
	"visitor   › Can I talk to a person, please?",
	"bot       › Of course. I've asked a colleague to join",
	"· the bot asked Munin for a human",
	"· POST /webhooks/munin, signatures verified: conversation.handover_requested",
	"· Sam replies in Munin's dashboard (POST /demo/human)",
	"· POST /webhooks/munin, signatures verified: conversation.message.sent (by a human), conversation.taken_over",
	"· GET /chat/s1 → what Munin's humans wrote",
	"Sam       › Hi, I'm Sam. Which day suits you for the delivery?",
	"visitor   › Thursday, please.",
	"· POST /chat → no reply: owner human (taken over)",
	"· 31 minutes pass without a word from Sam",
	"visitor   › Hello? Anyone there?",
	"· POST /chat → reply, owner bot (grace period over)",
	"bot       › Sorry for the wait!",
	"OK: the service answered, went quiet while Sam owned the conversation, and answered again.",
}

func TestScriptedVisitor(t *testing.T) {
	t.Parallel()
	demotest.InOrder(t, demotest.Run(t, run), story...)
}

func TestScriptedVisitorOnRedis(t *testing.T) {
	t.Parallel()
	mr := miniredis.RunT(t)
	demotest.InOrder(t, demotest.Run(t, run, "-redis", mr.Addr()), story...)
	keys := mr.Keys()
	require.Len(t, keys, 1, "one conversation's record")
	assert.True(t, strings.HasPrefix(keys[0], "botbridge:handoff:{"), keys[0])
}

func TestRedisThatIsNotThere(t *testing.T) {
	t.Parallel()
	mr := miniredis.RunT(t)
	addr := mr.Addr()
	mr.Close()
	_, _, err := demotest.RunErr(t, run, "-redis", addr)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "redis at "+addr)
}

// TestRealMunin runs the service as against the real Munin — keys from the
// environment, a webhook created beforehand — with munintest standing in
// for it.
func TestRealMunin(t *testing.T) {
	fake := munintest.NewServer(t)
	ctx := t.Context()
	admin, err := munin.NewClient(fake.AdminKey(), munin.WithBaseURL(fake.URL))
	require.NoError(t, err)
	defer admin.Close()
	// The webhook is created in Munin once; its URL is set below, when the
	// service's port is known.
	sub, err := admin.Webhooks.Create(ctx, munin.CreateWebhookRequest{URL: "http://placeholder.invalid/"})
	require.NoError(t, err)
	t.Setenv("MUNIN_WIDGET_KEY", fake.Channel().WidgetKey)
	t.Setenv("MUNIN_ADMIN_KEY", fake.AdminKey())
	t.Setenv("MUNIN_WEBHOOK_SECRET", sub.Secret.Value())

	srv := demotest.Start(t, run, "serving until Ctrl-C", "-serve", "-addr", "127.0.0.1:0",
		"-base-url", fake.URL, "-channel", fake.Channel().ID, "-origin", munintest.DefaultOrigin)
	base := regexp.MustCompile(`munin-widget-bot at (http://\S+)`).FindStringSubmatch(srv.Output())
	require.NotNil(t, base, srv.Output())
	hook := base[1] + "/webhooks/munin"
	_, err = admin.Webhooks.Update(ctx, sub.ID, munin.UpdateWebhookRequest{URL: &hook})
	require.NoError(t, err)
	assert.NotContains(t, srv.Output(), "/demo/human", "the real Munin has no demo route")

	var a chatAnswer
	require.NoError(t, call(ctx, http.MethodPost, base[1]+"/chat", chatRequest{Session: "s9", Text: "Where is my order?"}, &a))
	assert.Equal(t, "bot", a.Owner)
	assert.NotEmpty(t, a.Reply)

	_, err = fake.Dashboard().Reply(a.Conversation, "Sam here.")
	require.NoError(t, err)
	require.NoError(t, fake.WaitDeliveries(ctx))
	var got struct{ Messages []humanMessage }
	require.NoError(t, call(ctx, http.MethodGet, base[1]+"/chat/s9", nil, &got))
	require.Len(t, got.Messages, 1)
	assert.Equal(t, "Sam here.", got.Messages[0].Text)

	a = chatAnswer{}
	require.NoError(t, call(ctx, http.MethodPost, base[1]+"/chat", chatRequest{Session: "s9", Text: "Thanks"}, &a))
	assert.Empty(t, a.Reply, "a human owns the conversation")
	assert.Equal(t, "human", a.Owner)

	require.NoError(t, fake.WaitDeliveries(ctx))
	require.NoError(t, srv.Stop())
	for _, secret := range []string{fake.AdminKey(), fake.Channel().WidgetKey, sub.Secret.Value()} {
		assert.NotContains(t, srv.Output(), secret)
	}
	for _, d := range fake.Deliveries() {
		assert.Equal(t, "delivered", d.Status, "%s verified with the secret from the environment", d.EventType)
	}
}

func TestRealMuninNeedsItsKeys(t *testing.T) {
	t.Setenv("MUNIN_WIDGET_KEY", "wk_present")
	t.Setenv("MUNIN_ADMIN_KEY", "")
	_, _, err := demotest.RunErr(t, run, "-serve", "-base-url", "https://munin.invalid/", "-channel", "cch_1", "-origin", "https://shop.example")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "MUNIN_ADMIN_KEY is not set")
	assert.NotContains(t, err.Error(), "wk_present")

	_, _, err = demotest.RunErr(t, run, "-serve", "-base-url", "https://munin.invalid/")
	require.ErrorIs(t, err, demo.ErrUsage)
	assert.Contains(t, err.Error(), "-channel and -origin")

	_, _, err = demotest.RunErr(t, run, "-base-url", "https://munin.invalid/")
	require.ErrorIs(t, err, demo.ErrUsage)
	assert.Contains(t, err.Error(), "-base-url: only with -serve")
}

func TestChatRefusesBadInput(t *testing.T) {
	t.Parallel()
	fake := munintest.NewServer(t)
	widget, err := munin.NewWidgetClient(fake.Channel().WidgetKey, munin.WithBaseURL(fake.URL),
		munin.WithOrigin(munintest.DefaultOrigin), munin.WithChannel(fake.Channel().ID))
	require.NoError(t, err)
	admin, err := munin.NewClient(fake.AdminKey(), munin.WithBaseURL(fake.URL))
	require.NoError(t, err)
	ctl, err := handoff.New(nil)
	require.NoError(t, err)
	bot, err := widgetbot.New(widgetbot.Config{Widget: widget, Admin: admin, Controller: ctl})
	require.NoError(t, err)
	var logs bytes.Buffer
	h := newService(bot, http.NotFoundHandler(), nil, &logs)

	for _, c := range []struct{ method, path, body, want string }{
		{"POST", "/chat", `{"session":`, `body: want JSON {\"session\":…,\"text\":…}`},
		{"POST", "/chat", `{"text":"hi"}`, `session is required`},
		{"POST", "/chat", `{"session":"s1","text":"   "}`, `text is required`},
		{"POST", "/chat", `{"session":"s1","text":"` + strings.Repeat("x", 70<<10) + `"}`, `request body too large`},
	} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(c.method, c.path, strings.NewReader(c.body)))
		assert.Equal(t, http.StatusBadRequest, w.Code, c.want)
		assert.Contains(t, w.Body.String(), c.want)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("POST", "/demo/human", strings.NewReader(`{"session":"s1","text":"x"}`)))
	assert.Equal(t, http.StatusNotFound, w.Code, "no demo route without the fake")

	// The demo routes, with the fake: the same checks, and a session Munin
	// does not know.
	demoH := newService(bot, http.NotFoundHandler(), fake, &logs)
	for _, c := range []struct{ path, body, want string }{
		{"/demo/human", `{"session":"s1"}`, `text is required`},
		{"/demo/release", `{}`, `session is required`},
	} {
		w := httptest.NewRecorder()
		demoH.ServeHTTP(w, httptest.NewRequest("POST", c.path, strings.NewReader(c.body)))
		assert.Equal(t, http.StatusBadRequest, w.Code, c.want)
		assert.Contains(t, w.Body.String(), c.want)
	}
	w = httptest.NewRecorder()
	demoH.ServeHTTP(w, httptest.NewRequest("POST", "/demo/release", strings.NewReader(`{"session":"nobody"}`)))
	assert.Equal(t, http.StatusNotFound, w.Code)
	assert.Contains(t, w.Body.String(), "no conversation for session nobody")

	// Munin refusing the push is a 502 for the widget, and a log line
	// without the key.
	fake.FailNext("POST /v1/widget/messages", http.StatusForbidden, 1)
	w = httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("POST", "/chat", strings.NewReader(`{"session":"s1","text":"hi"}`)))
	assert.Equal(t, http.StatusBadGateway, w.Code)
	assert.JSONEq(t, `{"error":"chat failed"}`, w.Body.String())
	assert.Contains(t, logs.String(), "chat: push the visitor's message: ")
	assert.NotContains(t, logs.String(), fake.Channel().WidgetKey)
}

// TestServeOffline plays with -serve as a developer would with the printed
// curl lines: the fake Munin's human takes the conversation and hands it
// back, and the service prints each verified webhook as it comes.
func TestServeOffline(t *testing.T) {
	t.Parallel()
	srv := demotest.Start(t, run, "serving until Ctrl-C", "-serve", "-addr", "127.0.0.1:0")
	out := srv.Output()
	assert.Contains(t, out, "(who owns each conversation: memory)")
	assert.Contains(t, out, "Munin: a fake Munin (munintest) at http://127.0.0.1:")
	assert.Regexp(t, `curl -s http://127\.0\.0\.1:\d+/demo/human -d`, out)
	assert.Regexp(t, `curl -s http://127\.0\.0\.1:\d+/demo/release -d`, out)
	base := regexp.MustCompile(`munin-widget-bot at (http://\S+)`).FindStringSubmatch(out)[1]
	ctx := t.Context()
	chat := func(text string) chatAnswer {
		t.Helper()
		var a chatAnswer
		require.NoError(t, call(ctx, http.MethodPost, base+"/chat", chatRequest{Session: "s1", Text: text}, &a))
		return a
	}

	a := chat("Where is my order?")
	assert.Contains(t, a.Reply, "Order #1042")
	b, err := json.Marshal(a)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"owner":"bot","reason":"no handoff"`)

	// The dashboard routes answer once the fake delivered the webhooks, so
	// each next /chat sees their effect.
	require.NoError(t, call(ctx, http.MethodPost, base+"/demo/human", chatRequest{Session: "s1", Text: "Sam here."}, nil))
	srv.WaitFor(t, "webhook conversation.taken_over, signature verified")
	a = chat("Thanks")
	assert.Empty(t, a.Reply)
	assert.Equal(t, "human", a.Owner)
	require.NotNil(t, a.Until, "a human owns it until the grace period ends")

	require.NoError(t, call(ctx, http.MethodPost, base+"/demo/release", chatRequest{Session: "s1"}, nil))
	srv.WaitFor(t, "webhook conversation.released, signature verified")
	a = chat("Anyone?")
	assert.NotEmpty(t, a.Reply, "the human handed the conversation back")
	assert.Equal(t, "bot", a.Owner)
	require.NoError(t, srv.Stop())
}
