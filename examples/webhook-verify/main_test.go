package main

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/examples/internal/demo"
	"github.com/botbridge/botbridge/examples/internal/demotest"
	"github.com/botbridge/botbridge/moveo/moveotest"
	"github.com/botbridge/botbridge/webhookverify"
)

func TestSelfTestShowsEachSchemeRefusingForgeries(t *testing.T) {
	t.Parallel()
	out := demotest.Run(t, run)
	for _, c := range []struct{ vendor, event string }{
		{"Munin", "conversation.message.sent"},
		{"Moveo", "message:send"},
	} {
		i := strings.Index(out, c.vendor+": POST ")
		require.GreaterOrEqual(t, i, 0, out)
		block := out[i:]
		assert.Regexp(t, `genuine delivery +→ 204 No Content; the handler read "`+c.event+`"`, block)
		for _, forged := range []string{"body changed after signing", "no signature header", "signed with another secret"} {
			assert.Regexp(t, regexp.QuoteMeta(forged)+` +→ 401 Unauthorized; the handler never ran`, block)
		}
	}
	assert.Contains(t, out, "OK: only the genuine deliveries reached the handlers.")
	assert.NotContains(t, out, "whsec_", "the demo secret is not printed")
}

// The serve path, as a user runs it against mockserver or the vendor: the
// secrets from the environment, and a scheme without its secret not served.
func TestServeVerifiesWithTheSecretsFromTheEnvironment(t *testing.T) {
	const muninSecret, moveoSecret = "whsec_from-the-environment-0000000000", "moveo-secret-from-the-environment"
	t.Setenv("MUNIN_WEBHOOK_SECRET", muninSecret)
	t.Setenv("MOVEO_WEBHOOK_SECRET", moveoSecret)
	srv := demotest.Start(t, run, "serving until Ctrl-C", "-serve", "-addr", "127.0.0.1:0")
	banner := srv.Output()
	url := func(path string) string {
		m := regexp.MustCompile(`POST (http://\S+` + path + `)`).FindStringSubmatch(banner)
		require.NotNil(t, m, banner)
		return m[1]
	}
	munin := []byte(`{"type":"conversation.released","id":"evt_1"}`)
	moveo := []byte(`{"event_type":"message:send","request_id":"r1"}`)
	ctx := t.Context()
	for _, c := range []struct {
		url, header, signature string
		body                   []byte
		want                   int
	}{
		{url("/webhooks/munin"), "X-Munin-Signature", webhookverify.Sign([]byte(muninSecret), munin), munin, http.StatusNoContent},
		{url("/webhooks/moveo"), "X-Moveo-Signature", moveotest.Sign(moveoSecret, moveo), moveo, http.StatusNoContent},
		{url("/webhooks/moveo"), "X-Moveo-Signature", moveotest.Sign("another secret", moveo), moveo, http.StatusUnauthorized},
		{url("/webhooks/munin"), "X-Munin-Signature", moveotest.Sign(muninSecret, munin), munin, http.StatusUnauthorized}, // Moveo's encoding
	} {
		status, err := post(ctx, c.url, c.header, c.signature, c.body)
		require.NoError(t, err)
		assert.Equal(t, c.want, status, "%s %s", c.url, c.body)
	}
	srv.WaitFor(t, `Moveo: verified delivery "message:send"`)

	require.NoError(t, srv.Stop())
	out := srv.Output()
	assert.Contains(t, out, `Munin: verified delivery "conversation.released", 45 bytes`)
	assert.Equal(t, 2, strings.Count(out, "verified delivery"), out)
	assert.NotContains(t, out, muninSecret)
	assert.NotContains(t, out, moveoSecret)
}

func TestServeWithOneSecretServesOneScheme(t *testing.T) {
	t.Setenv("MUNIN_WEBHOOK_SECRET", "")
	t.Setenv("MOVEO_WEBHOOK_SECRET", "moveo-secret-from-the-environment")
	srv := demotest.Start(t, run, "serving until Ctrl-C", "-serve", "-addr", "127.0.0.1:0")
	require.NoError(t, srv.Stop())
	out := srv.Output()
	assert.Contains(t, out, "Munin: not served: environment variable MUNIN_WEBHOOK_SECRET is not set")
	assert.Regexp(t, `Moveo webhooks: POST http://127\.0\.0\.1:\d+/webhooks/moveo`, out)
	assert.NotContains(t, out, "Munin webhooks:")
	assert.NotContains(t, out, "moveo-secret-from-the-environment")
}

func TestServeNeedsASecret(t *testing.T) {
	t.Setenv("MUNIN_WEBHOOK_SECRET", "")
	t.Setenv("MOVEO_WEBHOOK_SECRET", "")
	stdout, _, err := demotest.RunErr(t, run, "-serve", "-addr", "127.0.0.1:0")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no secret set")
	assert.Contains(t, stdout, "MUNIN_WEBHOOK_SECRET is not set")
}

func TestBadFlags(t *testing.T) {
	t.Parallel()
	_, stderr, err := demotest.RunErr(t, run, "-secret", "x")
	require.ErrorIs(t, err, demo.ErrUsage)
	assert.Contains(t, stderr, "never from flags")

	_, stderr, err = demotest.RunErr(t, run, "-addr", "127.0.0.1:0")
	require.ErrorIs(t, err, demo.ErrUsage, "without -serve, -addr would quietly run the self-test")
	assert.Contains(t, stderr, "-addr: only with -serve")
}
