package webhookverify

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
)

// Errors an [Authenticator] returns. Like the signature sentinels, their messages are fixed strings
// that quote neither the credential received nor the one expected, so they are safe to log and to
// echo. Compare with errors.Is.
var (
	// ErrMissingCredential means the request carried no credential where one was required: no
	// Authorization header, one with another scheme, or an empty header.
	ErrMissingCredential = errors.New("webhookverify: missing credential")

	// ErrBadCredential means the request carried a credential that matches none of the configured ones.
	ErrBadCredential = errors.New("webhookverify: wrong credential")

	// ErrSourceNotAllowed means the request came from an address outside the allowlist of [SourceIPs].
	ErrSourceNotAllowed = errors.New("webhookverify: source address not allowed")
)

// Authenticator decides whether a request comes from the vendor, for vendors that sign nothing and
// instead send a static credential (AltaBots' human-desk calls, Certainly's Webhook Builder). It
// looks at the headers and the peer address only, never at the body, so a refused request is turned
// away before its body is read.
//
// Authenticate returns nil for an accepted request, and otherwise an error matching
// [ErrMissingCredential], [ErrBadCredential] (answer 401) or [ErrSourceNotAllowed] (answer 403);
// [AuthStatus] gives that status. The constructors below compare in constant time and print no
// secret; an [AuthenticatorFunc] plugs in any other rule.
type Authenticator interface {
	Authenticate(r *http.Request) error
}

// AuthenticatorFunc adapts a function to [Authenticator]. It should return the sentinels above, or
// wrap them, so that [AuthStatus] answers the right status.
type AuthenticatorFunc func(r *http.Request) error

// Authenticate calls f(r).
func (f AuthenticatorFunc) Authenticate(r *http.Request) error { return f(r) }

// AuthStatus is the HTTP status for an Authenticator's error: 200 for nil, 403 for
// [ErrSourceNotAllowed], 401 for anything else.
func AuthStatus(err error) int {
	switch {
	case err == nil:
		return http.StatusOK
	case errors.Is(err, ErrSourceNotAllowed):
		return http.StatusForbidden
	}
	return http.StatusUnauthorized
}

// Challenge is the WWW-Authenticate value a 401 for a's refusal should carry (RFC 9110 §11.6.1),
// naming the scheme a expects: "Bearer" for [BearerToken], `Basic realm="webhook", charset="UTF-8"`
// for [BasicAuth], the first check's that has one for [AllOf]; "" for [HeaderToken], [SourceIPs] and
// other Authenticators, which have no HTTP scheme. An Authenticator of your own can offer one with a
// Challenge() string method.
func Challenge(a Authenticator) string {
	if c, ok := a.(interface{ Challenge() string }); ok {
		return c.Challenge()
	}
	return ""
}

// SetChallenge sets w's WWW-Authenticate header to a's Challenge when status is 401 and a has one.
func SetChallenge(w http.ResponseWriter, a Authenticator, status int) {
	if status != http.StatusUnauthorized {
		return
	}
	if c := Challenge(a); c != "" {
		w.Header().Set("WWW-Authenticate", c)
	}
}

// digests holds SHA-256 digests of the accepted credentials. Comparing digests instead of the values
// makes every comparison the same length, so neither the timing nor an early exit tells a caller how
// long the credential is or how much of it matched.
type digests [][sha256.Size]byte

func newDigests(what string, values []string) (digests, error) {
	if len(values) == 0 {
		return nil, fmt.Errorf("webhookverify: %s: no credential given: %w", what, ErrEmptySecret)
	}
	d := make(digests, len(values))
	for i, v := range values {
		if v == "" {
			return nil, fmt.Errorf("webhookverify: %s: credential %d is empty: %w", what, i, ErrEmptySecret)
		}
		if strings.ContainsFunc(v, func(r rune) bool { return r < ' ' || r == 0x7f }) {
			// net/http would never deliver such a header value, so the credential could never match.
			return nil, fmt.Errorf("webhookverify: %s: credential %d contains a control character", what, i)
		}
		d[i] = sha256.Sum256([]byte(v))
	}
	return d, nil
}

