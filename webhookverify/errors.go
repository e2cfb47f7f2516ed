package webhookverify

import "errors"

// The sentinels below are the errors a verification failure produces (the others are a body read
// failure and, under GODEBUG=fips140=only, a secret crypto/hmac refuses). Their messages are fixed
// strings that carry neither the received signature, the expected MAC nor a secret, so they are safe
// to log and to echo to an HTTP caller: an error that quoted the expected signature would let anyone
// forge a delivery. Compare with errors.Is.
var (
	// ErrMissingSignature means the signature header was absent or empty. Moveo sends no header when
	// no webhook secret is configured; a receiver that has a secret must refuse such a request.
	ErrMissingSignature = errors.New("webhookverify: missing signature")

	// ErrMalformedSignature means the signature was present but not in the verifier's encoding:
	// wrong or missing "sha256=" prefix, wrong length, a non-hex character or surrounding whitespace.
	ErrMalformedSignature = errors.New("webhookverify: malformed signature")

	// ErrSignatureMismatch means the signature was well formed but was not made by any configured
	// secret over these exact body bytes.
	ErrSignatureMismatch = errors.New("webhookverify: signature mismatch")

	// ErrEmptySecret means a secret was empty, or no secret was given. An empty secret is a
	// configuration error, never a request to skip verification.
	ErrEmptySecret = errors.New("webhookverify: empty secret")

	// ErrTooLarge means the request body exceeded the byte cap. The rest of the body is left unread.
	ErrTooLarge = errors.New("webhookverify: body too large")
)

// Refuse marks err as a webhook callback's refusal of an event it can never act on, such as one
// that lacks a field the callback needs: a Receiver (and every vendor handler built on it) answers
// 400, which tells the vendor that sending it again is useless, instead of the 500 that asks for a
// retry. The message stays err's, so it should name the field. errors.Is and errors.As see through
// the mark; Refuse(nil) is nil.
func Refuse(err error) error {
	if err == nil {
		return nil
	}
	return refusal{err}
}

// IsRefusal reports whether err, or an error it wraps, was marked by Refuse.
func IsRefusal(err error) bool {
	var r refusal
	return errors.As(err, &r)
}

// refusal is an error marked by Refuse.
type refusal struct{ err error }

func (r refusal) Error() string { return r.err.Error() }
func (r refusal) Unwrap() error { return r.err }
