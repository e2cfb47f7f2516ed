// Package webhookverify authenticates webhook deliveries signed with HMAC-SHA256: it signs, verifies
// (with key rotation and each vendor's encoding), reads request bodies through a cap, and wraps a
// handler so that only verified bytes reach it. For vendors that sign nothing it checks a static
// credential instead, in constant time. Every botbridge vendor package that receives webhooks
// uses it, so there is one implementation of "read the body, check the signature".
//
// # Signing
//
// [Sign] returns "sha256=" followed by the lowercase hex HMAC-SHA256 of the raw body, which is what
// Munin sends in x-munin-signature (munin-api-reference 3.2). Munin keys the HMAC with the whole
// secret string as issued, "whsec_" prefix included and not base64-decoded:
//
//	secret := []byte("whsec_3q2-7wAAAAAAAAAAAAAAAAAAAAAAAAAA")
//	sig := webhookverify.Sign(secret, body) // "sha256=" + 64 lowercase hex
//
// The signed message is the exact bytes on the wire. Verify before decoding JSON and never verify a
// re-encoded body: whitespace and key order change the MAC.
//
// # Verifying with rotation
//
// [Verify] checks one signature against one secret. A receiver builds a [Verifier] once instead:
// it accepts a signature made by any of its secrets, verifies without allocating, and is safe for
// concurrent use. To rotate, list the new secret first and keep the old one until the vendor signs
// only with the new:
//
//	v, err := webhookverify.NewVerifier([][]byte{newSecret, oldSecret})
//	if err != nil {
//		return err // ErrEmptySecret: a missing secret is a configuration error, never "skip"
//	}
//	if err := v.Verify(body, r.Header.Get("X-Munin-Signature")); err != nil {
//		return err
//	}
//
// Hex digits are accepted in either case; the "sha256=" prefix is not, and whitespace around the value
// is malformed. MACs are compared as decoded bytes with [crypto/hmac.Equal].
//
// # Moveo: bare hex
//
// Moveo sends the lowercase hex HMAC-SHA256 of the raw body in X-Moveo-Signature with no prefix
// (moveo-api-notes, "Webhook security"). Select that encoding with [WithEncoding]:
//
//	v, err := webhookverify.NewVerifier([][]byte{secret}, webhookverify.WithEncoding(webhookverify.BareHex))
//
// Moveo sends no signature header at all when no secret is configured; such a delivery gets
// [ErrMissingSignature].
//
// # Middleware
//
// [Verifier.VerifyRequest] reads a request body through a cap ([DefaultMaxBodyBytes] unless told
// otherwise), reading at most one byte past it, and returns the verified raw bytes. [Middleware] wraps
// a handler with it: a refused request gets 401 (or 413 for an oversized body) with a generic body,
// and the wrapped handler is not called; an accepted one reaches the handler with r.Body replaced by
// the verified bytes, which [Payload] also returns from the request context.
//
//	mux.Handle("POST /webhooks/munin", webhookverify.Middleware(v, "X-Munin-Signature",
//		webhookverify.WithRejectHook(func(r *http.Request, err error) {
//			logger.Warn("webhook refused", "err", err)
//		}),
//	)(handler))
//
// # Dropping redeliveries
//
// Vendors deliver at least once: a retry after a timeout can repeat an event the receiver already
// handled. A [Deduper] remembers which deliveries were handled; the vendor handlers claim a key with
// Begin before their callback and settle it with End after, so that a failed callback frees the key
// for the vendor's retry. [MemoryDeduper] is the bounded in-memory default; a store shared by
// replicas (Redis, a database) implements the same two methods.
//
//	d := webhookverify.NewMemoryDeduper(0, 0) // DefaultDedupeCapacity keys, DefaultDedupeTTL each
//	h, err := munin.NewWebhookHandler(secret, fn, munin.WithDeduper(d))
//
// # Receiving
//
// [Receiver] is the whole pipeline a vendor's NewWebhookHandler runs, in one order for every vendor:
// POST only (405), the credential when the vendor signs nothing (401/403), the body through a cap
// (413), the signature over the raw bytes before any JSON (401), the vendor's parse (400), the replay
// window on the event's own time with a clock and a skew (skipped for a vendor whose events carry no
// time), the [Deduper] claim (Begin, then End once the callback has returned), the callback, and 2xx
// only after it returned nil. [ReceiverConfig] carries what differs between vendors: the header and
// [Verifier] or an [Authenticator] (or the explicit AllowUnsigned opt-out), the parse function giving
// the event, its time and its dedupe key, the statuses a vendor documents for a stale event, an
// in-flight duplicate and an unreadable body, and the attributes of its log lines.
//
// # Vendors that sign nothing
//
// AltaBots' calls to a human desk and Certainly's Webhook Builder carry no signature; the receiver
// is configured with a credential the vendor sends on every call. An [Authenticator] checks it from
// the headers and the peer address, before the body is read: [BearerToken] ("Authorization: Bearer
// <token>", several tokens for rotation), [BasicAuth], [HeaderToken] (a fixed header such as
// X-Api-Key), [SourceIPs] (an allowlist of CIDR prefixes) and [AllOf] to require several. Credentials
// are compared as SHA-256 digests with [crypto/subtle.ConstantTimeCompare], so neither the time taken
// nor the answer tells a caller how much of a guess was right, or how long the credential is.
//
//	bearer, err := webhookverify.BearerToken(os.Getenv("DESK_TOKEN"))
//	if err != nil {
//		return err // ErrEmptySecret: no token is a configuration error, never "skip"
//	}
//	ips, _ := webhookverify.SourceIPs("203.0.113.0/24")
//	check, _ := webhookverify.AllOf(ips, bearer)
//	if err := check.Authenticate(r); err != nil {
//		http.Error(w, http.StatusText(webhookverify.AuthStatus(err)), webhookverify.AuthStatus(err))
//		return
//	}
//
// A refusal is [ErrMissingCredential] or [ErrBadCredential] (401) or [ErrSourceNotAllowed] (403);
// [AuthStatus] maps them. [SourceIPs] trusts the connection's peer address, not X-Forwarded-For;
// behind a proxy, write an [AuthenticatorFunc] that reads the header your proxy sets. The vendor
// handlers take an Authenticator and refuse to start without one unless their explicitly named
// opt-out (WithoutAuthentication) is given.
//
// # Errors
//
// Verification fails with one of the sentinels [ErrMissingSignature], [ErrMalformedSignature],
// [ErrSignatureMismatch], [ErrEmptySecret] and [ErrTooLarge]; test for them with [errors.Is]. The
// only other errors are a body read failure, which wraps the reader's error, and configuration
// errors from [NewVerifier]: an unknown [Encoding], or a secret that crypto/hmac refuses (under
// GODEBUG=fips140=only, one shorter than 14 bytes).
//
// Never echo a signature. No error or String from this package contains the received
// signature, the expected MAC or a secret, so errors are safe to log and to return to the caller; do
// the same in code around it. Telling a caller the expected signature would let it forge deliveries,
// and printing a secret hands it over. A Verifier prints only its encoding and number of secrets,
// under every fmt verb.
package webhookverify
