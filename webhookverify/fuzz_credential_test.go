package webhookverify_test

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/webhookverify"
)

// FuzzAuthenticate checks that the credential checks never panic, accept exactly the configured
// credential (bearer: the token after a "Bearer" scheme in any case; basic: the user and password),
// and refuse everything else with one of the credential sentinels.
func FuzzAuthenticate(f *testing.F) {
	const token, user, password = "desk-token", "altabots", "pa:ss"
	f.Add("Bearer desk-token", "203.0.113.1:80")
	f.Add("bearer desk-token", "[2001:db8::1]:443")
	f.Add("Bearer desk-tokeN", "203.0.113.1:80")
	f.Add("Bearer  desk-token", "")
	f.Add("Basic "+base64.StdEncoding.EncodeToString([]byte(user+":"+password)), "10.0.0.1:1")
	f.Add("Basic "+base64.StdEncoding.EncodeToString([]byte(user+":pa")), "10.0.0.1:1")
	f.Add("Basic ===", "10.0.0.1")
	f.Add("", "x")

	bearer, err := webhookverify.BearerToken(token)
	require.NoError(f, err)
	basic, err := webhookverify.BasicAuth(user, password)
	require.NoError(f, err)
	ips, err := webhookverify.SourceIPs("203.0.113.0/24", "2001:db8::/32")
	require.NoError(f, err)

	f.Fuzz(func(t *testing.T, authorization, peer string) {
		r := &http.Request{Header: http.Header{"Authorization": {authorization}}, RemoteAddr: peer}

		scheme, rest, _ := strings.Cut(authorization, " ")
		wantBearer := strings.EqualFold(scheme, "Bearer") && strings.TrimLeft(rest, " ") == token
		checkOutcome(t, bearer.Authenticate(r), wantBearer)

		u, p, ok := r.BasicAuth()
		checkOutcome(t, basic.Authenticate(r), ok && u == user && p == password)

		if err := ips.Authenticate(r); err != nil {
			assert.ErrorIs(t, err, webhookverify.ErrSourceNotAllowed)
		}
	})
}

func checkOutcome(t *testing.T, err error, accept bool) {
	t.Helper()
	if accept {
		assert.NoError(t, err)
		return
	}
	require.Error(t, err)
	if !assert.Condition(t, func() bool {
		return err == webhookverify.ErrMissingCredential || err == webhookverify.ErrBadCredential
	}) {
		t.Logf("error: %v", err)
	}
}
