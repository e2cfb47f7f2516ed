package munin_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/munin"
	"github.com/botbridge/botbridge/webhookverify"
)

// fzSeeds returns every documented delivery (§3.3, the older page's
// envelope), unknown types, and the bad-input rows.
func fzSeeds() [][]byte {
	var seeds [][]byte
	for i, tc := range evtDocCases {
		seeds = append(seeds, []byte(evtDelivery(tc.typ, evtID(i), tc.payload)))
	}
	seeds = append(seeds,
		[]byte(evtOldDocDelivery),
		[]byte(evtBase),
		[]byte(evtDelivery("curator_job.pending", "evt_1", `{"jobId":"cjb_1"}`)),
		[]byte(evtDelivery("api_key.minted", "evt_2", `null`)),
		[]byte(`{"payload":{"messageId":"cvm_1"},"createdAt":"2026-07-02T10:00:00+02:00","type":"conversation.message.sent"}`),
		[]byte(`{"type":"conversation.message.sent","id":"\u0065vt_\ud83d\ude00","createdAt":"2026-07-02T10:00:00.123Z","payload":{"conversationId":"\xff"}}`),
		[]byte(`{"type":"conversation.created","createdAt":"2026-07-02T10:00:00Z","payload":{"displayId":-9223372036854775808}}`),
		[]byte(`[]`), []byte(``), []byte(`{`), []byte(`{"type":1}`), []byte(`nul`),
		// Found by fuzzing: an offset that moves the time before year 0.
		[]byte("{\"payload\":{\"000\x8e00000000\":\"00000\"},\"createdAt\":\"0000-01-01T00:00:00+01:00\",\"type\":\"conversation.message.sent\"}"),
		// Keys in another case, repeated keys, escaped keys and payload
		// times in other shapes.
		[]byte(`{"Type":"x.y","type":"conversation.assigned","TYPE":"z","createdAt":"2026-07-02T10:00:00Z","payload":{"AssigneeUserId":1,"assigneeUserId":null}}`),
		[]byte(`{"\u0074ype":"conversation.taken_over","createdAt":"2026-07-02T10:00:00Z","payload":{"expiresAt":"\u0032026-07-02T12:30:00+02:00","expiresAt":null}}`),
		[]byte(`{"type":"conversation.message.read","createdAt":"2026-07-02T10:00:00Z","payload":{"readAt":"9999-12-31T23:59:59.999999999-01:00"}}`),
		[]byte(`{"type":"conversation.message.opened","createdAt":"2026-07-02T10:00:00Z","payload":{"firstOpenedAt":17}}`),
		[]byte(`{"type":"conversation.message.delivery_failed","createdAt":"2026-07-02T10:00:00Z","payload":{"attempts":1e2,"error":"x"}}`),
		// Nesting: at the limit, past it, and brackets inside strings.
		[]byte(`{"type":"x.y","createdAt":"2026-07-02T10:00:00Z","payload":`+strings.Repeat("[", 9999)+strings.Repeat("]", 9999)+`}`),
		[]byte(`{"type":"x.y","createdAt":"2026-07-02T10:00:00Z","payload":`+strings.Repeat("[", 10000)+strings.Repeat("]", 10000)+`}`),
		[]byte(`{"type":"x.y","createdAt":"2026-07-02T10:00:00Z","payload":"`+strings.Repeat(`[\"{`, 3000)+`"}`),
	)
	return seeds
}

// fzInputType returns the "type" of data as encoding/json reads it with keys
// matched exactly (the last one counts), and whether data is valid JSON.
func fzInputType(data []byte) (typ string, valid bool) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return "", json.Valid(data)
	}
	_ = json.Unmarshal(m["type"], &typ)
	return typ, true
}

// FuzzParseEvent checks that ParseEvent never panics nor changes its input,
// reports every failure as an *EventError on one line, and reads as JSON
// what encoding/json does. What it accepts has the input's type (read by
// encoding/json, keys matched exactly), the Go type that type calls for, and
// survives json.Marshal and a second parse unchanged.
func FuzzParseEvent(f *testing.F) {
	for _, s := range fzSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		in := bytes.Clone(data)
		ev, err := munin.ParseEvent(data)
		require.Equal(t, in, data, "ParseEvent must not change its input")
		if err != nil {
			assert.Nil(t, ev)
			var evErr *munin.EventError
			require.True(t, errors.As(err, &evErr), "%T %v", err, err)
			assert.ErrorIs(t, err, munin.ErrInvalidEvent)
			assert.NotContains(t, err.Error(), "\n")
			if json.Valid(data) {
				assert.NotContains(t, err.Error(), "invalid JSON", "encoding/json accepts it")
			}
			return
		}
		typ, valid := fzInputType(data)
		require.True(t, valid, "ParseEvent accepted what encoding/json refuses")
		env := ev.EventEnvelope()
		require.NotEmpty(t, env.Type)
		require.Equal(t, typ, env.Type)
		require.True(t, evtTypeMatches(ev), "%T for type %q", ev, env.Type)
		assert.Equal(t, time.UTC, env.CreatedAt.Location())

		b, err := json.Marshal(ev)
		require.NoError(t, err)
		back, err := munin.ParseEvent(b)
		require.NoError(t, err, "%s", b)
		if _, unknown := ev.(*munin.UnknownEvent); unknown {
			// Raw may differ: json.Marshal escapes HTML in what it writes.
			want, got := *env, *back.EventEnvelope()
			want.Payload, got.Payload = nil, nil
			assert.Equal(t, want, got)
			return
		}
		assert.Equal(t, withoutPayload(ev), withoutPayload(back))
	})
}

