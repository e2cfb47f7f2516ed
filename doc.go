// Package botbridge is a Go SDK for the programs that sit between a chatbot
// and the humans who take its conversations over. This package holds only
// the SDK's version; the work is done in its subpackages, one per job.
//
// # Which package for which job
//
//	webhookverify        verify a vendor's signed webhook (HMAC-SHA256, key rotation, HTTP middleware)
//	handoff              decide whether the bot may speak: bot, pending or human owns the conversation   (planned)
//	handoff/redisstore   the same decision shared by many bot replicas through Redis                      (planned)
//	munin                Munin: push widget transcripts, read conversations, signed webhooks             (planned)
//	moveo                Moveo.ai custom channel: sessions, user messages, handover, webhook events      (planned)
//	altabots             AltaBots.ai human desk: the three inbound endpoints and the two outbound calls  (planned)
//	certainly            Certainly: hand over, send agent messages, take back                            (planned)
//	<vendor>/<vendor>test  a fake of each vendor as a real HTTP server, shaped like net/http/httptest    (planned)
//
// The examples directory holds runnable programs; each runs offline against
// the fakes:
//
//	go run ./examples/quickstart
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
// # Conventions every package keeps
//
// Constructors validate and return errors; nothing panics, reads the
// environment or logs unless given a *slog.Logger. Every network call takes
// a context first. Errors name the field or header at fault and never carry
// a key, a secret or a signature, under any fmt verb.
package botbridge
