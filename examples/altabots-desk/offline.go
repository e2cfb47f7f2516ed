package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/botbridge/botbridge/altabots"
	"github.com/botbridge/botbridge/altabots/altabotstest"
	"github.com/botbridge/botbridge/examples/internal/demo"
	"github.com/botbridge/botbridge/handoff"
)

// operatorScript is what the offline operator types: the answer to each
// thing the user writes.
var operatorScript = []string{
	"Hi Bob, I'm Dana from support. Let me check order 1042.",
	"It was held at the depot and arrives tomorrow morning. I've refunded the shipping.",
}

// userScript is what the offline user writes to the human, one message per
// turn; the operator answers each.
var userScript = []string{
	"Thanks. Do you know where it is?",
	"Will it come before the weekend?",
}

// offline plays one handoff against a fake AltaBots on a fake clock: the
// user asks for a human, the operator is busy for 45 s, the handler
// acknowledges, the user and the operator talk, the user closes.
func offline(ctx context.Context, lines func() (string, error), stdout, stderr io.Writer) error {
	// What the fake sends as AltaBots would send ALTABOTS_DESK_TOKEN: the
	// desk refuses calls without it, offline too.
	const deskToken = "offline-demo-desk-token"
	t := demo.NewTranscript(stdout)
	// One clock for the fake and the handler's timers: it moves only when
	// the demo moves it, so AltaBots' 60 s pass in no time.
	clock := altabotstest.NewClock(time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC))

	// The fake must know the desk's URL, and the desk's client the fake's:
	// the endpoint is served first and handed its handler after.
	endpoint := &demo.Late{}
	srv, err := demo.Serve(ctx, "", endpoint)
	if err != nil {
		return fmt.Errorf("serve the desk: %w", err)
	}
	defer srv.Close()
	fake, err := altabotstest.New(altabotstest.WithClock(clock), altabotstest.WithDesk(srv.URL,
		func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+deskToken) }))
	if err != nil {
		return fmt.Errorf("start the fake AltaBots: %w", err)
	}
	defer fake.Close()
	client, err := altabots.NewClient(fake.APIKey(), altabots.WithBaseURL(fake.URL), altabots.WithNow(clock.Now))
	if err != nil {
		return err
	}
	ctl, err := handoff.New(nil, handoff.WithClock(clock.Now))
	if err != nil {
		return err
	}
	d := newDesk(client, ctl, clock.Now, t)
	acked := make(chan error, 1) // one conversation, one automatic reply
	h, err := handler(d, deskToken, clock, stderr, func(_ string, err error) { acked <- err })
	if err != nil {
		return err
	}
	defer h.Close()
	endpoint.Set(h)

	t.Printf("altabots-desk at %s, called by a fake AltaBots (altabotstest) at %s\n", srv.URL, fake.URL)
	t.Printf("the demo runs on the fake's clock, which moves only when the demo moves it\n")

	// 1. The user asks AltaBots' agent for a human: AltaBots calls
	// establish with the talk so far, and the desk shows it.
	conv, err := fake.Escalate(ctx,
		altabotstest.User{Email: "bob@example.com", UserID: "bob-17", AnonymousID: "652face5184b30540a6ea7fe"},
		altabots.Message{Type: altabots.Question, Text: "My order 1042 never arrived."},
		altabots.Message{Type: altabots.Answer, Text: "I'm sorry! Let me get you a human colleague."})
	if err != nil {
		return fmt.Errorf("establish: %w", err)
	}
	if err := ownerIs(ctx, t, ctl, conv.ID, handoff.Human); err != nil {
		return err
	}

	// 2. The operator is busy. The handler acknowledges after 45 s, and
	// AltaBots, whose deadline is 60 s, keeps the handoff open. (The note
	// comes first: the timer fires on its own goroutine as the clock moves.)
	t.Note("the operator is busy: the demo's clock skips %d s; AltaBots ends a handoff after %d s without a reply",
		int(autoReplyAfter.Seconds()), int(altabots.WaitingTime.Seconds()))
	clock.Advance(autoReplyAfter)
	select {
	case err := <-acked:
		if err != nil {
			return fmt.Errorf("automatic first reply: %w", err)
		}
	case <-ctx.Done():
		return ctx.Err()
	}
	recorded, err := fake.WaitReplies(ctx, conv.ID, 1)
	if err != nil {
		return fmt.Errorf("automatic first reply: %w", err)
	}
	first := recorded[0]
	if first.Body != autoReply || !first.At.Before(conv.Deadline) {
		return fmt.Errorf("automatic first reply: AltaBots recorded %q at %s, its deadline was %s",
			first.Body, timeOfDay(first.At), timeOfDay(conv.Deadline))
	}
	t.Note("AltaBots recorded it at %s, %d s before its deadline at %s",
		timeOfDay(first.At), int(conv.Deadline.Sub(first.At).Seconds()), timeOfDay(conv.Deadline))

	// 3. The user and the operator talk, turn by turn.
	for _, said := range userScript {
		clock.Advance(20 * time.Second) // the user takes a while to type
		if err := fake.UserSays(ctx, conv.ID, said); err != nil {
			return fmt.Errorf("the user's message: %w", err)
		}
		goesOn, err := operatorTurn(ctx, t, d, fake, conv.ID, lines)
		if err != nil {
			return err
		}
		if !goesOn {
			break
		}
	}

	// 4. The user closes the chat, unless the operator did: the desk hears
	// USER_CLOSED, and the bot owns the conversation again.
	if got, _ := fake.Conversation(conv.ID); got.State != altabotstest.StateClosed {
		if err := fake.UserCloses(ctx, conv.ID); err != nil {
			return fmt.Errorf("the user's close: %w", err)
		}
	}
	if err := ownerIs(ctx, t, ctl, conv.ID, handoff.Bot); err != nil {
		return err
	}
	return record(t, fake, conv.ID)
}