// match reports whether presented is one of d, comparing against every entry (no early exit).
func (d digests) match(presented string) bool {
	sum := sha256.Sum256([]byte(presented))
	found := 0
	for i := range d {
		found |= subtle.ConstantTimeCompare(sum[:], d[i][:])
	}
	return found == 1
}

// credentialCheck is the Authenticator for a credential in one header.
type credentialCheck struct {
	kind   string // for String: "bearer", "basic", "header X-Token"
	header string // canonical header name
	scheme string // "Bearer", "Basic", or "" for the whole header value
	accept digests
}

// BearerToken accepts a request whose Authorization header is "Bearer <token>" for one of tokens
// (the scheme in any case, as RFC 9110 allows). Give the new token first and keep the old one while
// the vendor switches, to rotate. An empty token, or none, is an error wrapping [ErrEmptySecret].
func BearerToken(tokens ...string) (Authenticator, error) {
	d, err := newDigests("BearerToken", tokens)
	if err != nil {
		return nil, err
	}
	return &credentialCheck{kind: "bearer", header: "Authorization", scheme: "Bearer", accept: d}, nil
}

// BasicAuth accepts a request whose Authorization header carries HTTP Basic credentials equal to
// user and password. Both are compared, in constant time, as one "user:password" string. An empty
// password is an error wrapping [ErrEmptySecret]; a user containing ':' is an error (RFC 7617 cannot
// carry it).
func BasicAuth(user, password string) (Authenticator, error) {
	if strings.Contains(user, ":") {
		return nil, errors.New("webhookverify: BasicAuth: the user contains ':', which Basic credentials cannot carry")
	}
	if password == "" {
		return nil, fmt.Errorf("webhookverify: BasicAuth: empty password: %w", ErrEmptySecret)
	}
	d, err := newDigests("BasicAuth", []string{user + ":" + password})
	if err != nil {
		return nil, err
	}
	return &credentialCheck{kind: "basic", header: "Authorization", scheme: "Basic", accept: d}, nil
}

// HeaderToken accepts a request whose header name holds exactly one of values: the "header"
// authentication of webhook builders that send a fixed header such as X-Api-Key: <value>. Several
// values allow rotation.
func HeaderToken(name string, values ...string) (Authenticator, error) {
	if name == "" || strings.ContainsFunc(name, func(r rune) bool { return r <= ' ' || r >= 0x7f || r == ':' }) {
		return nil, fmt.Errorf("webhookverify: HeaderToken: %q is not a header name", name)
	}
	d, err := newDigests("HeaderToken", values)
	if err != nil {
		return nil, err
	}
	canonical := http.CanonicalHeaderKey(name)
	return &credentialCheck{kind: "header " + canonical, header: canonical, accept: d}, nil
}

// Authenticate checks the request's header; see the constructors.
func (c *credentialCheck) Authenticate(r *http.Request) error {
	v := r.Header.Get(c.header)
	if c.scheme != "" {
		scheme, rest, ok := strings.Cut(v, " ")
		if !ok || !strings.EqualFold(scheme, c.scheme) {
			return ErrMissingCredential
		}
		v = strings.TrimLeft(rest, " ")
		if c.scheme == "Basic" {
			user, password, ok := r.BasicAuth()
			if !ok {
				return ErrBadCredential
			}
			v = user + ":" + password
		}
	}
	if v == "" {
		return ErrMissingCredential
	}
	if !c.accept.match(v) {
		return ErrBadCredential
	}
	return nil
}

// Challenge names the scheme the check expects; see the package function Challenge.
func (c *credentialCheck) Challenge() string {
	switch c.scheme {
	case "Bearer":
		return "Bearer"
	case "Basic":
		return `Basic realm="webhook", charset="UTF-8"`
	}
	return ""
}

// String names the check and how many credentials it accepts, never the credentials.
func (c *credentialCheck) String() string {
	return "webhookverify.Authenticator{" + c.kind + ", credentials: " + strconv.Itoa(len(c.accept)) + "}"
}

