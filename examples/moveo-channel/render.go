package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/botbridge/botbridge/examples/internal/demo"
	"github.com/botbridge/botbridge/handoff"
	"github.com/botbridge/botbridge/moveo"
)

// screen is the chat window: it shows every event Moveo sends about this
// chat, remembers the choices the user can pick by number, and follows
// who owns the conversation, as a custom channel's UI would.
type screen struct {
	t        *demo.Transcript
	ctl      *handoff.Controller
	external string // this chat's external_session_id
	events   *moveo.Dispatcher

	mu sync.Mutex
	// choices are what typing 1, 2, … sends: the quick replies and
	// postback buttons of the AI agent's last reply. Moveo does not act on
	// a click; the channel sends the choice back as the user's message.
	choices []string
}

func newScreen(t *demo.Transcript, ctl *handoff.Controller, external string) *screen {
	s := &screen{t: t, ctl: ctl, external: external}
	s.events = &moveo.Dispatcher{
		OnBrainSend:            s.brainSend,
		OnAgentMessage:         s.agentMessage,
		OnTyping:               s.typing,
		OnMemberJoin:           s.memberJoin,
		OnMemberLeave:          s.memberLeave,
		OnConversationClosed:   s.closed,
		OnConversationReopened: s.reopened,
		OnSessionClosed:        s.sessionClosed,
		OnSessionExpired:       s.sessionExpired,
		// Receipts (message:read, message:delivered) and event types newer
		// than this SDK are accepted and not shown: an error would only make
		// Moveo deliver them again.
		Default: func(context.Context, moveo.Event) error { return nil },
	}
	return s
}

// handle is the callback of moveo.NewWebhookHandler, which has checked
// X-Moveo-Signature, the replay window and duplicates before calling it.
func (s *screen) handle(ctx context.Context, ev moveo.Event) error {
	// The integration has one webhook URL for all its sessions; this
	// terminal shows only its own chat.
	if ev.EventBase().ExternalSessionID != s.external {
		return nil
	}
	// Observe before showing anything: if the store fails, the handler
	// answers 500 and Moveo's retry finds nothing shown twice.
	var tr handoff.Transition
	if hev, ok := moveo.HandoffEvent(ev); ok {
		var err error
		if tr, err = s.ctl.Observe(ctx, hev); err != nil {
			return err
		}
	}
	if err := s.events.Handle(ctx, ev); err != nil {
		return err
	}
	if tr.OwnerChanged() {
		s.t.Note("%s", ownerNote[tr.To])
	}
	return nil
}

// ownerNote is what the chat says when the conversation changes hands.
var ownerNote = map[handoff.State]string{
	handoff.Bot:     "the AI agent owns this conversation again",
	handoff.Pending: "waiting for a human agent: the AI agent stays quiet",
	handoff.Human:   "a human agent owns this conversation now",
}

// choice returns what to send when the user typed the number of a choice.
func (s *screen) choice(line string) (string, bool) {
	n, err := strconv.Atoi(line)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil || n < 1 || n > len(s.choices) {
		return "", false
	}
	return s.choices[n-1], true
}

func (s *screen) setChoices(choices []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.choices = choices
}

const assistant = "assistant" // how the chat names Moveo's AI agent

