package main

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/altabots"
	"github.com/botbridge/botbridge/altabots/altabotstest"
	"github.com/botbridge/botbridge/examples/internal/demo"
	"github.com/botbridge/botbridge/examples/internal/demotest"
)

func TestOfflineHandoff(t *testing.T) {
	t.Parallel()
	out := demotest.Run(t, run)
	demotest.InOrder(t, out,
		"AltaBots hands over conversation ",
		"user      › My order 1042 never arrived.",
		"bot       › I'm sorry! Let me get you a human colleague.",
		"· handoff: the conversation is owned by the human (human active)",
		"· 45 s pass on the demo's clock without an answer from the operator",
		"· nobody answered for 45s: the handler sent the automatic first reply",
		"desk      › Thanks for waiting!",
		"· AltaBots recorded it at 10:00:45, before the deadline at 10:01:00: state active",
		"user      › Thanks. Do you know where it is?",
		"operator  › Hi Bob, I'm Dana from support. Let me check order 1042.",
		"user      › Will it come before the weekend?",
		"operator  › It was held at the depot and arrives tomorrow morning.",
		"(USER_CLOSED): the user closed it",
		"· handoff: the conversation is owned by the bot (conversation closed)",
		"OK: AltaBots received 3 replies from the desk, the first inside its 60 s; the conversation is closed.",
	)
	assert.NotContains(t, out, "desk-token-for-the-offline-demo")
}

func TestOperatorClosesFromTheDesk(t *testing.T) {
	t.Parallel()
	out := demotest.Run(t, run, "-script", "testdata/close-early.txt")
	demotest.InOrder(t, out,
		"user      › Thanks. Do you know where it is?",
		"operator  › Hi Bob, Dana here. It arrives tomorrow; I've refunded the shipping.",
		"user      › Will it come before the weekend?",
		"· the desk closed ",
		"· handoff: the conversation is owned by the bot (conversation closed)",
		"OK: AltaBots received 2 replies from the desk",
	)
	assert.NotContains(t, out, "USER_CLOSED", "the desk closed it; the user did not")
}

func TestInteractiveOperator(t *testing.T) {
	typing := demotest.Stdin(t)
	go func() {
		_, _ = io.WriteString(typing, "Dana here, one moment.\n")
		typing.Close()
	}()
	out := demotest.Run(t, run, "-i")
	demotest.InOrder(t, out,
		"operator  › Dana here, one moment.",
		"· the operator has nothing more to say",
		"(USER_CLOSED): the user closed it",
		"OK: AltaBots received 2 replies from the desk",
	)
}

// TestRealAltaBots serves the desk as for the real AltaBots — keys from the
// environment, the operator at the terminal — with altabotstest standing
// in for it.
func TestRealAltaBots(t *testing.T) {
	const deskToken = "desk-token-from-the-environment"
	// AltaBots must know the desk's URL before the desk runs: a proxy
	// stands at a known URL and forwards once the desk has printed its own.
	desk := demotest.Forward(t)
	fake := altabotstest.NewServer(t, altabotstest.WithDesk(desk.URL,
		func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+deskToken) }))
	t.Setenv("ALTABOTS_API_KEY", fake.APIKey())
	t.Setenv("ALTABOTS_DESK_TOKEN", deskToken)
	typing := demotest.Stdin(t)

	srv := demotest.Start(t, run, "serving until Ctrl-C", "-serve", "-addr", "127.0.0.1:0", "-base-url", fake.URL)
	m := regexp.MustCompile(`altabots-desk at (http://\S+);`).FindStringSubmatch(srv.Output())
	require.NotNil(t, m, srv.Output())
	assert.Contains(t, srv.Output(), m[1]+"/conversation/establish")
	desk.To(t, m[1])

	// A call without AltaBots' token is refused before the desk sees it.
	resp, err := http.Post(m[1]+"/conversation/establish", "application/json",
		strings.NewReader(`{"conversation_id":"forged","body":[{"text":"intruder","message_type":"QUESTION"}]}`))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)

	ctx := t.Context()
	conv, err := fake.Escalate(ctx, altabotstest.User{Email: "ann@example.com"},
		altabots.Message{Type: altabots.Question, Text: "I need a human."})
	require.NoError(t, err)
	_, err = io.WriteString(typing, "Hello Ann, Dana here.\n")
	require.NoError(t, err)
	replies, err := fake.WaitReplies(ctx, conv.ID, 1)
	require.NoError(t, err)
	assert.Equal(t, "Hello Ann, Dana here.", replies[0].Body, "the operator's line, not the automatic reply")
	srv.WaitFor(t, "operator  › Hello Ann, Dana here.")
	require.NoError(t, fake.UserCloses(ctx, conv.ID))

	require.NoError(t, srv.Stop())
	out := srv.Output()
	demotest.InOrder(t, out, "user      › I need a human.", "operator  › Hello Ann, Dana here.", "(USER_CLOSED)")
	assert.NotContains(t, out, "intruder")
	assert.NotContains(t, out, deskToken)
	assert.NotContains(t, out, fake.APIKey())
}

func TestRealAltaBotsNeedsItsKeys(t *testing.T) {
	t.Setenv("ALTABOTS_API_KEY", "key-that-is-set")
	t.Setenv("ALTABOTS_DESK_TOKEN", "")
	_, _, err := demotest.RunErr(t, run, "-serve", "-addr", "127.0.0.1:0")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "ALTABOTS_DESK_TOKEN is not set")
	assert.NotContains(t, err.Error(), "key-that-is-set")
}

func TestBadFlags(t *testing.T) {
	t.Parallel()
	_, stderr, err := demotest.RunErr(t, run, "-token", "x")
	require.ErrorIs(t, err, demo.ErrUsage)
	assert.Contains(t, stderr, "ALTABOTS_DESK_TOKEN from the environment")
	_, _, err = demotest.RunErr(t, run, "-script", "testdata/missing.txt")
	require.ErrorContains(t, err, "operator lines: open testdata/missing.txt")
}