// FuzzEventTimestamp checks ParseEvent's reading of createdAt against
// time.Parse, which it must agree with, fast path or not.
func FuzzEventTimestamp(f *testing.F) {
	for _, s := range []string{
		"2026-07-02T10:00:00.123Z", "2026-07-02T10:00:00Z", "2026-07-02T10:00:00.123456789Z", "2026-07-02T10:00:00.1234567891Z",
		"2026-07-02T10:00:00.Z", "2026-07-02T12:00:00+02:00", "2026-02-29T10:00:00Z", "2024-02-29T10:00:00Z",
		"2026-13-02T10:00:00Z", "2026-07-02T23:59:60Z", "0000-01-01T00:00:00Z", "2026-07-02 10:00:00Z", "",
		"2026-07-02T10:00:00.-23Z", "+026-07-02T10:00:00Z", "2026-07-02T10:00:00z",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		quoted, err := json.Marshal(s)
		require.NoError(t, err)
		require.NoError(t, json.Unmarshal(quoted, &s)) // invalid UTF-8 became U+FFFD
		ev, err := munin.ParseEvent([]byte(`{"type":"x.y","createdAt":` + string(quoted) + `}`))
		want, parseErr := time.Parse(time.RFC3339Nano, s)
		if y := want.UTC().Year(); parseErr == nil && (y < 0 || y > 9999) {
			parseErr = errors.New("out of range") // ParseEvent keeps to what RFC 3339 can write
		}
		if parseErr != nil {
			var evErr *munin.EventError
			require.True(t, errors.As(err, &evErr), "accepted %q, which time.Parse refuses", s)
			assert.Equal(t, "createdAt", evErr.Field)
			return
		}
		require.NoError(t, err, "%q", s)
		assert.Equal(t, want.UTC(), ev.EventEnvelope().CreatedAt, "%q", s)
	})
}

// fzStatuses are the statuses NewWebhookHandler documents.
var fzStatuses = []int{
	http.StatusOK, http.StatusNoContent, http.StatusBadRequest, http.StatusUnauthorized,
	http.StatusMethodNotAllowed, http.StatusConflict, http.StatusRequestEntityTooLarge, http.StatusInternalServerError,
}

// FuzzWebhookHandler sends any body with any signature (or a valid one) and
// delivery id: the handler never panics, answers one of its documented
// statuses, calls fn only for a body validly signed with the handler's
// secret that parses, and calls it (204) for every such body that is fresh.
func FuzzWebhookHandler(f *testing.F) {
	for _, s := range fzSeeds() {
		f.Add(s, "", whDelivery, true, true)
		f.Add(s, webhookverify.Sign([]byte(whOtherSecret), s), "", false, true)
	}
	body := evtMessageSent("evt_1", munin.AuthorUser)
	f.Add(body, "sha256=zz", "whd_1", false, true)
	f.Add(body, "", "", false, true)
	f.Add(body, "", "whd_1", true, false)
	f.Add(body, webhookverify.Sign([]byte(whSecret), body), "whd_1", false, true)
	f.Add([]byte(strings.Repeat("x", 5000)), "", "whd_1", true, true)

	f.Fuzz(func(t *testing.T, body []byte, signature, deliveryID string, sign, post bool) {
		if sign {
			signature = webhookverify.Sign([]byte(whSecret), body)
		}
		var calls atomic.Int32
		h, err := munin.NewWebhookHandler(whSecret, func(_ context.Context, ev munin.Event) error {
			calls.Add(1)
			require.NotNil(t, ev)
			return nil
		}, munin.WithClock(func() time.Time { return whNow }), munin.WithMaxBodyBytes(4096))
		require.NoError(t, err)

		r := httptest.NewRequest(http.MethodPost, "/webhooks/munin", bytes.NewReader(body))
		if !post {
			r.Method = http.MethodGet
		}
		r.Header.Set(munin.HeaderSignature, signature)
		r.Header.Set(munin.HeaderDeliveryID, deliveryID)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)

		assert.Contains(t, fzStatuses, rec.Code)
		validlySigned := webhookverify.Verify([]byte(whSecret), body, signature) == nil
		ev, parseErr := munin.ParseEvent(body)
		if calls.Load() > 0 {
			require.True(t, validlySigned, "fn called for a body not signed with the secret")
			require.NoError(t, parseErr, "fn called for a body that does not parse")
			assert.EqualValues(t, 1, calls.Load())
			assert.Equal(t, http.StatusNoContent, rec.Code)
		}
		if !validlySigned && post {
			assert.Contains(t, []int{http.StatusUnauthorized, http.StatusRequestEntityTooLarge}, rec.Code)
		}
		if post && validlySigned && len(body) <= 4096 && parseErr == nil {
			at := ev.EventEnvelope().CreatedAt
			fresh := !at.Before(whNow.Add(-munin.DefaultReplayWindow)) && !at.After(whNow.Add(munin.MaxClockSkew))
			assert.Equal(t, fresh, calls.Load() == 1, "status %d", rec.Code)
		}
		assert.NotContains(t, rec.Body.String(), whSecret)
	})
}
