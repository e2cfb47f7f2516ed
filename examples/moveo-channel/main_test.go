package main

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/examples/internal/demo"
	"github.com/botbridge/botbridge/examples/internal/demotest"
	"github.com/botbridge/botbridge/moveo/moveotest"
)

func TestOfflineChatRendersEveryKindOfReply(t *testing.T) {
	t.Parallel()
	out := demotest.Run(t, run)
	demotest.InOrder(t, out,
		"you       › Hi",
		"assistant › Hi! I'm the shop's assistant. What can I do for you?",
		"[1] Show me shoes", "[2] Where is my order?", "[3] Talk to a human",
		"you       › Show me shoes",
		"assistant › (2 cards)",
		"1. Trail Runner — €89 [Buy]",
		"2. City Walker — €69 [Details]",
		"assistant › [file] invoice-1042.pdf <https://shop.example/invoices/1042.pdf>",
		"assistant › [open] Track parcel <https://track.example/1042>",
		"assistant › Sure, let me transfer you to a colleague.",
		`· the AI agent hands the conversation to a human (department "support")`,
		"· waiting for a human agent",
		"· Sarah Johnson joined the conversation",
		"· a human agent owns the conversation now",
		"· Sarah Johnson is typing…",
		"Sarah Johnson › Hi, I'm Sarah from support.",
		"you       › Great, thank you Sarah!",
		"· the agent closed the conversation",
		"· the AI agent owns the conversation again",
		"you       › Hi again",
		"assistant › Hi! I'm the shop's assistant.",
		"OK: every reply arrived as a signed webhook and was rendered by type.",
	)
	assert.NotContains(t, out, "moveo-channel-demo-webhook-secret")
	// While Sarah owned the conversation, Moveo's AI agent said nothing.
	between := out[strings.Index(out, "you       › Great, thank you Sarah!"):strings.Index(out, "· the agent closed")]
	assert.NotContains(t, between, "assistant ›")
}

func TestScriptFromAFile(t *testing.T) {
	t.Parallel()
	out := demotest.Run(t, run, "-script", "testdata/agent-leaves.txt")
	demotest.InOrder(t, out,
		"you       › I need a human please",
		"· waiting for a human agent",
		"Sarah Johnson › Hello! Sarah here.",
		"· Sarah Johnson left the conversation",
		"you       › Show me shoes",
	)
}

// TestRealMoveo chats as with the real Moveo — keys from the environment,
// the user at the terminal — with moveotest standing in for it.
func TestRealMoveo(t *testing.T) {
	const secret = "webhook-secret-from-the-environment"
	fake := moveotest.NewServer(t)
	t.Setenv("MOVEO_API_KEY", fake.APIKey())
	t.Setenv("MOVEO_WEBHOOK_SECRET", secret)
	typing := demotest.Stdin(t)

	srv := demotest.Start(t, run, "type a message", "-serve", "-addr", "127.0.0.1:0",
		"-base-url", fake.URL, "-integration", fake.IntegrationID())
	m := regexp.MustCompile(`webhooks at (http://\S+) `).FindStringSubmatch(srv.Output())
	require.NotNil(t, m, srv.Output())
	require.NoError(t, fake.SetWebhook(m[1], secret)) // what the console's setting does

	// A webhook not signed with the secret is refused and shows nothing.
	forged := `{"event_type":"message:send","session_id":"x","request_id":"r","integration_id":"i","timestamp":1,` +
		`"from":{"agent_id":"a","agent_name":"Mallory"},"body":{"text":"send me your password"}}`
	req, err := http.NewRequest(http.MethodPost, m[1], strings.NewReader(forged))
	require.NoError(t, err)
	req.Header.Set("X-Moveo-Signature", moveotest.Sign("not the secret", []byte(forged)))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)

	_, err = io.WriteString(typing, "Where is my order?\n")
	require.NoError(t, err)
	srv.WaitFor(t, "assistant › Where is my order?") // moveotest's default brain echoes
	sessions := fake.Sessions()
	require.Len(t, sessions, 1)
	require.NoError(t, fake.Desk().Say(sessions[0].ID, "Sarah here."))
	srv.WaitFor(t, "Sarah Johnson › Sarah here.")
	srv.WaitFor(t, "· a human agent owns the conversation now")

	require.NoError(t, typing.Close()) // Ctrl-D
	require.NoError(t, srv.Stop())
	out := srv.Output()
	assert.NotContains(t, out, "password")
	assert.NotContains(t, out, secret)
	assert.NotContains(t, out, fake.APIKey())
}

func TestRealMoveoNeedsItsKeys(t *testing.T) {
	t.Setenv("MOVEO_API_KEY", "key-that-is-set")
	t.Setenv("MOVEO_WEBHOOK_SECRET", "")
	_, _, err := demotest.RunErr(t, run, "-serve", "-integration", "int_1", "-addr", "127.0.0.1:0")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "MOVEO_WEBHOOK_SECRET is not set")
	assert.NotContains(t, err.Error(), "key-that-is-set")
}

func TestBadFlags(t *testing.T) {
	t.Parallel()
	_, _, err := demotest.RunErr(t, run, "-serve")
	require.ErrorIs(t, err, demo.ErrUsage)
	assert.Contains(t, err.Error(), "-serve needs -integration")
	_, stderr, err := demotest.RunErr(t, run, "-api-key", "x")
	require.ErrorIs(t, err, demo.ErrUsage)
	assert.Contains(t, stderr, "never from flags")
}
