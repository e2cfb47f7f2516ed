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
		// establish: the transcript and the user info reach the operator
		"AltaBots hands over conversation ",
		"· the user: email bob@example.com, user_id bob-17, anonymous_id 652face5184b30540a6ea7fe",
		"user      › My order 1042 never arrived.",
		"bot       › I'm sorry! Let me get you a human colleague.",
		"· handoff: the conversation is owned by the human (human active)",
		// the operator is busy: the handler acknowledges inside the deadline
		"· the operator is busy: the demo's clock skips 45 s; AltaBots ends a handoff after 60 s without a reply",
		"· nobody answered for 45 s: the handler sent the automatic first reply",
		"desk      › Thanks for waiting!",
		"· AltaBots recorded it at 10:00:45, 15 s before its deadline at 10:01:00",
		// the user and the operator talk
		"user      › Thanks. Do you know where it is?",
		"operator  › Hi Bob, I'm Dana from support. Let me check order 1042.",
		"user      › Will it come before the weekend?",
		"operator  › It was held at the depot and arrives tomorrow morning.",
		// the user closes
		"(USER_CLOSED): the user closed it",
		"· handoff: the conversation is owned by the bot (conversation closed)",
		// the fake's own record
		": closed (USER_CLOSED), 3 replies from the desk:",
		"  10:00:45  Thanks for waiting!",
		"  10:01:05  Hi Bob, I'm Dana from support.",
		"  10:01:25  It was held at the depot",
		"OK: AltaBots received the desk's acknowledgement inside its 60 s and 2 replies from the operator.",
	)
	assert.NotContains(t, out, "offline-demo-desk-token")
}

func TestOperatorClosesFromTheDesk(t *testing.T) {
	t.Parallel()
	out := demotest.Run(t, run, "-script", "testdata/operator-closes.txt")
	demotest.InOrder(t, out,
		"user      › Thanks. Do you know where it is?",
		"· 1 open conversation(s), * is the current one: *",
		"· /help is not a command: type text to answer",
		"operator  › Hi Bob, Dana here. It arrives tomorrow; I've refunded the shipping.",
		"user      › Will it come before the weekend?",
		"· the desk closed ",
		"· handoff: the conversation is owned by the bot (conversation closed)",
		": closed (desk), 2 replies from the desk:",
		"OK: AltaBots received the desk's acknowledgement inside its 60 s and 1 reply from the operator.",
	)
	assert.NotContains(t, out, "USER_CLOSED", "the desk closed it; the user did not")
	assert.NotContains(t, out, "operator  › /", "commands are not sent to the user")
}

func TestInteractiveOperator(t *testing.T) {
	typing := demotest.Stdin(t)
	go func() {
		_, _ = io.WriteString(typing, "Dana here, one moment.\n")
		typing.Close() // Ctrl-D
	}()
	out := demotest.Run(t, run, "-i")
	demotest.InOrder(t, out,
		"user      › Thanks. Do you know where it is?",
		"operator  › Dana here, one moment.",
		"user      › Will it come before the weekend?",
		"· the operator has nothing more to say",
		"(USER_CLOSED): the user closed it",
		"OK: AltaBots received the desk's acknowledgement inside its 60 s and 1 reply from the operator.",
	)
}

