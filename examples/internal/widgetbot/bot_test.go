package widgetbot_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/examples/internal/widgetbot"
	"github.com/botbridge/botbridge/handoff"
	"github.com/botbridge/botbridge/munin"
	"github.com/botbridge/botbridge/munin/munintest"
)

func newBot(t *testing.T, generate func(ctx context.Context, text string) (string, bool, error)) (*widgetbot.Bot, *handoff.Controller, *munintest.Server) {
	t.Helper()
	fake := munintest.NewServer(t)
	widget, err := munin.NewWidgetClient(fake.Channel().WidgetKey, munin.WithBaseURL(fake.URL),
		munin.WithOrigin(munintest.DefaultOrigin), munin.WithChannel(fake.Channel().ID))
	require.NoError(t, err)
	admin, err := munin.NewClient(fake.AdminKey(), munin.WithBaseURL(fake.URL))
	require.NoError(t, err)
	ctl, err := handoff.New(nil)
	require.NoError(t, err)
	bot, err := widgetbot.New(widgetbot.Config{Widget: widget, Admin: admin, Controller: ctl, Generate: generate})
	require.NoError(t, err)
	return bot, ctl, fake
}

// TestReplyMadeWhileAHumanWroteIsDropped is the fence: a human's message
// observed between Decide and Commit drops the reply, which never reaches
// Munin.
func TestReplyMadeWhileAHumanWroteIsDropped(t *testing.T) {
	t.Parallel()
	var (
		ctl  *handoff.Controller
		conv string
	)
	bot, ctl, fake := newBot(t, func(ctx context.Context, text string) (string, bool, error) {
		if text != "second" {
			return "first answer", false, nil
		}
		// The model is slow; meanwhile a human writes.
		_, err := ctl.Observe(ctx, handoff.Event{ID: "m1", Conversation: conv, Kind: handoff.HumanMessage})
		return "too late", false, err
	})
	a, err := bot.Hear(t.Context(), "s1", "first")
	require.NoError(t, err)
	require.Equal(t, "first answer", a.Reply)
	conv = a.Conversation

	a, err = bot.Hear(t.Context(), "s1", "second")
	require.NoError(t, err)
	assert.True(t, a.Dropped)
	assert.Empty(t, a.Reply)
	c, ok := fake.Conversation(conv)
	require.True(t, ok)
	var bodies []string
	for _, m := range c.PublicMessages() {
		bodies = append(bodies, m.Body)
	}
	assert.Equal(t, []string{"first", "first answer", "second"}, bodies)

	a, err = bot.Hear(t.Context(), "s1", "third")
	require.NoError(t, err)
	assert.False(t, a.Decision.Allow)
	assert.Equal(t, handoff.Human, a.Decision.State, "the human owns it now")
}

func TestNewNeedsItsParts(t *testing.T) {
	t.Parallel()
	_, err := widgetbot.New(widgetbot.Config{})
	assert.ErrorContains(t, err, "Widget, Admin and Controller are required")
}