// Format prints String for every verb, so that %v, %+v and %#v print no digest either.
func (c *credentialCheck) Format(f fmt.State, _ rune) { io.WriteString(f, c.String()) }

// sourceCheck is the Authenticator for an address allowlist.
type sourceCheck struct {
	allow []netip.Prefix
}

// SourceIPs accepts a request whose peer address (r.RemoteAddr) lies in one of prefixes, given as
// CIDR ("203.0.113.0/24") or single addresses ("2001:db8::1"); others get [ErrSourceNotAllowed].
// IPv4-mapped IPv6 peers are compared as IPv4.
//
// It trusts the connection, not X-Forwarded-For: behind a proxy or load balancer, put the allowlist
// there, or write an [AuthenticatorFunc] that reads the header your own proxy sets. Combine it with a
// credential through [AllOf].
func SourceIPs(prefixes ...string) (Authenticator, error) {
	if len(prefixes) == 0 {
		return nil, errors.New("webhookverify: SourceIPs: no address given")
	}
	s := &sourceCheck{allow: make([]netip.Prefix, 0, len(prefixes))}
	for _, p := range prefixes {
		prefix, err := netip.ParsePrefix(p)
		if err != nil {
			addr, aerr := netip.ParseAddr(p)
			if aerr != nil {
				return nil, fmt.Errorf("webhookverify: SourceIPs: %q is neither a CIDR prefix nor an address", p)
			}
			prefix = netip.PrefixFrom(addr.Unmap(), addr.Unmap().BitLen())
		}
		if prefix.Addr().Is4In6() {
			prefix = netip.PrefixFrom(prefix.Addr().Unmap(), max(prefix.Bits()-96, 0))
		}
		s.allow = append(s.allow, prefix.Masked())
	}
	return s, nil
}

// Authenticate checks r.RemoteAddr against the allowlist.
func (s *sourceCheck) Authenticate(r *http.Request) error {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return ErrSourceNotAllowed
	}
	addr = addr.Unmap().WithZone("")
	for _, p := range s.allow {
		if p.Contains(addr) {
			return nil
		}
	}
	return ErrSourceNotAllowed
}

// String lists the allowed prefixes (they are not secret).
func (s *sourceCheck) String() string {
	parts := make([]string, len(s.allow))
	for i, p := range s.allow {
		parts[i] = p.String()
	}
	return "webhookverify.Authenticator{source " + strings.Join(parts, " ") + "}"
}

// allOf is the Authenticator that needs every one of its checks.
type allOf []Authenticator

// AllOf accepts a request that every one of checks accepts, asking them in order and returning the
// first refusal: AllOf(sourceIPs, bearer) turns strangers away before looking at their token. A nil
// check is an error.
func AllOf(checks ...Authenticator) (Authenticator, error) {
	if len(checks) == 0 {
		return nil, errors.New("webhookverify: AllOf: no check given")
	}
	for i, c := range checks {
		if c == nil {
			return nil, fmt.Errorf("webhookverify: AllOf: check %d is nil", i)
		}
	}
	return allOf(append([]Authenticator(nil), checks...)), nil
}

// Authenticate asks every check in order.
func (a allOf) Authenticate(r *http.Request) error {
	for _, c := range a {
		if err := c.Authenticate(r); err != nil {
			return err
		}
	}
	return nil
}

// Challenge is the first of the checks' challenges that is not empty.
func (a allOf) Challenge() string {
	for _, c := range a {
		if v := Challenge(c); v != "" {
			return v
		}
	}
	return ""
}

// String lists the checks.
func (a allOf) String() string {
	parts := make([]string, len(a))
	for i, c := range a {
		parts[i] = fmt.Sprint(c)
	}
	return "webhookverify.AllOf{" + strings.Join(parts, ", ") + "}"
}

// Format prints String for every verb.
func (a allOf) Format(f fmt.State, _ rune) { io.WriteString(f, a.String()) }
