package webhookverify_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/webhookverify"
)

// credRequest is a request from peer carrying the given headers (name, value pairs).
func credRequest(peer string, headers ...string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/desk/chat", strings.NewReader(`{}`))
	r.RemoteAddr = peer
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Set(headers[i], headers[i+1])
	}
	return r
}

func TestBearerToken(t *testing.T) {
	t.Parallel()
	a, err := webhookverify.BearerToken("new-token", "old-token")
	require.NoError(t, err)
	for _, tc := range []struct {
		auth string
		want error
	}{
		{"Bearer new-token", nil},
		{"bearer old-token", nil},
		{"BEARER  new-token", nil},
		{"Bearer new-tokeN", webhookverify.ErrBadCredential},
		{"Bearer new-token ", webhookverify.ErrBadCredential},
		{"Bearer new", webhookverify.ErrBadCredential},
		{"Bearer ", webhookverify.ErrMissingCredential},
		{"Basic bmV3LXRva2Vu", webhookverify.ErrMissingCredential},
		{"new-token", webhookverify.ErrMissingCredential},
		{"", webhookverify.ErrMissingCredential},
	} {
		err := a.Authenticate(credRequest("203.0.113.9:4000", "Authorization", tc.auth))
		if tc.want == nil {
			assert.NoError(t, err, tc.auth)
			continue
		}
		assert.ErrorIs(t, err, tc.want, tc.auth)
		assert.Equal(t, http.StatusUnauthorized, webhookverify.AuthStatus(err))
	}
}

func TestBasicAuth(t *testing.T) {
	t.Parallel()
	a, err := webhookverify.BasicAuth("altabots", "s3cret:with:colons")
	require.NoError(t, err)
	basic := func(user, pass string) *http.Request {
		r := credRequest("203.0.113.9:4000")
		r.SetBasicAuth(user, pass)
		return r
	}
	assert.NoError(t, a.Authenticate(basic("altabots", "s3cret:with:colons")))
	assert.ErrorIs(t, a.Authenticate(basic("altabots", "s3cret")), webhookverify.ErrBadCredential)
	assert.ErrorIs(t, a.Authenticate(basic("other", "s3cret:with:colons")), webhookverify.ErrBadCredential)
	assert.ErrorIs(t, a.Authenticate(credRequest("x", "Authorization", "Basic !!not-base64")), webhookverify.ErrBadCredential)
	assert.ErrorIs(t, a.Authenticate(credRequest("x", "Authorization", "Bearer s3cret")), webhookverify.ErrMissingCredential)
	assert.ErrorIs(t, a.Authenticate(credRequest("x")), webhookverify.ErrMissingCredential)

	_, err = webhookverify.BasicAuth("a:b", "pw")
	assert.ErrorContains(t, err, "':'")
	_, err = webhookverify.BasicAuth("user", "")
	assert.ErrorIs(t, err, webhookverify.ErrEmptySecret)
}

func TestHeaderToken(t *testing.T) {
	t.Parallel()
	a, err := webhookverify.HeaderToken("x-certainly-key", "k1")
	require.NoError(t, err)
	assert.NoError(t, a.Authenticate(credRequest("x", "X-Certainly-Key", "k1")))
	assert.ErrorIs(t, a.Authenticate(credRequest("x", "X-Certainly-Key", "k2")), webhookverify.ErrBadCredential)
	assert.ErrorIs(t, a.Authenticate(credRequest("x", "Authorization", "k1")), webhookverify.ErrMissingCredential)

	for _, name := range []string{"", "X Key", "X:Key", "X-Kéy"} {
		_, err := webhookverify.HeaderToken(name, "v")
		assert.Error(t, err, "%q", name)
	}
}

func TestCredentialConstructorErrors(t *testing.T) {
	t.Parallel()
	_, err := webhookverify.BearerToken()
	assert.ErrorIs(t, err, webhookverify.ErrEmptySecret)
	_, err = webhookverify.BearerToken("ok", "")
	assert.ErrorIs(t, err, webhookverify.ErrEmptySecret)
	_, err = webhookverify.BearerToken("line\nbreak")
	assert.ErrorContains(t, err, "control character")
	assert.NotContains(t, err.Error(), "line", "the error must not quote the credential")
	_, err = webhookverify.HeaderToken("X-Key")
	assert.ErrorIs(t, err, webhookverify.ErrEmptySecret)
}

func TestSourceIPs(t *testing.T) {
	t.Parallel()
	a, err := webhookverify.SourceIPs("203.0.113.0/24", "2001:db8::1", "::ffff:198.51.100.7")
	require.NoError(t, err)
	for peer, want := range map[string]error{
		"203.0.113.77:5000":        nil,
		"[::ffff:203.0.113.77]:80": nil, // an IPv4 peer on a dual-stack listener
		"[2001:db8::1]:443":        nil,
		"198.51.100.7:1":           nil,
		"[fe80::1%eth0]:80":        webhookverify.ErrSourceNotAllowed,
		"203.0.114.1:5000":         webhookverify.ErrSourceNotAllowed,
		"[2001:db8::2]:443":        webhookverify.ErrSourceNotAllowed,
		"not an address":           webhookverify.ErrSourceNotAllowed,
		"":                         webhookverify.ErrSourceNotAllowed,
	} {
		err := a.Authenticate(credRequest(peer))
		if want == nil {
			assert.NoError(t, err, peer)
			continue
		}
		assert.ErrorIs(t, err, want, peer)
		assert.Equal(t, http.StatusForbidden, webhookverify.AuthStatus(err))
	}
	assert.Equal(t, "webhookverify.Authenticator{source 203.0.113.0/24 2001:db8::1/128 198.51.100.7/32}", fmt.Sprint(a))

	for _, bad := range [][]string{nil, {"203.0.113.0/33"}, {"example.com"}} {
		_, err := webhookverify.SourceIPs(bad...)
		assert.Error(t, err, "%q", bad)
	}
}

