package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/examples/internal/demo"
	"github.com/botbridge/botbridge/examples/internal/demotest"
	"github.com/botbridge/botbridge/munin/munintest"
)

func TestQuickstartTellsTheEscalationStory(t *testing.T) {
	t.Parallel()
	out := demotest.Run(t, run)
	demotest.InOrder(t, out,
		"grace period              30 minutes after the human's last word",
		"visitor   › Hi! Where is my order #1042?",
		"bot       › Order #1042 left our warehouse yesterday",
		"visitor   › Can I talk to a person, please?",
		"bot       › Of course. I've asked a colleague to join",
		"· the bot asks Munin for a human",
		"· signed webhooks, verified (X-Munin-Signature): conversation.handover_requested\n",
		"·   → owner pending (handoff pending), until ",
		"· Sam opens the conversation in Munin's dashboard and replies",
		"· signed webhooks, verified (X-Munin-Signature): conversation.message.sent, conversation.taken_over\n",
		"·   → owner human (taken over), until ",
		"Sam       › Hi, I'm Sam. I can move the delivery for you",
		"visitor   › Thursday would be great, thanks!",
		"· the bot stays quiet: owner human (taken over), until ",
		"· 31 minutes pass without a word from Sam",
		"visitor   › Hello? Is anyone still there?",
		"· the bot may answer again: owner bot (grace period over)\n",
		"bot       › Sorry for the wait! I'm here.",
		"OK: the bot stepped back when Sam spoke",
	)
	assert.Equal(t, 3, strings.Count(out, "bot       › "), "the bot answers exactly three times:\n%s", out)
}

// TestQuickstartShowsWhatItTalksTo runs the story against a fake the test
// keeps, to check what really reached Munin, and that no key was printed.
func TestQuickstartShowsWhatItTalksTo(t *testing.T) {
	t.Parallel()
	fake := munintest.NewServer(t)
	var out strings.Builder
	require.NoError(t, story(t.Context(), fake, &out))

	convs := fake.Conversations()
	require.Len(t, convs, 1)
	var bodies []string
	for _, m := range convs[0].PublicMessages() {
		bodies = append(bodies, m.AuthorType+": "+m.Body)
	}
	assert.Equal(t, []string{
		"end_user: Hi! Where is my order #1042?",
		"agent: Order #1042 left our warehouse yesterday and should arrive on Friday.",
		"end_user: Can I talk to a person, please?",
		"agent: Of course. I've asked a colleague to join; they'll be with you shortly.",
		"user: Hi, I'm Sam. I can move the delivery for you: which day suits you?",
		"end_user: Thursday would be great, thanks!",
		"end_user: Hello? Is anyone still there?",
		"agent: Sorry for the wait! I'm here. How can I help?",
	}, bodies, "the bot never posted while Sam owned the conversation")

	for _, d := range fake.Deliveries() {
		assert.Equal(t, "delivered", d.Status, "%s: %s", d.EventType, d.Error)
		assert.Equal(t, 1, d.Attempt, "%s was accepted at once", d.EventType)
	}
	assertNoSecrets(t, fake, out.String())
}

// TestQuickstartNamesTheStepThatFailed makes Munin refuse one call of the
// story, with a status the client does not retry.
func TestQuickstartNamesTheStepThatFailed(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		route string
		step  string
	}{
		{"POST /v1/widget/messages", "push the visitor's message: "},
		{"POST /v1/conversations/:id/request-handover", "request a human: "},
	} {
		t.Run(c.route, func(t *testing.T) {
			t.Parallel()
			fake := munintest.NewServer(t)
			fake.FailNext(c.route, http.StatusForbidden, 1)
			var out strings.Builder
			err := story(t.Context(), fake, &out)
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.step)
			assert.Contains(t, err.Error(), "403")
			assertNoSecrets(t, fake, out.String()+err.Error())
		})
	}
}

// TestQuickstartStopsWhenAWebhookNeverArrives holds back the delivery that
// tells the bot a human took over, and ends the story's context once Munin
// has started it: the story stops there, naming the step, rather than
// answering over the human.
func TestQuickstartStopsWhenAWebhookNeverArrives(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	var once sync.Once
	hold := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if r.Header.Get("X-Munin-Event") != "conversation.taken_over" {
			return tr.RoundTrip(r)
		}
		once.Do(cancel)
		<-r.Context().Done() // never arrives: the fake gives up when it closes
		return nil, r.Context().Err()
	})
	fake := munintest.NewServer(t, munintest.WithDeliveryClient(&http.Client{Transport: hold}))

	var out strings.Builder
	err := story(ctx, fake, &out)
	require.ErrorIs(t, err, context.Canceled)
	assert.Contains(t, err.Error(), "wait for Munin's webhooks: ")
	assert.Contains(t, out.String(), "Sam opens the conversation in Munin's dashboard and replies")
	assert.NotContains(t, out.String(), "Sam       › ", "the story stopped before showing the reply")
	assertNoSecrets(t, fake, out.String()+err.Error())
}

func TestQuickstartStopsWhenInterrupted(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, _, err := demotest.RunErr(t, func(_ context.Context, args []string, stdout, stderr io.Writer) error {
		return run(ctx, args, stdout, stderr)
	})
	require.ErrorIs(t, err, context.Canceled)
}

func TestQuickstartRefusesArguments(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"now"}, {"-base-url", "https://api.getmunin.com"}} {
		_, stderr, err := demotest.RunErr(t, run, args...)
		require.ErrorIs(t, err, demo.ErrUsage, "%q", args)
		assert.Contains(t, stderr, "usage: go run ./examples/quickstart", "%q", args)
	}
}

// assertNoSecrets checks that text shows none of the fake's credentials,
// the webhook secret Munin generated ("whsec_…") or a signature.
func assertNoSecrets(t *testing.T, fake *munintest.Server, text string) {
	t.Helper()
	ch := fake.Channel()
	for _, secret := range []string{fake.AdminKey(), ch.WidgetKey, ch.IdentitySecret, "mn_admin_", "mn_widget_", "whsec_", "sha256="} {
		assert.NotContains(t, text, secret)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
