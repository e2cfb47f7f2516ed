package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/botbridge/botbridge/examples/internal/demo"
	"github.com/botbridge/botbridge/handoff"
	"github.com/botbridge/botbridge/munin/munintest"
)

// visit plays a visitor's widget against the service at base, over HTTP,
// with fake's dashboard human stepping in. It checks that the service went
// quiet while the human owned the conversation and answered again after.
func visit(ctx context.Context, t *demo.Transcript, base string, fake *munintest.Server, hooks *webhookLog) error {
	t.Printf("munin-widget-bot at %s, against a fake Munin (munintest) at %s\n", base, fake.URL)
	t.Printf("grace period: 30 minutes after a human's last word, as long as Munin's claim;\n" +
		"the demo moves the fake Munin's clock instead of waiting\n\n")
	const session = "s1"

	// webhooks notes what Munin delivered. Waiting for the deliveries is
	// the demo's way to print in order; the service handles them as they
	// come.
	webhooks := func() error {
		if err := fake.WaitDeliveries(ctx); err != nil {
			return fmt.Errorf("wait for Munin's webhooks: %w", err)
		}
		if got := hooks.take(); len(got) > 0 {
			t.Note("POST /webhooks/munin, signatures verified: %s", strings.Join(got, ", "))
		}
		return nil
	}
	say := func(text string) (chatAnswer, error) {
		t.Say("visitor", text)
		var a chatAnswer
		if err := call(ctx, http.MethodPost, base+"/chat", chatRequest{Session: session, Text: text}, &a); err != nil {
			return a, fmt.Errorf("POST /chat %q: %w", text, err)
		}
		state := fmt.Sprintf("owner %s (%s)", a.Owner, a.Reason)
		switch {
		case a.Reply != "":
			t.Note("POST /chat → reply, %s", state)
			t.Say("bot", a.Reply)
		case a.Dropped:
			t.Note("POST /chat → no reply: a human wrote while it was made, so Commit refused it")
		default:
			t.Note("POST /chat → no reply: %s", state)
		}
		if a.HandoverRequested {
			t.Note("the bot asked Munin for a human")
		}
		return a, webhooks()
	}

	if _, err := say("Hi! Where is my order #1042?"); err != nil {
		return err
	}
	if _, err := say("Can I talk to a person, please?"); err != nil {
		return err
	}

	t.Note("Sam replies in Munin's dashboard (POST /demo/human)")
	if err := call(ctx, http.MethodPost, base+"/demo/human", chatRequest{Session: session,
		Text: "Hi, I'm Sam. Which day suits you for the delivery?"}, nil); err != nil {
		return fmt.Errorf("POST /demo/human: %w", err)
	}
	if err := webhooks(); err != nil {
		return err
	}
	// The widget polls for what Munin's humans wrote: webhooks carry no
	// message body, so the service reads them from Munin's widget feed.
	var got struct{ Messages []humanMessage }
	if err := call(ctx, http.MethodGet, base+"/chat/"+session, nil, &got); err != nil {
		return fmt.Errorf("GET /chat/%s: %w", session, err)
	}
	if len(got.Messages) == 0 {
		return fmt.Errorf("GET /chat/%s: Sam's reply did not reach the visitor", session)
	}
	t.Note("GET /chat/%s → what Munin's humans wrote, read from Munin's widget feed", session)
	for _, m := range got.Messages {
		t.Say(m.From, m.Text)
	}

	if a, err := say("Thursday, please."); err != nil {
		return err
	} else if a.Reply != "" {
		return fmt.Errorf("the bot answered while Sam owned the conversation: %q", a.Reply)
	}

	fake.Clock().Advance(handoff.DefaultGrace + time.Minute)
	t.Note("31 minutes pass without a word from Sam (the demo's clock jumps ahead)")
	t.Note("the grace period and Munin's claim run out; neither sends an event")
	a, err := say("Hello? Anyone there?")
	if err != nil {
		return err
	}
	if a.Reply == "" {
		return fmt.Errorf("after the grace period: the bot did not answer (owner %s, %s)", a.Owner, a.Reason)
	}
	t.Printf("\nOK: the service answered, went quiet while Sam owned the conversation, and answered again.\n")
	return nil
}

// call sends in as JSON and decodes a 2xx answer into out.
func call(ctx context.Context, method, url string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s: %s", resp.Status, bytes.TrimSpace(b))
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(b, out)
}