func TestAllOf(t *testing.T) {
	t.Parallel()
	ips, err := webhookverify.SourceIPs("10.0.0.0/8")
	require.NoError(t, err)
	bearer, err := webhookverify.BearerToken("tok")
	require.NoError(t, err)
	a, err := webhookverify.AllOf(ips, bearer)
	require.NoError(t, err)
	assert.NoError(t, a.Authenticate(credRequest("10.1.2.3:9", "Authorization", "Bearer tok")))
	assert.ErrorIs(t, a.Authenticate(credRequest("10.1.2.3:9", "Authorization", "Bearer no")), webhookverify.ErrBadCredential)
	assert.ErrorIs(t, a.Authenticate(credRequest("192.0.2.1:9", "Authorization", "Bearer tok")), webhookverify.ErrSourceNotAllowed)

	_, err = webhookverify.AllOf()
	assert.Error(t, err)
	_, err = webhookverify.AllOf(bearer, nil)
	assert.ErrorContains(t, err, "check 1 is nil")
}

// A 401 names the scheme the check expects (RFC 9110 §11.6.1); checks
// without an HTTP scheme name none, and no other status gets one.
func TestChallenge(t *testing.T) {
	t.Parallel()
	bearer, err := webhookverify.BearerToken("tok")
	require.NoError(t, err)
	basic, err := webhookverify.BasicAuth("u", "p")
	require.NoError(t, err)
	header, err := webhookverify.HeaderToken("X-Api-Key", "k")
	require.NoError(t, err)
	ips, err := webhookverify.SourceIPs("10.0.0.0/8")
	require.NoError(t, err)
	ipsThenBasic, err := webhookverify.AllOf(ips, header, basic)
	require.NoError(t, err)
	for _, tt := range []struct {
		name string
		a    webhookverify.Authenticator
		want string
	}{
		{"bearer", bearer, "Bearer"},
		{"basic", basic, `Basic realm="webhook", charset="UTF-8"`},
		{"header", header, ""},
		{"source", ips, ""},
		{"all of", ipsThenBasic, `Basic realm="webhook", charset="UTF-8"`},
		{"func", webhookverify.AuthenticatorFunc(func(*http.Request) error { return nil }), ""},
	} {
		assert.Equal(t, tt.want, webhookverify.Challenge(tt.a), tt.name)
		w := httptest.NewRecorder()
		webhookverify.SetChallenge(w, tt.a, http.StatusUnauthorized)
		assert.Equal(t, tt.want, w.Header().Get("WWW-Authenticate"), tt.name)
		w = httptest.NewRecorder()
		webhookverify.SetChallenge(w, tt.a, http.StatusForbidden)
		assert.Empty(t, w.Header().Values("WWW-Authenticate"), tt.name)
	}
}

// No formatting of an Authenticator reaches a credential or its digest.
func TestAuthenticatorRedacted(t *testing.T) {
	t.Parallel()
	bearer, err := webhookverify.BearerToken("tok-one", "tok-two")
	require.NoError(t, err)
	basic, err := webhookverify.BasicAuth("desk", "pass-word")
	require.NoError(t, err)
	header, err := webhookverify.HeaderToken("X-Api-Key", "key-value")
	require.NoError(t, err)
	all, err := webhookverify.AllOf(bearer, basic, header)
	require.NoError(t, err)
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%q"} {
		out := fmt.Sprintf(verb, all)
		for _, secret := range []string{"tok-one", "tok-two", "pass-word", "key-value", "desk:"} {
			assert.NotContains(t, out, secret, verb)
		}
	}
	assert.Equal(t, "webhookverify.AllOf{webhookverify.Authenticator{bearer, credentials: 2}, "+
		"webhookverify.Authenticator{basic, credentials: 1}, webhookverify.Authenticator{header X-Api-Key, credentials: 1}}",
		fmt.Sprint(all))
}

func TestAuthenticatorFunc(t *testing.T) {
	t.Parallel()
	// A proxy-aware allowlist: the rule a user writes when a load balancer sets the client address.
	a := webhookverify.AuthenticatorFunc(func(r *http.Request) error {
		if r.Header.Get("X-Real-Ip") != "203.0.113.5" {
			return fmt.Errorf("proxy says %w", webhookverify.ErrSourceNotAllowed)
		}
		return nil
	})
	assert.NoError(t, a.Authenticate(credRequest("10.0.0.1:1", "X-Real-Ip", "203.0.113.5")))
	err := a.Authenticate(credRequest("10.0.0.1:1"))
	assert.Equal(t, http.StatusForbidden, webhookverify.AuthStatus(err))
	assert.Equal(t, http.StatusOK, webhookverify.AuthStatus(nil))
}
