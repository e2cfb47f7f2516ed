package main

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/certainly/certainlytest"
	"github.com/botbridge/botbridge/examples/internal/demo"
	"github.com/botbridge/botbridge/examples/internal/demotest"
)

func TestOfflineRelay(t *testing.T) {
	t.Parallel()
	out := demotest.Run(t, run)
	demotest.InOrder(t, out,
		"user      › Where is my parcel?",
		"bot       › Let me look… it is on its way.",
		"user      › Can I talk to a person?",
		"wants a human; the bot is in listen mode (Handover)",
		"· Certainly's bot is in listen mode",
		"user      › It was due yesterday.",
		`· message webhook: web-user-42 wrote "It was due yesterday."; shown to the agent, the bot stays quiet`,
		"agent     › Hi, I'm Sam from support.",
		"user      › Great, thanks!",
		`· message webhook: web-user-42 wrote "Great, thanks!"`,
		`· the agent gave the conversation back to the bot (Takeover, ClaimEnd "agent-done")`,
		"· Certainly's bot is in normal mode",
		"bot       › Moving on to the next module: agent-done",
		"user      › Can I change the address?",
		"bot       › Yes: open your order and choose Change address.",
		"2. The user asks again; the agent says nothing",
		"· Certainly's bot is in listen mode",
		"· 31 minutes pass without a word from the agent",
		"· the agent's grace period ran out: the relay gave web-user-42 back to the bot (Takeover)",
		"· Certainly's bot is in normal mode",
		"bot       › Moving on to the next module: agent-timeout",
		"user      › Hello?",
		"bot       › I'm the shop's bot.",
		`OK: two handovers; Certainly saw 1 agent message(s) and takeovers with ClaimEnd ["agent-done" "agent-timeout"].`,
	)
	assert.NotContains(t, out, "webhook-token-for-the-offline-demo")
	assert.NotContains(t, out, "(agent, your turn", "no prompt when the agent is scripted")
}

// With -i, the agent's lines are typed, after a prompt.
func TestInteractiveAgent(t *testing.T) {
	typing := demotest.Stdin(t)
	go func() {
		_, _ = io.WriteString(typing, "Typed by hand.\n/release\n")
		typing.Close()
	}()
	out := demotest.Run(t, run, "-i")
	demotest.InOrder(t, out,
		"(agent, your turn: type a reply, or /release [ClaimEnd])",
		"agent     › Typed by hand.",
		"(agent, your turn",
		`the agent gave the conversation back to the bot (Takeover, ClaimEnd "")`,
		"bot       › Yes: open your order",
	)
}

// An agent who never releases: both handovers end by the grace period.
func TestSilentAgent(t *testing.T) {
	t.Parallel()
	out := demotest.Run(t, run, "-script", "testdata/silent-agent.txt")
	demotest.InOrder(t, out,
		"agent     › Sam here. Checking with the courier now.",
		"user      › Great, thanks!",
		"· the agent has nothing more to say",
		"· 31 minutes pass without a word from the agent",
		"· the agent's grace period ran out",
		"· Certainly's bot is in normal mode",
		"bot       › Yes: open your order and choose Change address.",
		`takeovers with ClaimEnd ["agent-timeout" "agent-timeout"]`,
	)
}

// TestRealCertainly serves the relay as for the real Certainly — tokens
// from the environment, the agent at the terminal — with certainlytest
// standing in for it.
func TestRealCertainly(t *testing.T) {
	const webhookToken = "webhook-token-from-the-environment"
	program := demotest.Forward(t)
	fake := certainlytest.NewServer(t, certainlytest.WithWebhooks(program.URL+webhookPath,
		program.URL+webhookPath, certainlytest.BearerAuth(webhookToken)))
	t.Setenv("CERTAINLY_TOKEN", fake.Token())
	t.Setenv("CERTAINLY_WEBHOOK_TOKEN", webhookToken)
	typing := demotest.Stdin(t)

	srv := demotest.Start(t, run, "serving until Ctrl-C", "-serve", "-addr", "127.0.0.1:0", "-base-url", fake.URL)
	m := regexp.MustCompile(`certainly-relay at (http://\S+);`).FindStringSubmatch(srv.Output())
	require.NotNil(t, m, srv.Output())
	program.To(t, m[1])

	// A claim without the Webhook Builder's token is refused.
	resp, err := http.Post(m[1]+webhookPath, "application/json",
		strings.NewReader(`{"botId":"b","to":"intruder","reply":"VarWebhook"}`))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)

	ctx := t.Context()
	require.NoError(t, fake.UserAsksForHuman(ctx, "u1"))
	require.NoError(t, fake.WaitMode(ctx, "u1", certainlytest.ModeListen))
	r, err := fake.UserSays(ctx, "u1", "Is anyone there?")
	require.NoError(t, err)
	assert.Empty(t, r.Text, "the bot listens")
	srv.WaitFor(t, `u1 wrote "Is anyone there?"; shown to the agent`)
	_, err = io.WriteString(typing, "Hello, Sam here.\n")
	require.NoError(t, err)
	got, err := fake.WaitAgentMessages(ctx, "u1", 1)
	require.NoError(t, err)
	assert.Equal(t, []string{"Hello, Sam here."}, got)
	srv.WaitFor(t, "agent     › Hello, Sam here.")
	_, err = io.WriteString(typing, "/release resolved\n")
	require.NoError(t, err)
	require.NoError(t, fake.WaitMode(ctx, "u1", certainlytest.ModeNormal))
	srv.WaitFor(t, `ClaimEnd "resolved"`)

	require.NoError(t, srv.Stop())
	out := srv.Output()
	assert.Contains(t, out, "u1 wants a human")
	assert.NotContains(t, out, "intruder")
	assert.NotContains(t, out, webhookToken)
	assert.NotContains(t, out, fake.Token())
}

func TestRealCertainlyNeedsItsTokens(t *testing.T) {
	t.Setenv("CERTAINLY_TOKEN", "")
	t.Setenv("CERTAINLY_WEBHOOK_TOKEN", "webhook-token-from-the-environment")
	_, _, err := demotest.RunErr(t, run, "-serve", "-addr", "127.0.0.1:0")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "CERTAINLY_TOKEN is not set")

	t.Setenv("CERTAINLY_TOKEN", "api-token-from-the-environment")
	t.Setenv("CERTAINLY_WEBHOOK_TOKEN", " ")
	_, _, err = demotest.RunErr(t, run, "-serve", "-addr", "127.0.0.1:0")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "CERTAINLY_WEBHOOK_TOKEN is not set")
	assert.NotContains(t, err.Error(), "api-token-from-the-environment")
}

func TestBadFlags(t *testing.T) {
	t.Parallel()
	_, stderr, err := demotest.RunErr(t, run, "-token", "x")
	require.ErrorIs(t, err, demo.ErrUsage)
	assert.Contains(t, stderr, "never from flags")
	_, stderr, err = demotest.RunErr(t, run, "-addr", ":8080")
	require.ErrorIs(t, err, demo.ErrUsage, "without -serve, -addr would quietly run the offline demo")
	assert.Contains(t, stderr, "-addr: only with -serve")
}
