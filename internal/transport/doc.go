// Package transport is the one HTTP core under every botbridge vendor client.
//
// A vendor package builds a Config (DefaultConfig, then its options), calls
// New, and sends each API call through Client.Do with a Request whose body
// is a params struct; Do encodes it as JSON, sends it with the vendor's
// credentials, retries when that is safe, reads the answer through a size
// cap and decodes it into the typed result, or returns an *APIError that
// the vendor package exposes as its own.
//
// # Retries
//
// go-retryablehttp runs the attempts; this package decides them. Connection
// errors, 429, 502, 503 and 504 are retried with jittered exponential
// backoff, or after the server's Retry-After (seconds or HTTP-date, or a
// vendor's own header through Config.RetryAfter) when that is within the
// cap. A request whose method is not idempotent is sent again only when
// that cannot do a thing twice: its attempt never reached the wire (seen
// through an HTTP trace), the server answered 429 or 503, or the caller set
// Request.Idempotent because the request carries idempotency keys. Only
// positive evidence counts as "never reached the wire" (a dial or DNS
// error, or a connection asked for and never obtained); a transport the
// trace cannot see gives none, so its failures are not retried for such a
// request. Waits end when the context does, and once the context is done
// its error is what Do returns. Redirects are not followed: a 3xx is an
// *APIError, because following it would replay the credential to the
// target and turn a POST into a GET.
//
// # Errors
//
// A non-2xx answer becomes an *APIError: status, the vendor's code and
// message (Config.DecodeError reads its body shape), the request id, the
// Retry-After and the start of the raw body. A vendor package exposes it
// under its own name and re-exports the sentinels, so its users never see
// this package:
//
//	// APIError is an error answer from Munin.
//	type APIError = transport.APIError
//
//	var ErrNotFound = transport.ErrNotFound
//
// errors.Is matches the sentinel of the status class (ErrNotFound for 404,
// ErrServer for any 5xx, …) and any vendor sentinel the decoder returned.
//
// A vendor that reports failures inside a 2xx body (AltaBots answers
// {code, message} with HTTP 200) sets Config.CheckSuccess: the *Failure it
// finds becomes an *APIError built in the same place as any other, with
// the status the failure stands for. JSONText and IsCodeWord are the small
// readers vendor decoders share.
//
// # Secrets
//
// The credential lives in the Config.Authorize closure, which fmt cannot
// print, and vendor packages hold keys as a Secret, which prints as
// "[REDACTED]" everywhere. Client and Config format as their vendor and base
// URL only; a base URL may not hold credentials; URLs are dropped from
// connection errors; header values are checked before the credential is
// added; and Config.Secrets, in their JSON-escaped forms too, are scrubbed
// from everything a server sends back before it reaches an *APIError.
package transport
