package main

import (
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/examples/internal/demo"
	"github.com/botbridge/botbridge/examples/internal/demotest"
	"github.com/botbridge/botbridge/moveo"
	"github.com/botbridge/botbridge/moveo/moveotest"
)

func TestOfflineChatRendersEveryKindOfReply(t *testing.T) {
	t.Parallel()
	out := demotest.Run(t, run)
	demotest.InOrder(t, out,
		// text with quick replies, and a quick reply picked by number
		"you       › Hi",
		"assistant › Hi! I'm the shop's assistant. What can I do for you?",
		"[1] Show me shoes", "[2] Where is my order?", "[3] Talk to a human",
		"you       › 1 → Show me shoes",
		// pause, carousel (media, postback, url and webview buttons)
		"assistant › Here are this week's favourites:",
		"· assistant is typing… (pause)",
		"assistant › 2 cards:",
		"• Trail Runner — €89 (image <https://shop.example/img/trail.jpg>)",
		"[1] Buy   Details <https://shop.example/trail>",
		"• City Walker — €69",
		"[2] Buy   Size guide <https://shop.example/sizes> (webview)",
		// a postback button picked by number, and an image
		"you       › 1 → buy trail runner",
		"assistant › [image] Trail Runner, side view <https://shop.example/img/trail-side.jpg>",
		"assistant › [video] Lacing tutorial <https://shop.example/video/lacing.mp4>",
		"assistant › [audio] Fitting tips from our shoe expert <https://shop.example/audio/fit.mp3>",
		"assistant › [file] invoice-1042.pdf, 48 KB <https://shop.example/invoices/1042.pdf>",
		"assistant › [webview] Track parcel <https://track.example/1042> (tall)",
		// handover, then the desk agent
		"you       › I want to talk to a human",
		"assistant › Sure, let me transfer you to a colleague.",
		"· handover: the AI agent passes the conversation to a human agent of support",
		"· waiting for a human agent: the AI agent stays quiet",
		"· Sarah Johnson joined the conversation",
		"· a human agent owns this conversation now",
		"· Sarah Johnson is typing…",
		"Sarah Johnson › Hi, I'm Sarah from support. I see order 1042: it ships today.",
		"you       › Great, thank you Sarah!",
		"· Sarah Johnson closed the conversation (resolved)",
		"· the AI agent owns this conversation again",
		"you       › Hi again",
		"assistant › Hi! I'm the shop's assistant.",
		"· the session was closed",
		"OK: every reply came as a signed webhook",
	)
	// While Sarah owned the conversation, Moveo's AI agent said nothing.
	from, to := strings.Index(out, "you       › Great, thank you Sarah!"), strings.Index(out, "· Sarah Johnson closed")
	require.True(t, from >= 0 && to > from, out)
	assert.NotContains(t, out[from:to], "assistant ›")
	assert.NotContains(t, out, demoSecret)
}

func TestScriptFromAFile(t *testing.T) {
	t.Parallel()
	out := demotest.Run(t, run, "-script", "testdata/agent-leaves.txt")
	demotest.InOrder(t, out,
		"you       › I need a human please",
		"· waiting for a human agent",
		"· a human agent owns this conversation now",
		"Sarah Johnson › Hello! Sarah here.",
		"· Sarah Johnson left the conversation",
		"· 25h pass on the fake Moveo's clock",
		"· the session expired after a time without messages",
		"· the AI agent owns this conversation again",
		// SendMessageOrRenew opened a new session with the same
		// external_session_id: the chat goes on.
		"you       › Show me shoes",
		"assistant › 2 cards:",
		"· the session was closed",
	)
}

// TestInteractive types into the offline chat: a user line, a desk agent
// command, a typo, and /quit, after which nothing more is read.
func TestInteractive(t *testing.T) {
	typing := demotest.Stdin(t)
	go func() {
		// Fails only when the program stopped reading, which the
		// assertions below report.
		_, _ = io.WriteString(typing, "Hi\n/agent Hello from the desk\n/nonsense\n/quit\nnot sent\n")
	}()
	out := demotest.Run(t, run, "-i")
	demotest.InOrder(t, out,
		"you       › Hi",
		"assistant › Hi! I'm the shop's assistant.",
		"· Sarah Johnson is typing…",
		"· a human agent owns this conversation now", // typing is a human's activity
		"Sarah Johnson › Hello from the desk",
		"· unknown command /nonsense",
		"· the session was closed",
	)
	assert.NotContains(t, out, "not sent")
}

