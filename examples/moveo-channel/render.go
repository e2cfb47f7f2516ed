package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/botbridge/botbridge/examples/internal/demo"
	"github.com/botbridge/botbridge/handoff"
	"github.com/botbridge/botbridge/moveo"
)

// screen is the chat window: it renders every verified webhook event and
// follows who owns the conversation.
type screen struct {
	t      *demo.Transcript
	ctl    *handoff.Controller
	events *moveo.Dispatcher
}

func newScreen(t *demo.Transcript, ctl *handoff.Controller) *screen {
	s := &screen{t: t, ctl: ctl}
	s.events = s.dispatcher()
	return s
}

// handle is the webhook handler's callback: moveo.NewWebhookHandler has
// checked X-Moveo-Signature, the replay window and duplicates before it.
func (s *screen) handle(ctx context.Context, ev moveo.Event) error {
	if err := s.events.Handle(ctx, ev); err != nil {
		return err
	}
	hev, ok := moveo.HandoffEvent(ev)
	if !ok {
		return nil
	}
	tr, err := s.ctl.Observe(ctx, hev)
	if err != nil {
		return err
	}
	if tr.OwnerChanged() {
		s.t.Note("%s", owner(tr.To))
	}
	return nil
}

func owner(st handoff.State) string {
	switch st {
	case handoff.Human:
		return "a human agent owns the conversation now"
	case handoff.Pending:
		return "waiting for a human agent"
	default:
		return "the AI agent owns the conversation again"
	}
}

// dispatcher routes each event type to what the chat window shows.
func (s *screen) dispatcher() *moveo.Dispatcher {
	return &moveo.Dispatcher{
		OnBrainSend: func(_ context.Context, ev *moveo.BrainSendEvent) error {
			for _, r := range ev.Output.Responses {
				s.response(r)
			}
			return nil
		},
		OnAgentMessage: func(_ context.Context, ev *moveo.AgentMessageEvent) error {
			s.t.Say(ev.From.Name, ev.Body.Text)
			return nil
		},
		OnTyping: func(_ context.Context, ev *moveo.TypingEvent) error {
			if ev.Action == moveo.TypingStart {
				s.t.Note("%s is typing…", ev.AuthorName)
			}
			return nil
		},
		OnMemberJoin: func(_ context.Context, ev *moveo.MemberJoinEvent) error {
			s.t.Note("%s joined the conversation", ev.AuthorName)
			return nil
		},
		OnMemberLeave: func(_ context.Context, ev *moveo.MemberLeaveEvent) error {
			s.t.Note("%s left the conversation", ev.AuthorName)
			return nil
		},
		OnConversationClosed: func(context.Context, *moveo.ConversationClosedEvent) error {
			s.t.Note("the agent closed the conversation")
			return nil
		},
		OnSessionExpired: func(context.Context, *moveo.SessionExpiredEvent) error {
			s.t.Note("the session expired: the next message starts a new one")
			return nil
		},
		OnSessionClosed: func(context.Context, *moveo.SessionClosedEvent) error {
			s.t.Note("the session was closed")
			return nil
		},
		Default: func(context.Context, moveo.Event) error { return nil }, // read and delivered receipts
	}
}

// response renders one reply of the AI agent, by type.
func (s *screen) response(r moveo.Response) {
	const ai = "assistant"
	switch r := r.(type) {
	case moveo.Text:
		s.t.Say(ai, r.Text)
		for i, o := range r.Options {
			s.t.Printf("%12s [%d] %s\n", "", i+1, o.Label)
		}
	case moveo.Carousel:
		s.t.Say(ai, fmt.Sprintf("(%d cards)", len(r.Cards)))
		for i, c := range r.Cards {
			line := fmt.Sprintf("%d. %s", i+1, c.Title)
			if c.Subtitle != "" {
				line += " — " + c.Subtitle
			}
			var buttons []string
			for _, b := range c.Buttons {
				buttons = append(buttons, b.Label)
			}
			if len(buttons) > 0 {
				line += " [" + strings.Join(buttons, "] [") + "]"
			}
			s.t.Printf("%12s %s\n", "", line)
		}
	case moveo.Image:
		s.t.Say(ai, "[image] "+label(r.Name, r.URL))
	case moveo.Video:
		s.t.Say(ai, "[video] "+label(r.Name, r.URL))
	case moveo.Audio:
		s.t.Say(ai, "[audio] "+label(r.Name, r.URL))
	case moveo.File:
		s.t.Say(ai, "[file] "+label(r.Name, r.URL))
	case moveo.Webview:
		s.t.Say(ai, "[open] "+label(r.Label, r.URL))
	case moveo.Handover:
		if r.Text != "" {
			s.t.Say(ai, r.Text)
		}
		s.t.Note("the AI agent hands the conversation to a human (department %q)", r.DepartmentID)
	case moveo.Pause:
		s.t.Note("…")
	case moveo.UnknownResponse:
		s.t.Note("(a %q response this channel cannot show)", r.ResponseType())
	}
}

func label(name, url string) string {
	if name == "" {
		return url
	}
	return name + " <" + url + ">"
}
