// Package certainly is the botbridge SDK for the third-party agent system
// behind a Certainly bot: the program that gets the bot's "a user wants a
// human" claim, puts the bot into listen mode, relays the user's messages
// to a human agent and the agent's replies to the user, and gives the
// conversation back to the bot when the human is done
// (certainly-handover-flow.txt, certainly-api-notes.md).
//
// # The flow
//
// Certainly calls the program's two webhooks; the program calls three of
// Certainly's endpoints:
//
//	Certainly ── claim webhook (a Webhook module in the flow) ─────► program
//	program   ── Client.Handover    GET  …/{botId}/handover/{userId}/ ─► bot listens
//	Certainly ── message webhook, interlocutor "user" ─────────────► program ─► agent
//	agent     ── Client.SendMessage POST …/{botId}/handover/{userId}/ ─► user
//	program   ── Client.Takeover    GET  …/{botId}/takeover/{userId}/ ─► bot answers again
//
// {botId} is the bot deployment id (botdep_id), the claim's botId;
// {userId} is the end user's id, the claim's to.
//
// # Client
//
// [NewClient] takes the bot's API token, sent as "Authorization: bearer
// <token>" ([WithAuthScheme] for another scheme, [WithoutAuthorization] for
// none); options set the base URL, the path prefix, the http.Client, a
// logger (silent by default), the user agent, retries and a timeout. Every
// call takes a context first:
//
//	c, err := certainly.NewClient(token)
//	err = c.Handover(ctx, claim.BotID, claim.To)
//	err = c.SendMessage(ctx, claim.BotID, claim.To, "Hello from Agent!")
//	err = c.Takeover(ctx, claim.BotID, claim.To, certainly.TakeoverOptions{ClaimEnd: "survey"})
//	cfg, err := c.Config(ctx, claim.BotID) // the widget's configuration, as raw JSON
//
// Paths keep Certainly's trailing slashes and escape each id into one
// segment. The GETs are retried like any idempotent call; the agent's
// message only when Certainly cannot have shown it (a refused dial, 429,
// 503).
//
// # Webhooks
//
// [NewWebhookHandler] serves both webhooks, at one URL or two. Certainly
// signs nothing; its Webhook Builder sends a configured credential
// (None, Basic or a header), which the handler checks in constant time
// before reading the body ([WithAuthenticator] with
// webhookverify.BasicAuth, HeaderToken or BearerToken); accepting anyone
// takes the loudly named [WithoutAuthentication]. [ParseEvent] tells the
// payloads apart: a [*Claim] (every documented field, Raw keeping the
// rest), a [*Message] (the schema is not published: Raw keeps it, and the
// SDK reads the few names its doc lists), or an [*UnknownEvent].
//
//	auth, err := webhookverify.BasicAuth("certainly", password)
//	h, err := certainly.NewWebhookHandler(func(ctx context.Context, ev certainly.Event) error {
//		switch ev := ev.(type) {
//		case *certainly.Claim:   // a user wants a human
//		case *certainly.Message: // ev.Interlocutor, ev.Text
//		}
//		return nil
//	}, certainly.WithAuthenticator(auth))
//	mux.Handle("POST /webhooks/certainly", h)
//
// The handler answers 2xx only after the callback returned nil: 405 for
// another method, 401/403 for a refused credential, 413 for a body over the
// cap, 400 for a payload that does not parse or that the callback refused
// (webhookverify.Refuse: it can never be acted on), 500 when the callback
// failed.
//
// # Answer fast, work asynchronously
//
// The Webhook Builder waits 5 seconds ([WebhookTimeout]). A callback that
// calls Certainly back, a desk or a model, can take longer: then let it
// queue the event and return, and let a worker do the work.
//
//	queue := make(chan certainly.Event, 1000)
//	go func() {
//		for ev := range queue {
//			if err := relay.Handle(context.Background(), ev); err != nil {
//				log.Printf("certainly: %v", err) // retry, or park it for a human
//			}
//		}
//	}()
//	h, err := certainly.NewWebhookHandler(func(ctx context.Context, ev certainly.Event) error {
//		select {
//		case queue <- ev:
//			return nil // 204 at once
//		default:
//			return errors.New("queue full") // 500
//		}
//	}, certainly.WithAuthenticator(auth))
//
// The trade-off: once the handler has answered 204, Certainly considers the
// event delivered. A failure in the worker is the program's to handle —
// retry it, or keep the queue somewhere durable — since the Webhook
// Builder documents no retries, and after a 2xx none is due.
//
// # Who owns the conversation
//
// [HandoffEvent] translates a payload for handoff.Controller: a claim is a
// handoff request, a user's message a user message, an agent's message
// human activity, the bot's its own message. Certainly's payloads carry no
// id and no time: the event ID is a hash of the body (a payload posted
// again is the same event) and the controller's clock gives the time.
// The program's own calls are events too: [HandoverEvent] (a take-over for
// the grace period), [AgentMessageEvent] (slides it) and [TakeoverEvent]
// (hand-back). Conversations are keyed by [ConversationKey](botId, userId).
//
// # Relay
//
// A [Relay] wires the Client, a handoff.Controller and two callbacks for
// the common case: on a claim it calls Handover and OnClaim; it forwards
// the user's messages to OnUserMessage while the conversation is handed
// over; Reply sends the agent's message; Release hands back; and when the
// agent has been silent for the grace period, a sweep (Run, or Sweep on a
// timer) hands back with RelayConfig.ClaimEnd. Each hand-back gets exactly
// one Takeover, however a Release and a sweep interleave; Close waits for
// the automatic ones in flight.
//
//	relay, err := certainly.NewRelay(certainly.RelayConfig{
//		Client:        client,
//		OnClaim:       notifyAgents,   // a user is waiting
//		OnUserMessage: forwardToAgent, // what the user writes meanwhile
//		ClaimEnd:      "survey",
//	})
//	defer relay.Close()
//	go relay.Run(ctx, time.Minute)
//	h, err := certainly.NewWebhookHandler(relay.Handle, certainly.WithAuthenticator(auth))
//	// from the agents' tool:
//	err = relay.Reply(ctx, conv, "It ships today.")
//	err = relay.Release(ctx, conv, "")
//
// Handle calls Handover inside the claim webhook, so a slow or failing
// Certainly counts against the Webhook Builder's 5 seconds: build the
// Client with WithTimeout(4 * time.Second) (all attempts and waits
// included), or queue the events as the previous section shows. A claim
// whose Handover timed out is answered 500 and the conversation stays the
// bot's until Certainly posts the claim again.
//
// # Errors
//
// A call Certainly refused returns an [*APIError] (status, the "detail" of
// Django REST framework's error body as Message, request id); match kinds
// with errors.Is and [ErrUnauthorized], [ErrNotFound], [ErrValidation] and
// the other sentinels, read fields with errors.As. Input the SDK refuses
// before sending matches ErrValidation and names the field. The parsers'
// errors are [*EventError]s naming the field and match [ErrInvalidEvent].
// No error, log line or printed value holds the token or a webhook
// credential.
//
// # Differences from the published docs
//
//   - The claim body is documented by example only, with placeholders
//     ("botId": ""). The SDK needs botId and to to be present (strings or
//     numbers, no control characters), accepts them empty as the example
//     has them (a Relay then refuses the claim with 400), and leaves a
//     documented field of an unexpected JSON type empty in the struct (Raw
//     keeps it) rather than refuse the claim.
//   - The message webhook's schema is not published beyond "a JSON with
//     interlocutor user". The SDK reads interlocutor, message/text,
//     botId/bot_id, userId/user_id (then from or to) and
//     sessionId/session_id; see [Message].
//   - Authentication of the handover and takeover endpoints is not
//     documented. The SDK sends the bot's API token as "bearer <token>",
//     as the chat REST API does (whose page calls it "basic
//     authentication" while showing a bearer header); [WithAuthScheme] and
//     [WithoutAuthorization] cover the alternatives.
//   - No answer body is documented for handover, agent message or
//     takeover: a 2xx is success, whatever it carries. The config answer's
//     schema is not published: [ChatConfig] keeps it raw.
//   - ClaimEnd's values are not documented; the SDK sends the value as
//     given. The claim's "reply" names a Certainly variable for the
//     webhook's answer; what Certainly stores there is not documented, and
//     the handler answers 204 with no body.
//   - No webhook signature, event id or timestamp is documented: the
//     handler checks a static credential, has no replay window and does
//     not dedupe; HandoffEvent derives ids from the body.
package certainly
