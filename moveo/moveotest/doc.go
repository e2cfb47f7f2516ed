// Package moveotest is a fake Moveo.ai custom-channel integration for tests
// and examples: a real HTTP server on 127.0.0.1, in memory, shaped like
// net/http/httptest.
//
// NewServer starts one for a test and closes it when the test ends; New
// starts one for a program. The server has one integration, whose API key
// and id APIKey and IntegrationID return, and a webhook URL set with
// WithWebhook or SetWebhook:
//
//	s := moveotest.NewServer(t, moveotest.WithWebhook(receiver.URL, "secret"))
//	c, _ := moveo.NewClient(s.APIKey(), s.IntegrationID(), moveo.WithBaseURL(s.URL))
//
// # What it does
//
// It answers the routes of moveo-api-notes.md under
// /v1/custom/{integration_id}/sessions with Moveo's paths, statuses and
// {error_code, error_message} bodies: 401 without "Authorization: apikey
// <KEY>", 404 for another integration id, 404 session_not_found for a
// session that is unknown, closed or expired, 400 invalid_payload for a
// body Moveo refuses (not an object, a null context, a message with
// neither text nor attachments, an attachment whose type is not image,
// video, audio or file or whose url is not a URI).
//
// A user message is answered 202 and, unless the desk owns the
// conversation, by the Brain (EchoBrain by default; WithBrain and SetBrain
// script it) as a message:brain_send event carrying the message's
// request_id. A handover response from the Brain, or POST …/handover, gives
// the conversation to the desk; Desk then acts as a human agent (Join,
// Type, Say, Read, Leave, Close, Reopen), producing the events of
// moveo-webhook-event-payloads.txt with every base field. The channel's own
// calls produce conversation:closed, conversation:reopened and
// session:closed; a session idle for the session timeout expires with
// session:expired.
//
// Events are delivered to the webhook URL signed as Moveo signs them
// (X-Moveo-Signature: the bare lowercase hex HMAC-SHA256 of the body; no
// header when the secret is ""), filtered by WithSubscribedEvents, and
// retried on a 5xx, a timeout or a network error with the same body; a 4xx
// is a permanent failure.
//
// # Time and deliveries
//
// Session expiry, event timestamps and the retry schedule follow the
// server's Clock. WithClock(NewClock(t0)) freezes it; Clock().Advance moves
// it, starts the retries that became due and expires idle sessions.
// WaitDeliveries waits, without sleeping, until no delivery has an attempt
// in flight or due, so a test reads Deliveries (or its receiver's log)
// right after:
//
//	_, _ = c.SendMessage(ctx, sessionID, moveo.UserMessage{Text: "hi"})
//	s.WaitDeliveries(ctx)                   // the brain's reply was POSTed once
//	s.Clock().Advance(250 * time.Millisecond)
//	s.WaitDeliveries(ctx)                   // and retried, if that failed
//
// Use the same Clock's Now for the code under test (the webhook handler's
// replay window, handoff.WithClock) so that both agree on the time.
//
// # Inspection and faults
//
// Sessions and Session return the sessions with their messages in order
// (user, brain, agents); Requests, Events, Deliveries and Uploads return
// what the server received, emitted, delivered and stored, as copies.
// FailNext answers a route with an error before processing it; WithLatency
// slows every API answer.
//
// # Differences from real Moveo
//
//   - The brain is the test's Brain function, called synchronously before
//     the 202 is sent; Moveo's AI agent answers on its own time, may send
//     message:compose with author_type brain first, and may answer a
//     message with several events. A Brain that returns nothing sends no
//     event.
//   - While the desk owns a conversation (after a handover, or once a Desk
//     agent joined or spoke) user messages are stored and not answered, and
//     no event tells the desk about them. Closing the conversation, or a
//     user message after it was resolved, gives it back to the brain;
//     reopening gives it back to the desk if the desk had it.
//   - Undocumented answers are the fake's choice: PATCH …/context merges
//     the body's keys into the context and answers 200 {request_id,
//     context}; messages/agent answers 202 {request_id}; the receipts,
//     handover, conversation and close routes answer 200 {request_id}.
//     Error codes other than session_not_found (invalid_payload,
//     unauthorized, integration_not_found, file_not_found,
//     internal_error) are invented: Moveo only documents that error_code
//     is a string.
//   - The channel's own calls emit only conversation:closed (status
//     resolved, no agent), conversation:reopened and session:closed.
//     Handover, receipts and agent messages emit nothing; the desk's
//     receipts are Desk.Read.
//   - Expiry is checked whenever the server looks (every request,
//     WaitDeliveries, the inspection methods, Clock moves); session:expired
//     is timestamped when noticed, while Session.EndedAt is when the
//     timeout ran out. Any call on a session or Desk action counts as
//     activity. The timeout may be shorter than Moveo's 60 s minimum.
//   - Deliveries run each in its own goroutine, so events of one session
//     may arrive out of order; call WaitDeliveries between steps when
//     order matters. On a frozen Clock each event is stamped a millisecond
//     after the previous one, so timestamps still order them. The default
//     schedule (DefaultDeliverySchedule) has no jitter, and network errors
//     are retried like timeouts.
//   - Webhook URLs may be http:// and loopback.
//   - upload_url and download_url point at the fake itself (/storage/…),
//     signed by a "signature" query parameter rather than a cloud storage
//     signature; download URLs do not expire.
//   - No IP allowlist, no rate limits (none documented), one integration,
//     everything in memory and gone at Close.
package moveotest
