// Package altabots is the botbridge SDK for an AltaBots.ai (or GPTBots)
// human-service desk reached through the "Webhook" handoff: the desk, or a
// bridge to one, hosts three endpoints AltaBots calls, and answers through
// AltaBots' API (altabots-human-handoff-webhook.txt, altabots-api-notes.md).
//
// # The flow
//
// When a user of an AltaBots agent (bot) asks for a human, AltaBots hands
// the conversation to the desk, streams the user's messages to it, and
// closes it; the desk replies through the API:
//
//	AltaBots ── POST /conversation/establish ──► desk (Desk.Establish; 200 = accepted)
//	AltaBots ── POST /chat ────────────────────► desk (Desk.Chat)
//	AltaBots ◄── POST /v1/human/message/receive ─ desk (Client.SendMessage)
//	AltaBots ── POST /conversation/close ──────► desk (Desk.Close)
//	AltaBots ◄── POST /v1/human/close ─────────── desk (Client.Close)
//
// After a successful establish the desk must send a first reply within
// AltaBots' waiting time ([WaitingTime], 60 seconds by default), or
// AltaBots ends the handoff. [WithAutoReply] sends one for a desk that is
// slower, and [Hooks] report it.
//
// # Handler
//
// [NewHandler] serves the three endpoints for a [Desk], an interface with
// one method per endpoint that receives the decoded, validated request
// ([EstablishRequest], [ChatRequest], [CloseRequest]). AltaBots documents
// no signature for these calls, so the handler checks a credential before
// it reads the body: a webhookverify.Authenticator, such as the bearer
// token or Basic credentials of AltaBots' webhook settings (compared in
// constant time), optionally with a source-IP allowlist. Running without
// one takes the explicitly named [WithoutAuthentication]:
//
//	auth, err := webhookverify.BearerToken(os.Getenv("ALTABOTS_WEBHOOK_TOKEN"))
//	client, err := altabots.NewClient(os.Getenv("ALTABOTS_API_KEY"))
//	h, err := altabots.NewHandler(desk,
//		altabots.WithAuthenticator(auth),
//		altabots.WithAutoReply(client, "Thanks for waiting — an agent will be with you shortly.", 45*time.Second),
//		altabots.WithHooks(altabots.Hooks{AutoReplied: func(conv string, err error) { … }}))
//	defer h.Close()
//	mux.Handle("/", h)
//
// The paths are the handoff page's table (/conversation/establish, /chat,
// /conversation/close); [WithPaths] changes them and [WithPathPrefix] with
// [CurlPathPrefix] gives the page's curl example
// (/human/service/conversation/establish). Every answer is JSON {code,
// message}: 200 {"code":0,"message":"success"} when the Desk method
// returned nil, and for a refusal its status with code status×100 and a
// message naming the field or header: 400 (40000) for a body that is not
// JSON, a missing conversation_id, a field of the wrong type or a close
// type other than TIMEOUT and USER_CLOSED; 401/403 for a credential; 404,
// 405, 413, 415; 500 (50000, "desk failed") for a Desk error, unless it is
// a [*DeskError] that chooses the answer. [NewHandler] lists the order of
// the checks. [ParseEstablish], [ParseChat] and [ParseClose] are the
// decoders it uses, for a program that receives the calls another way.
//
// # Client
//
// [NewClient] takes the agent's API key (sent as "Authorization: Bearer
// <key>"); options set the base URL ([DefaultBaseURL] for AltaBots,
// [GPTBotsBaseURL] for GPTBots), the http.Client, a logger (silent by
// default), the user agent, retries and a timeout:
//
//	client, err := altabots.NewClient(apiKey)
//	err = client.SendMessage(ctx, req.ConversationID, "Hi, I'm Dana. How can I help?")
//	err = client.Close(ctx, req.ConversationID)
//
// SendMessage is not idempotent at AltaBots (the user would see the reply
// twice): it is retried only when the first attempt provably never arrived
// or AltaBots said it did not process it. Close is retried like an
// idempotent call: closing twice is harmless.
//
// # Who owns the conversation
//
// [HandoffEvents] translates the calls for handoff.Controller: an establish
// the desk accepts is a handoff request and a human joining, a chat is a
// user message, a close is Closed with Meta reason TIMEOUT or USER_CLOSED.
// [ReplyEvent] and [DeskClosedEvent] record the desk's own replies and
// closes. Event IDs come from the conversation, the endpoint and the
// timestamp, so a repeated call is a no-op.
//
// # Errors
//
// A call AltaBots refused returns an [*APIError] (status, AltaBots' code
// and message, request id, Retry-After and the X-RateLimit-* quota); match
// kinds with errors.Is and [ErrUnauthorized], [ErrRateLimited],
// [ErrValidation], … and AltaBots' own codes [ErrParameter] (40000),
// [ErrAuthentication] (40127) and [ErrAgentDeleted] (40378):
//
//	var apiErr *altabots.APIError
//	switch {
//	case errors.Is(err, altabots.ErrAgentDeleted):
//		// the agent is gone: stop using this key
//	case errors.As(err, &apiErr) && apiErr.RateLimit != nil:
//		log.Printf("quota spent until %s", apiErr.RateLimit.Reset)
//	}
//
// Input the SDK refuses before sending matches ErrValidation and names the
// field. No error, log line or printed value holds the API key or the
// webhook credential.
//
// # Differences from the published docs
//
//   - The page documents no success code: the handler answers
//     {"code":0,"message":"success"} with 200, and the client takes a 2xx
//     whose code is absent, 0 or 200 as success and any other code as a
//     failure (an *APIError whose status follows the code: 40127 → 401).
//     A 2xx whose body is not JSON is a success.
//   - The page documents no status for refusals: the handler answers the
//     HTTP status that fits with code status×100.
//   - Error bodies come in two shapes, {code, message} on the endpoint pages
//     and {error: {code, message, status}} in the API overview; both decode.
//   - The page documents no authentication for its calls to the desk; the
//     handler checks the bearer or Basic credential of AltaBots' other
//     webhook mode, and needs WithoutAuthentication to check none.
//   - The table's paths and the curl example's differ; both are served
//     through options.
//   - A missing timestamp is accepted as 0 ("unknown"); a timestamp that
//     is not a whole number is refused, naming the field. A chat's body may
//     be empty. Close types are compared exactly (TIMEOUT, USER_CLOSED).
//   - The page requires a timestamp on the desk's calls; the client sends
//     the time of the call.
//   - Rate limits are documented only as X-RateLimit-* headers: a 429 (or
//     503) without Retry-After that says the quota is spent waits until
//     X-RateLimit-Reset, within WithRetry's cap.
package altabots