// operatorTurn reads the operator's lines until one answers the user or
// closes the conversation, and checks with the fake that AltaBots received
// the answer. It reports whether the conversation goes on.
func operatorTurn(ctx context.Context, t *demo.Transcript, d *desk, fake *altabotstest.Server, conv string, lines func() (string, error)) (bool, error) {
	before, _ := fake.Conversation(conv)
	for {
		line, err := lines()
		if errors.Is(err, io.EOF) {
			t.Note("the operator has nothing more to say")
			return false, nil
		} else if err != nil {
			return false, fmt.Errorf("the operator's line: %w", err)
		}
		if err := d.handle(ctx, line); err != nil {
			return false, err
		}
		got, _ := fake.Conversation(conv)
		switch {
		case got.State == altabotstest.StateClosed:
			return false, nil
		case len(got.Replies) > len(before.Replies):
			if last := got.Replies[len(got.Replies)-1]; last.Body != line {
				return false, fmt.Errorf("the operator's reply: AltaBots recorded %q", last.Body)
			}
			return true, nil
		}
		// A command such as /list: the user still waits for an answer.
	}
}

// record prints what the fake AltaBots holds of the conversation: the
// proof that the desk's replies arrived.
func record(t *demo.Transcript, fake *altabotstest.Server, conv string) error {
	got, _ := fake.Conversation(conv)
	if got.State != altabotstest.StateClosed || len(got.Replies) == 0 {
		return fmt.Errorf("AltaBots' record: conversation %s is %s with %d replies", conv, got.State, len(got.Replies))
	}
	t.Section("AltaBots' record of %s: %s (%s), %s from the desk:", conv, got.State, got.CloseReason, replies(len(got.Replies)))
	for _, r := range got.Replies {
		t.Printf("  %s  %s\n", timeOfDay(r.At), r.Body)
	}
	t.Printf("OK: AltaBots received the desk's acknowledgement inside its %d s and %s from the operator.\n",
		int(altabots.WaitingTime.Seconds()), replies(len(got.Replies)-1))
	return nil
}

func replies(n int) string {
	if n == 1 {
		return "1 reply"
	}
	return fmt.Sprintf("%d replies", n)
}

// ownerIs notes who owns conv, and fails unless it is want.
func ownerIs(ctx context.Context, t *demo.Transcript, ctl *handoff.Controller, conv string, want handoff.State) error {
	d, err := ctl.Decide(ctx, conv)
	if err != nil {
		return fmt.Errorf("handoff: %w", err)
	}
	t.Note("handoff: the conversation is owned by the %s (%s)", d.State, d.Reason)
	if d.State != want {
		return fmt.Errorf("handoff: conversation %s is owned by the %s, want the %s", conv, d.State, want)
	}
	return nil
}