// TestRealAltaBots serves the desk as for the real AltaBots — secrets from
// the environment, the operator at the terminal, real time — with
// altabotstest standing in for AltaBots.
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
	operator := func(line string) {
		t.Helper()
		_, err := io.WriteString(typing, line+"\n")
		require.NoError(t, err)
	}

	srv := demotest.Start(t, run, "serving until Ctrl-C", "-serve", "-addr", "127.0.0.1:0", "-base-url", fake.URL)
	m := regexp.MustCompile(`altabots-desk at (http://\S+);`).FindStringSubmatch(srv.Output())
	require.NotNil(t, m, srv.Output())
	assert.Contains(t, srv.Output(), m[1]+"/conversation/establish\n")
	assert.Contains(t, srv.Output(), "replies go to "+fake.URL)
	desk.To(t, m[1])

	// A call without AltaBots' token, or with another, is refused before
	// the desk sees it.
	for _, auth := range []string{"", "Bearer not-the-token"} {
		req, err := http.NewRequest(http.MethodPost, m[1]+"/conversation/establish",
			strings.NewReader(`{"conversation_id":"forged","body":[{"text":"intruder","message_type":"QUESTION"}]}`))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, "Authorization %q", auth)
	}

	// Ann is handed over and answered.
	ctx := t.Context()
	ann, err := fake.Escalate(ctx, altabotstest.User{Email: "ann@example.com"},
		altabots.Message{Type: altabots.Question, Text: "I need a human."})
	require.NoError(t, err)
	operator("Hello Ann, Dana here.")
	replies, err := fake.WaitReplies(ctx, ann.ID, 1)
	require.NoError(t, err)
	assert.Equal(t, "Hello Ann, Dana here.", replies[0].Body, "the operator's line, not the automatic reply")
	srv.WaitFor(t, "operator  › Hello Ann, Dana here.") // printed once SendMessage returned

	// Cy arrives while Dana talks to Ann: Cy's lines are marked, and Dana
	// switches to him with /to and the start of his id.
	cy, err := fake.Escalate(ctx, altabotstest.User{Email: "cy@example.com"},
		altabots.Message{Type: altabots.Question, Text: "Agent please."})
	require.NoError(t, err)
	require.NoError(t, fake.UserSays(ctx, cy.ID, "Anyone there?"))
	operator("/to " + cy.ID[:8])
	operator("Hi Cy, one moment.")
	replies, err = fake.WaitReplies(ctx, cy.ID, 1)
	require.NoError(t, err)
	assert.Equal(t, "Hi Cy, one moment.", replies[0].Body)
	srv.WaitFor(t, "operator  › Hi Cy, one moment.")

	// Ann closes; Dana closes Cy's conversation from the desk.
	require.NoError(t, fake.UserCloses(ctx, ann.ID))
	operator("/close")
	closed, err := fake.WaitClosed(ctx, cy.ID)
	require.NoError(t, err)
	assert.Equal(t, altabotstest.ReasonDesk, closed.CloseReason)
	srv.WaitFor(t, "· the desk closed "+cy.ID)

	require.NoError(t, srv.Stop())
	out := srv.Output()
	demotest.InOrder(t, out,
		"AltaBots hands over conversation "+ann.ID,
		"· the user: email ann@example.com",
		"user      › I need a human.",
		"operator  › Hello Ann, Dana here.",
		"AltaBots hands over conversation "+cy.ID,
		"user in "+cy.ID+" › Agent please.",
		"· you are still answering "+ann.ID+": /to "+cy.ID+" answers this one",
		"user in "+cy.ID+" › Anyone there?",
		"· now answering "+cy.ID,
		"operator  › Hi Cy, one moment.",
	)
	demotest.InOrder(t, out,
		"· AltaBots closed "+ann.ID+" (USER_CLOSED): the user closed it",
		"· the desk closed "+cy.ID,
	)
	assert.NotContains(t, out, "intruder")
	assert.NotContains(t, out, "forged")
	assert.NotContains(t, out, deskToken)
	assert.NotContains(t, out, fake.APIKey())
	for _, r := range fake.Requests() {
		assert.Equal(t, http.StatusOK, r.Status, "%s", r.Route)
	}
}

func TestRealAltaBotsNeedsItsSecrets(t *testing.T) {
	for _, missing := range []string{"ALTABOTS_API_KEY", "ALTABOTS_DESK_TOKEN"} {
		t.Run(missing, func(t *testing.T) {
			t.Setenv("ALTABOTS_API_KEY", "key-that-is-set")
			t.Setenv("ALTABOTS_DESK_TOKEN", "token-that-is-set")
			t.Setenv(missing, "")
			stdout, stderr, err := demotest.RunErr(t, run, "-serve", "-addr", "127.0.0.1:0")
			require.Error(t, err)
			assert.Contains(t, err.Error(), "environment variable "+missing+" is not set")
			for _, secret := range []string{"key-that-is-set", "token-that-is-set"} {
				assert.NotContains(t, err.Error()+stdout+stderr, secret)
			}
		})
	}
}

func TestBadFlags(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		says string // on stderr, before the usage
	}{
		{[]string{"-token", "x"}, "flag provided but not defined: -token"},
		{[]string{"-addr", ":8080"}, "-addr: only with -serve"},
		{[]string{"-serve", "-script", "lines.txt"}, "-script: only offline; with -serve you type in the terminal"},
	} {
		_, stderr, err := demotest.RunErr(t, run, tc.args...)
		require.ErrorIs(t, err, demo.ErrUsage, "%q", tc.args)
		assert.Contains(t, stderr, tc.says)
		assert.Contains(t, stderr, "ALTABOTS_DESK_TOKEN from the environment", "the usage follows")
	}
	_, _, err := demotest.RunErr(t, run, "-script", "testdata/missing.txt")
	require.ErrorContains(t, err, "operator lines: open testdata/missing.txt")
}