// brainSend shows the AI agent's replies in order, each by its type.
func (s *screen) brainSend(_ context.Context, ev *moveo.BrainSendEvent) error {
	var choices []string
	offer := func(label, send string) string { // numbers a choice
		choices = append(choices, send)
		return fmt.Sprintf("[%d] %s", len(choices), label)
	}
	for _, r := range ev.Output.Responses {
		switch r := r.(type) {
		case moveo.Text:
			s.t.Say(assistant, r.Text)
			for _, o := range r.Options {
				s.more(offer(o.Label, o.Text))
			}
		case moveo.Carousel:
			s.t.Say(assistant, fmt.Sprintf("%d cards:", len(r.Cards)))
			for _, c := range r.Cards {
				card := "• " + c.Title
				if c.Subtitle != "" {
					card += " — " + c.Subtitle
				}
				if c.Media != nil {
					card += fmt.Sprintf(" (%s <%s>)", c.Media.Type, c.Media.URL)
				}
				s.more(card)
				var buttons []string
				for _, b := range c.Buttons {
					switch b.Type {
					case moveo.ButtonPostback:
						buttons = append(buttons, offer(b.Label, b.Value))
					case moveo.ButtonWebview:
						buttons = append(buttons, link(b.Label, b.URL)+" (webview)")
					default:
						buttons = append(buttons, link(b.Label, b.URL))
					}
				}
				if len(buttons) > 0 {
					s.more("  " + strings.Join(buttons, "   "))
				}
			}
		case moveo.Image:
			s.t.Say(assistant, "[image] "+link(r.Name, r.URL))
		case moveo.Video:
			s.t.Say(assistant, "[video] "+link(r.Name, r.URL))
		case moveo.Audio:
			s.t.Say(assistant, "[audio] "+link(r.Name, r.URL))
		case moveo.File:
			name := r.Name
			if r.Size != nil {
				name += fmt.Sprintf(", %d KB", (*r.Size+1023)/1024)
			}
			s.t.Say(assistant, "[file] "+link(name, r.URL))
		case moveo.Webview:
			line := "[webview] " + link(r.Label, r.URL)
			if r.Height != "" {
				line += " (" + r.Height + ")"
			}
			s.t.Say(assistant, line)
		case moveo.Handover:
			if r.Text != "" {
				s.t.Say(assistant, r.Text)
			}
			to := "a human agent"
			if r.DepartmentID != "" {
				to += " of " + r.DepartmentID
			}
			s.t.Note("handover: the AI agent passes the conversation to %s", to)
		case moveo.Pause:
			s.t.Note("%s is typing… (pause)", assistant)
		case moveo.UnknownResponse:
			s.t.Note("a %q response, which this channel cannot show", r.Type)
		}
	}
	s.setChoices(choices)
	return nil
}

// more prints a line that belongs to the reply above it, aligned with its
// text.
func (s *screen) more(line string) { s.t.Printf("%12s%s\n", "", line) }

func link(label, url string) string {
	if label == "" {
		return "<" + url + ">"
	}
	return label + " <" + url + ">"
}

func (s *screen) agentMessage(_ context.Context, ev *moveo.AgentMessageEvent) error {
	s.setChoices(nil) // numbers typed to a human are just numbers
	if ev.Body.Text != "" {
		s.t.Say(ev.From.Name, ev.Body.Text)
	}
	for _, a := range ev.Body.Attachments {
		s.t.Say(ev.From.Name, fmt.Sprintf("[%s] %s", a.Type, link(a.Filename, a.URL)))
	}
	return nil
}

func (s *screen) typing(_ context.Context, ev *moveo.TypingEvent) error {
	if ev.Action != moveo.TypingStart {
		return nil // a terminal cannot take the indicator back
	}
	who := ev.AuthorName
	if ev.AuthorType == moveo.AuthorBrain {
		who = assistant
	}
	s.t.Note("%s is typing…", who)
	return nil
}

func (s *screen) memberJoin(_ context.Context, ev *moveo.MemberJoinEvent) error {
	s.t.Note("%s joined the conversation", ev.AuthorName)
	return nil
}

func (s *screen) memberLeave(_ context.Context, ev *moveo.MemberLeaveEvent) error {
	s.t.Note("%s left the conversation", ev.AuthorName)
	return nil
}

func (s *screen) closed(_ context.Context, ev *moveo.ConversationClosedEvent) error {
	if ev.AgentName != "" {
		s.t.Note("%s closed the conversation (%s)", ev.AgentName, ev.Status)
	} else {
		s.t.Note("the conversation was closed (%s)", ev.Status)
	}
	return nil
}

func (s *screen) reopened(context.Context, *moveo.ConversationReopenedEvent) error {
	s.t.Note("the conversation was reopened")
	return nil
}

func (s *screen) sessionClosed(context.Context, *moveo.SessionClosedEvent) error {
	s.t.Note("the session was closed")
	return nil
}

func (s *screen) sessionExpired(context.Context, *moveo.SessionExpiredEvent) error {
	s.t.Note("the session expired after a time without messages: the next message opens a new one")
	return nil
}
