// Package botbridge is a Go SDK for the programs that sit between a chatbot
// and the humans who take its conversations over. This package holds only
// the SDK's version; the work is done in its subpackages, one per job.
//
// # Which package for which job
//
//	webhookverify        verify a vendor's signed webhook (HMAC-SHA256, key rotation, HTTP middleware)
//	handoff              decide whether the bot may speak: bot, pending or human owns the conversation
//	handoff/redisstore   the same decision shared by many bot replicas through Redis
//	handoff/handofftest  the conformance suite every handoff store passes, and a fake clock
//	munin                Munin: push widget transcripts, read conversations, signed webhooks
//	munin/munintest      a fake Munin on a real HTTP server, with a dashboard human and fault injection
//	moveo                Moveo.ai custom channel: sessions, user messages, handover, webhook events
//	moveo/moveotest      a fake Moveo integration with a scriptable brain and a desk agent
//	altabots             AltaBots.ai human desk: the three calls AltaBots makes, the two calls back
//	altabots/altabotstest  a fake AltaBots that escalates, chats, closes and enforces the first-reply deadline
//	certainly            Certainly: hand over, send agent messages, take back; claim and message webhooks
//	certainly/certainlytest  a fake Certainly bot deployment with listen mode and both webhooks
//
// # Examples
//
// The examples directory holds runnable programs. Each one runs offline
// against the fakes when started without flags, and against the real
// vendor with the flags and environment variables its README lists:
//
//	go run ./examples/quickstart         the Munin escalation story end to end: bot, human, grace period, bot again
//	go run ./examples/munin-widget-bot   an HTTP service: /chat for the widget, Munin's webhook, Decide → generate → Commit
//	go run ./examples/moveo-channel      a terminal chat as a Moveo custom channel, every response type rendered
//	go run ./examples/altabots-desk      a human desk for AltaBots: handoffs, the automatic first reply, an operator
//	go run ./examples/certainly-relay    Certainly's claim → handover → relay → takeover
//	go run ./examples/webhook-verify     the smallest net/http handler that verifies each signature scheme
//	go run ./examples/mockserver         all four fakes on one local port, and sample signed webhooks (-send)
//
// # webhookverify
//
// Build a Verifier once from the webhook secret and let its middleware guard
// the endpoint; the handler then sees only verified bytes:
//
//	v, err := webhookverify.NewVerifier([][]byte{[]byte(os.Getenv("MUNIN_WEBHOOK_SECRET"))})
//	if err != nil {
//		return err // an empty secret is an error, never "skip verification"
//	}
//	mux.Handle("POST /webhooks/munin", webhookverify.Middleware(v, "X-Munin-Signature")(handler))
//
// Moveo signs with bare hex instead of "sha256=<hex>":
//
//	v, err := webhookverify.NewVerifier(secrets, webhookverify.WithEncoding(webhookverify.BareHex))
//
// # handoff
//
// Observe every vendor event; Decide before replying; Commit just before
// sending, so a reply composed while a human wrote is dropped:
//
//	ctl, err := handoff.New(nil) // in memory; redisstore.New(client) for many replicas
//	...
//	ctl.Observe(ctx, handoff.Event{ID: msgID, Conversation: conv, Kind: handoff.HumanMessage})
//	...
//	d, err := ctl.Decide(ctx, conv)
//	if err != nil || !d.Allow {
//		return err // a human owns the conversation (or the store failed): stay quiet
//	}
//	reply := generate(ctx)
//	if ctl.Commit(ctx, d) != nil {
//		return nil // handoff.ErrStale: a human wrote meanwhile
//	}
//
// # munin
//
// A widget bot pushes what the visitor says, and lets Munin's signed
// webhooks tell its handoff.Controller when a human took over:
//
//	widget, err := munin.NewWidgetClient(widgetKey, munin.WithOrigin("https://shop.example"), munin.WithChannel(channelID))
//	res, err := widget.Push(ctx, munin.Push{SessionID: session, Messages: []munin.WidgetMessage{{Body: text}}})
//	...
//	h, err := munin.NewWebhookHandler(webhookSecret, func(ctx context.Context, ev munin.Event) error {
//		if hev, ok := munin.HandoffEvent(ev); ok {
//			_, err := ctl.Observe(ctx, hev)
//			return err
//		}
//		return nil
//	})
//	mux.Handle("POST /webhooks/munin", h)
//
// munintest is a fake Munin to run all of it against, offline.
//
// # altabots
//
// A human desk serves the three calls AltaBots makes when its agent hands a
// user over, and answers through AltaBots' API; the handler keeps
// AltaBots' 60-second first-reply rule when the humans are slower:
//
//	client, err := altabots.NewClient(apiKey)
//	bearer, err := webhookverify.BearerToken(deskToken) // what AltaBots is configured to send
//	h, err := altabots.NewHandler(desk, // one method per call: Establish, Chat, Close
//		altabots.WithAuthenticator(bearer),
//		altabots.WithAutoReply(client, "Thanks, a colleague will answer in a moment.", 45*time.Second))
//	mux.Handle("/", h)
//	...
//	err = client.SendMessage(ctx, conversationID, "Hi, I'm Ana from support.")
//
// # certainly
//
// A third-party agent system receives Certainly's claim, puts the bot in
// listen mode, relays the conversation and gives it back; Relay does the
// wiring, with a handoff.Controller deciding when the agent's grace period
// has run out:
//
//	client, err := certainly.NewClient(botToken)
//	relay, err := certainly.NewRelay(certainly.RelayConfig{
//		Client:        client,
//		OnUserMessage: forwardToAgent, // the user wrote while a human owns the conversation
//	})
//	h, err := certainly.NewWebhookHandler(relay.Handle, certainly.WithAuthenticator(bearer))
//	...
//	err = relay.Reply(ctx, conv, "Hello from Agent!")
//	err = relay.Release(ctx, conv, "") // the bot answers again
//
// # Conventions every package keeps
//
// Constructors validate and return errors; nothing panics, reads the
// environment or logs unless given a *slog.Logger. Every network call takes
// a context first. Errors name the field or header at fault and never carry
// a key, a secret or a signature, under any fmt verb.
package botbridge
