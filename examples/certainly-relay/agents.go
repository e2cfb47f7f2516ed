package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/botbridge/botbridge/certainly"
	"github.com/botbridge/botbridge/examples/internal/demo"
	"github.com/botbridge/botbridge/handoff"
)

// agents is the third-party agent system: the Relay's callbacks show the
// human agent who is waiting and what they write, and handle is the
// agent's console.
type agents struct {
	t     *demo.Transcript
	relay *certainly.Relay

	mu sync.Mutex
	// current is the conversation the agent's lines go to: the latest
	// claim. One agent, one user at a time keeps the demo short; a real
	// agents' tool would route claims and let agents pick.
	current certainly.Conversation
}

// onClaim is called once Certainly's bot is in listen mode for conv: a user
// is waiting for a human.
func (a *agents) onClaim(_ context.Context, conv certainly.Conversation, c *certainly.Claim) error {
	a.mu.Lock()
	a.current = conv
	a.mu.Unlock()
	name := strings.TrimSpace(c.FirstName + " " + c.LastName)
	if name == "" {
		name = conv.UserID
	}
	a.t.Note("claim from bot %s: %s wants a human; the bot is in listen mode (Handover)", conv.BotID, name)
	return nil
}

// onUserMessage is called with what the user writes while an agent owns
// the conversation: Certainly's bot stays quiet and the agent reads it.
func (a *agents) onUserMessage(_ context.Context, conv certainly.Conversation, m *certainly.Message) error {
	a.t.Note("message webhook: %s wrote %q; shown to the agent, the bot stays quiet", conv.UserID, m.Text)
	return nil
}

// onTransition shows the hand-backs the Relay makes by itself.
func (a *agents) onTransition(conv certainly.Conversation, tr handoff.Transition) {
	if tr.To == handoff.Bot && tr.Cause == handoff.Expiry {
		a.t.Note("the agent's grace period ran out: the relay gave %s back to the bot (Takeover)", conv.UserID)
	}
}

// handle is one line the agent typed:
//
//	text               reply to the user (SendMessage)
//	/release [end]     give the conversation back to the bot (Takeover, with ClaimEnd end)
func (a *agents) handle(ctx context.Context, line string) error {
	a.mu.Lock()
	conv := a.current
	a.mu.Unlock()
	if conv == (certainly.Conversation{}) {
		a.t.Note("nobody is waiting for a human yet")
		return nil
	}
	if cmd, end, _ := strings.Cut(line, " "); cmd == "/release" {
		err := a.relay.Release(ctx, conv, end)
		if errors.Is(err, certainly.ErrBotOwnsConversation) {
			a.t.Note("the bot has this conversation already")
			return nil
		} else if err != nil {
			return fmt.Errorf("release: %w", err)
		}
		a.t.Note("the agent gave the conversation back to the bot (Takeover, ClaimEnd %q)", end)
		return nil
	}
	if err := a.relay.Reply(ctx, conv, line); errors.Is(err, certainly.ErrBotOwnsConversation) {
		a.t.Note("not sent: the bot has this conversation again")
		return nil
	} else if err != nil {
		return fmt.Errorf("reply: %w", err)
	}
	a.t.Say("agent", line)
	return nil
}
