// Package moveo is the botbridge SDK for a Moveo.ai custom channel: the
// program that owns a user-facing front end (a chat page, an app, a
// messaging bridge), forwards what the user says to Moveo, and renders what
// comes back — the AI agent's replies and, after a handover, a human
// agent's messages, typing indicators and receipts
// (moveo-api-notes.md, moveo-webhook-event-payloads.txt).
//
// # The flow
//
// The channel opens a session, sends the user's messages into it, and
// receives everything else as signed webhook events:
//
//	user ──► channel ── Client.SendMessage ──────────────► Moveo (202)
//	user ◄── channel ◄─ message:brain_send (AI agent) ───── Moveo
//	                 ◄─ message:send, message:compose, … ── Moveo's human desk
//
// # Client
//
// [NewClient] takes the integration's API key (sent as "Authorization:
// apikey <KEY>") and integration id; options set the base URL, the
// http.Client, a logger (silent by default), the user agent, retries and a
// timeout. Every call takes a context first:
//
//	c, err := moveo.NewClient(apiKey, integrationID)
//	s, err := c.CreateSession(ctx, moveo.CreateSessionRequest{ExternalSessionID: "chat-42"})
//	_, err = c.SendMessage(ctx, s.SessionID, moveo.UserMessage{Text: "Where is my order?"})
//
// Sessions: CreateSession, UpdateContext, Handover (to the human desk,
// optionally naming a desk or department), CloseConversation,
// ReopenConversation, CloseSession. Messages: SendMessage (text and
// attachments), SendMessageOrRenew, SendAgentMessage (record a message an
// agent outside Moveo wrote), MarkRead, MarkDelivered. Files: UploadURL,
// UploadFile (asks for the URL and PUTs the bytes) and DownloadURL.
//
// A user message is not idempotent at Moveo: it is retried only when the
// first attempt provably never arrived or Moveo said it did not process
// it. A session expires after the integration's session_timeout (24 hours
// by default); a call on it then fails with [ErrSessionNotFound], and
// SendMessageOrRenew, opt-in, creates a new session and sends there.
//
// # Events
//
// [ParseEvent] turns an event's raw body into a concrete type for each of
// the eleven event types — [BrainSendEvent], [AgentMessageEvent],
// [TypingEvent], [ReadEvent], [DeliveredEvent], [MemberJoinEvent],
// [MemberLeaveEvent], [ConversationClosedEvent],
// [ConversationReopenedEvent], [SessionClosedEvent], [SessionExpiredEvent]
// — and an [*UnknownEvent] with a nil error for a type it does not know.
// Each embeds [Base]: event_type, request_id, session_id,
// external_session_id, integration_id, desk_id, the context as raw JSON,
// and the timestamp both as a time.Time and as the milliseconds Moveo sent.
//
// A brain_send's output.responses decode into [Text] (with quick-reply
// options), [Image], [Video], [Audio], [File] (with an optional size),
// [Carousel] (cards with media and postback, url or webview buttons),
// [Webview], [Handover], [Pause] and [UnknownResponse]; each is a
// [Response] and marshals back into the JSON Moveo sent.
//
// # Handler
//
// [NewWebhookHandler] is the http.Handler for the integration's
// webhook_url. It checks X-Moveo-Signature (bare hex HMAC-SHA256 of the raw
// body, through webhookverify) before reading any JSON, caps the body,
// refuses events outside a replay window on their timestamp, drops Moveo's
// retries of an event it handled (request_id + event_type, in a
// webhookverify.Deduper), and calls the callback. Moveo takes 4xx as final
// and retries 5xx, so the handler answers 2xx only after the callback
// returned nil, 5xx when a retry can help, and 4xx only for requests that
// can never succeed; NewWebhookHandler lists each status. An integration
// without a webhook secret needs the loudly named
// [WithoutSignatureVerification].
//
// A [Dispatcher] routes events to typed handlers (OnBrainSend,
// OnAgentMessage, OnTyping, …); its Handle method is a callback, and so is
// any func(context.Context, Event) error.
//
//	d := &moveo.Dispatcher{OnBrainSend: render, OnAgentMessage: showAgent}
//	h, err := moveo.NewWebhookHandler(webhookSecret, d.Handle)
//	mux.Handle("POST /webhooks/moveo", h)
//
// # Who owns the conversation
//
// [HandoffEvent] translates an event for handoff.Controller: a human
// agent's message, join, leave and typing are human activity; a handover
// response in a brain_send is a handoff request (desk and department in
// Meta); conversation:closed hands the conversation back; reopened counts
// as human activity; session:closed and session:expired end it; the AI
// agent's own replies are the bot's messages. Its doc gives the table and
// the reasons.
//
// # Errors
//
// A call Moveo refused returns an [*APIError] (status, Moveo's error_code
// and error_message, request id); match kinds with errors.Is and
// [ErrUnauthorized], [ErrNotFound], [ErrValidation], [ErrSessionNotFound]
// and the other sentinels, and read the fields with errors.As:
//
//	var apiErr *moveo.APIError
//	if errors.As(err, &apiErr) {
//		log.Printf("moveo: %d %s", apiErr.StatusCode, apiErr.Code)
//	}
//
// Input the SDK refuses before sending matches ErrValidation and names the
// field. ParseEvent's errors are [*EventError]s naming the field by its JSON
// path and match [ErrInvalidEvent]. No error, log line or printed value
// holds the API key, a webhook secret or a signature.
//
// # Differences from the published docs
//
//   - integration_id and session_id are UUIDs; the payload page's
//     "intg-001" and "sess-456" are placeholders. The SDK does not insist
//     on the UUID form.
//   - Calls whose body is not documented (close and reopen conversation,
//     handover, receipts, close session) send {}, and every call sends
//     Content-Type: application/json; create session sends {} at least.
//   - The handover call's desk and department ids are not documented; they
//     are sent as desk_id and department_id when set, mirroring the
//     handover response.
//   - The pause response has no documented fields: [Pause] keeps its raw
//     JSON.
//   - message:send attachments are "the same format as input attachments":
//     they decode into [Attachment] (type, mime_type, url, filename).
//   - The timestamp is documented only as milliseconds; a fractional or
//     string timestamp is refused, naming the field.
//   - Moveo suggests a 5 minute replay window and documents no clock skew;
//     the handler also refuses timestamps more than [MaxClockSkew] ahead.
//   - Moveo documents no status for "being handled right now": a retry that
//     arrives while its first attempt still runs gets 503, so Moveo retries
//     it again rather than giving it up.
package moveo