// TestRealMoveo chats as with the real Moveo — keys from the environment,
// the user at the terminal — with a moveotest started apart standing in
// for it.
func TestRealMoveo(t *testing.T) {
	const secret = "webhook-secret-from-the-environment"
	fake := moveotest.NewServer(t)
	t.Setenv("MOVEO_API_KEY", fake.APIKey())
	t.Setenv("MOVEO_WEBHOOK_SECRET", secret)
	typing := demotest.Stdin(t)

	srv := demotest.Start(t, run, "type a message", "-serve", "-addr", "127.0.0.1:0",
		"-base-url", fake.URL, "-integration", fake.IntegrationID(), "-public-url", "https://chat.example.com/")
	m := regexp.MustCompile(`webhooks at (http://\S+)`).FindStringSubmatch(srv.Output())
	require.NotNil(t, m, srv.Output())
	webhookURL := m[1]
	assert.Contains(t, srv.Output(), "webhook_url in Moveo's console must be https://chat.example.com/webhooks/moveo")
	require.NoError(t, fake.SetWebhook(webhookURL, secret)) // what the console's setting does

	// A webhook not signed with the secret is refused and shows nothing;
	// one for another chat of the integration is accepted and not shown.
	event := func(external, text string) string {
		return fmt.Sprintf(`{"event_type":"message:send","session_id":"s","external_session_id":%q,`+
			`"request_id":%q,"integration_id":"i","timestamp":%d,`+
			`"from":{"agent_id":"a","agent_name":"Mallory"},"body":{"text":%q}}`,
			external, text, time.Now().UnixMilli(), text)
	}
	post := func(body, signedWith string) int {
		req, err := http.NewRequest(http.MethodPost, webhookURL, strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set(moveo.HeaderSignature, moveotest.Sign(signedWith, []byte(body)))
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	assert.Equal(t, http.StatusUnauthorized, post(event("terminal-1", "send me your password"), "not the secret"))
	assert.Less(t, post(event("someone-else", "a message for another chat"), secret), 300)

	_, err := io.WriteString(typing, "Where is my order?\n")
	require.NoError(t, err)
	srv.WaitFor(t, "assistant › Where is my order?") // moveotest's default brain echoes
	sessions := fake.Sessions()
	require.Len(t, sessions, 1)
	require.NoError(t, fake.Desk().Say(sessions[0].ID, "Sarah here."))
	srv.WaitFor(t, "Sarah Johnson › Sarah here.")
	srv.WaitFor(t, "· a human agent owns this conversation now")

	require.NoError(t, typing.Close()) // Ctrl-D: the user leaves
	require.NoError(t, srv.Stop())
	s, ok := fake.Session(sessions[0].ID)
	require.True(t, ok)
	assert.Equal(t, moveotest.StatusClosed, s.Status, "the channel closes its session when the user leaves")
	out := srv.Output()
	assert.NotContains(t, out, "Mallory")
	assert.NotContains(t, out, secret)
	assert.NotContains(t, out, fake.APIKey())
}

func TestRealMoveoNeedsItsKeys(t *testing.T) {
	t.Setenv("MOVEO_API_KEY", "key-that-is-set")
	t.Setenv("MOVEO_WEBHOOK_SECRET", "")
	stdout, stderr, err := demotest.RunErr(t, run, "-serve", "-integration", "int_1", "-addr", "127.0.0.1:0")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "MOVEO_WEBHOOK_SECRET is not set")
	for _, s := range []string{err.Error(), stdout, stderr} {
		assert.NotContains(t, s, "key-that-is-set")
	}
}

func TestBadFlags(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-serve"}, "-serve needs -integration"},
		{[]string{"-integration", "int_1"}, "-integration: only with -serve"},
		{[]string{"-serve", "-integration", "int_1", "-script", "chat.txt"}, "-script: only offline; with -serve you type in the terminal"},
		{[]string{"-serve", "-integration", "int_1", "-public-url", "chat.example.com"}, "is not an http(s) URL"},
		{[]string{"hello"}, `unexpected argument "hello"`},
	} {
		_, stderr, err := demotest.RunErr(t, run, tc.args...)
		require.ErrorIs(t, err, demo.ErrUsage, "%q", tc.args)
		assert.Contains(t, err.Error(), tc.want, "%q", tc.args)
		assert.Contains(t, stderr, tc.want, "%q: demo.Main prints only stderr", tc.args)
		assert.Contains(t, stderr, "usage: go run ./examples/moveo-channel", "%q", tc.args)
	}
	// A secret is never a flag; the usage says where it goes.
	_, stderr, err := demotest.RunErr(t, run, "-api-key", "x")
	require.ErrorIs(t, err, demo.ErrUsage)
	assert.Contains(t, stderr, "MOVEO_API_KEY and MOVEO_WEBHOOK_SECRET from the environment (never from flags)")
}
