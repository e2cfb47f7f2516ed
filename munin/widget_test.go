package munin

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const pushPath = "/base/v1/widget/messages"

// pushAnswer is the reference's response to a push (§2.2).
func pushAnswer(inserted, skipped int) string {
	return fmt.Sprintf(`{"conversationId":"ccv_0000000000000000000001","displayId":42,"contactId":"ctc_0000000000000000000001","inserted":%d,"skipped":%d}`, inserted, skipped)
}

// TestPushReferenceExample sends the seed page's push (§2.2, minus its
// agent row, which Munin refuses) and checks the request field by field.
func TestPushReferenceExample(t *testing.T) {
	t.Parallel()
	m := newAPIMock(t)
	m.On(http.MethodPost, pushPath, reply(http.StatusCreated, pushAnswer(2, 0)))
	w := newTestWidget(t, m)

	at := time.Date(2026, 8, 21, 12, 0, 0, 123456789, time.FixedZone("CEST", 2*3600))
	res, err := w.Push(context.Background(), Push{
		SessionID: "vis_abc123",
		VisitorID: "visitor-7",
		Visitor:   &Visitor{Name: "Vita", Email: "vita@example.com", Metadata: map[string]any{"plan": "pro"}},
		URL:       "https://customer.example/checkout",
		Locale:    "de-DE",
		Messages: []WidgetMessage{
			{Body: "Where is my order?", ProviderMessageID: "evt_1"},
			{Body: "It's #1234", BodyHTML: "<p>It's #1234</p>", ProviderMessageID: "evt_2", InReplyTo: "evt_1", At: at},
		},
		ProviderThreadID: "thread-9",
	})
	require.NoError(t, err)
	assert.Equal(t, PushResult{
		ConversationID:     "ccv_0000000000000000000001",
		DisplayID:          42,
		ContactID:          "ctc_0000000000000000000001",
		Inserted:           2,
		ProviderMessageIDs: []string{"evt_1", "evt_2"},
		Requests:           1,
	}, res)

	req := m.Only()
	assertWidgetRequest(t, req, http.MethodPost, pushPath)
	assert.Equal(t, "application/json", req.Header.Get("Content-Type"))
	assert.JSONEq(t, `{
		"channelId": "`+testChannel+`",
		"sessionId": "vis_abc123",
		"visitorId": "visitor-7",
		"visitor": {"name": "Vita", "email": "vita@example.com", "metadata": {"plan": "pro"}},
		"url": "https://customer.example/checkout",
		"providerThreadId": "thread-9",
		"locale": "de-DE",
		"messages": [
			{"role": "end_user", "body": "Where is my order?", "providerMessageId": "evt_1"},
			{"role": "end_user", "body": "It's #1234", "bodyHtml": "<p>It's #1234</p>", "providerMessageId": "evt_2",
			 "inReplyTo": "evt_1", "at": "2026-08-21T10:00:00.123Z"}
		]
	}`, string(req.Body))
}

func TestPushOmitsUnsetFields(t *testing.T) {
	t.Parallel()
	m := newAPIMock(t)
	m.On(http.MethodPost, pushPath, reply(http.StatusCreated, pushAnswer(1, 0)))
	w := newTestWidget(t, m)

	res, err := w.Push(context.Background(), Push{
		SessionID: "s1",
		Visitor:   &Visitor{}, // nothing known: no "visitor" key
		Messages:  []WidgetMessage{{Body: "hi"}},
	})
	require.NoError(t, err)
	require.Len(t, res.ProviderMessageIDs, 1)
	assert.JSONEq(t, `{
		"channelId": "`+testChannel+`",
		"sessionId": "s1",
		"messages": [{"role": "end_user", "body": "hi", "providerMessageId": "`+res.ProviderMessageIDs[0]+`"}]
	}`, string(m.Only().Body))
}

func TestPushIdentity(t *testing.T) {
	t.Parallel()
	m := newAPIMock(t)
	m.On(http.MethodPost, pushPath, reply(http.StatusCreated, pushAnswer(1, 0)))
	w := newTestWidget(t, m)

	hash := UserHash("ivs_secret", "user-42")
	_, err := w.Push(context.Background(), Push{
		SessionID: "s1",
		Identity:  &Identity{ExternalID: "user-42", UserHash: hash},
		Messages:  []WidgetMessage{{Body: "hi", ProviderMessageID: "s1:1"}},
	})
	require.NoError(t, err)
	body := decodeBody(t, m.Only().Body)
	assert.Equal(t, "user-42", body["verifiedExternalId"])
	assert.Equal(t, hash, body["userHash"])
}

var generatedID = regexp.MustCompile(`^[0-9a-z]{22}$`)

// TestPushGeneratesNamespacedIDs: Munin's providerMessageId index spans
// every org (§2.2), so generated ids carry the session.
func TestPushGeneratesNamespacedIDs(t *testing.T) {
	t.Parallel()
	m := newAPIMock(t)
	m.On(http.MethodPost, pushPath, reply(http.StatusCreated, pushAnswer(3, 0)))
	w := newTestWidget(t, m)

	msgs := []WidgetMessage{{Body: "a"}, {Body: "b", ProviderMessageID: "mine-1"}, {Body: "c"}}
	before := append([]WidgetMessage(nil), msgs...)
	res, err := w.Push(context.Background(), Push{SessionID: "sess-1", Messages: msgs})
	require.NoError(t, err)

	assert.Equal(t, before, msgs, "the caller's messages are not changed")
	require.Len(t, res.ProviderMessageIDs, 3)
	assert.Equal(t, "mine-1", res.ProviderMessageIDs[1])
	for _, i := range []int{0, 2} {
		id := res.ProviderMessageIDs[i]
		ns, random, ok := strings.Cut(id, ":")
		require.True(t, ok, id)
		assert.Equal(t, "sess-1", ns)
		assert.Regexp(t, generatedID, random)
	}
	assert.NotEqual(t, res.ProviderMessageIDs[0], res.ProviderMessageIDs[2])

	var body struct {
		Messages []struct {
			ProviderMessageID string `json:"providerMessageId"`
		} `json:"messages"`
	}
	require.NoError(t, json.Unmarshal(m.Only().Body, &body))
	for i, msg := range body.Messages {
		assert.Equal(t, res.ProviderMessageIDs[i], msg.ProviderMessageID)
	}
}

// TestPushLongSessionNamespace: "<session>:<22>" must fit in 200
// characters; past that a SHA-256 of the session stands in for it.
func TestPushLongSessionNamespace(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		session string
		hashed  bool
	}{
		{"fits exactly", strings.Repeat("s", 177), false},
		{"one over", strings.Repeat("s", 178), true},
		{"longest session", strings.Repeat("s", 200), true},
		{"emoji count two", strings.Repeat("😀", 89), true}, // 178 UTF-16 units
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ids, err := providerMessageIDs(tc.session, []WidgetMessage{{Body: "x"}})
			require.NoError(t, err)
			ns, random, ok := strings.Cut(ids[0], ":")
			require.True(t, ok)
			assert.Regexp(t, generatedID, random)
			assert.LessOrEqual(t, jsLen(ids[0]), 200)
			if tc.hashed {
				sum := sha256.Sum256([]byte(tc.session))
				assert.Equal(t, hex.EncodeToString(sum[:]), ns)
			} else {
				assert.Equal(t, tc.session, ns)
			}
		})
	}
}

// TestPushRetryKeepsIDs: a 502 is retried because every message carries a
// providerMessageId, and the retry carries the same ids, so Munin skips
// what the first attempt may have stored.
func TestPushRetryKeepsIDs(t *testing.T) {
	t.Parallel()
	m := newAPIMock(t)
	m.On(http.MethodPost, pushPath,
		reply(http.StatusBadGateway, `{"statusCode":502,"message":"Bad Gateway"}`),
		reply(http.StatusCreated, pushAnswer(1, 1)))
	w := newTestWidget(t, m)

	res, err := w.Push(context.Background(), Push{SessionID: "s1", Messages: []WidgetMessage{{Body: "a"}, {Body: "b"}}})
	require.NoError(t, err)
	reqs := m.Requests()
	require.Len(t, reqs, 2, "the 502 was retried")
	assert.Equal(t, string(reqs[0].Body), string(reqs[1].Body), "both attempts carry the same ids")
	assert.Contains(t, string(reqs[1].Body), res.ProviderMessageIDs[0])
	assert.Equal(t, 1, res.Inserted)
	assert.Equal(t, 1, res.Skipped)
	assert.Equal(t, 1, res.Requests)
}

// TestPushSplits: 120 messages go as 50 + 50 + 20, in order, and the
// counts are summed.
func TestPushSplits(t *testing.T) {
	t.Parallel()
	m := newAPIMock(t)
	m.On(http.MethodPost, pushPath,
		reply(http.StatusCreated, pushAnswer(50, 0)),
		reply(http.StatusCreated, pushAnswer(45, 5)),
		reply(http.StatusCreated, pushAnswer(20, 0)))
	w := newTestWidget(t, m)

	msgs := make([]WidgetMessage, 120)
	for i := range msgs {
		msgs[i].Body = fmt.Sprintf("message %d", i)
	}
	res, err := w.Push(context.Background(), Push{SessionID: "s1", Messages: msgs})
	require.NoError(t, err)
	assert.Equal(t, 115, res.Inserted)
	assert.Equal(t, 5, res.Skipped)
	assert.Equal(t, 3, res.Requests)
	assert.Equal(t, "ccv_0000000000000000000001", res.ConversationID)
	assert.EqualValues(t, 42, res.DisplayID)
	require.Len(t, res.ProviderMessageIDs, 120)

	reqs := m.Requests()
	require.Len(t, reqs, 3)
	next := 0
	for i, want := range []int{50, 50, 20} {
		var body pushBody
		require.NoError(t, json.Unmarshal(reqs[i].Body, &body))
		require.Len(t, body.Messages, want)
		assert.Equal(t, "s1", body.SessionID)
		assert.Equal(t, testChannel, body.ChannelID)
		for _, msg := range body.Messages {
			assert.Equal(t, fmt.Sprintf("message %d", next), msg.Body)
			assert.Equal(t, res.ProviderMessageIDs[next], msg.ProviderMessageID)
			next++
		}
	}
}

// TestPushLaterChunkFails: the error comes with what was stored so far
// and every id, so the caller can push the rest again safely.
func TestPushLaterChunkFails(t *testing.T) {
	t.Parallel()
	m := newAPIMock(t)
	m.On(http.MethodPost, pushPath,
		reply(http.StatusCreated, pushAnswer(50, 0)),
		reply(http.StatusForbidden, `{"statusCode":403,"message":"channel cch_0123456789abcdefghijkl is inactive","error":"Forbidden"}`))
	w := newTestWidget(t, m)

	msgs := make([]WidgetMessage, 75)
	for i := range msgs {
		msgs[i].Body = "x"
	}
	res, err := w.Push(context.Background(), Push{SessionID: "s1", Messages: msgs})
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrChannelInactive)
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusForbidden, apiErr.StatusCode)
	assert.Contains(t, err.Error(), "Messages[50:75]")
	assert.Equal(t, 1, res.Requests)
	assert.Equal(t, 50, res.Inserted)
	assert.Len(t, res.ProviderMessageIDs, 75)
	assert.Len(t, m.Requests(), 2, "403 is not retried")
}

// TestPushValidation: every limit of §2.2 is checked before sending, and
// the error names the field.
func TestPushValidation(t *testing.T) {
	t.Parallel()
	valid := func() Push {
		return Push{
			SessionID: "s1",
			Identity:  &Identity{ExternalID: "u1", UserHash: UserHash("secret", "u1")},
			Visitor:   &Visitor{Name: "Vita", Email: "vita@example.com"},
			URL:       "https://shop.example/cart",
			Locale:    "en",
			Messages:  []WidgetMessage{{Body: "a"}, {Body: "b"}, {Body: "c"}, {Body: "d"}},
		}
	}
	for _, tc := range []struct {
		name   string
		mutate func(*Push)
		want   string
	}{
		{"no session", func(p *Push) { p.SessionID = "" }, "munin: Push: SessionID: required"},
		{"long session", func(p *Push) { p.SessionID = strings.Repeat("s", 201) }, "munin: Push: SessionID: 201 characters, the limit is 200"},
		{"long visitor id", func(p *Push) { p.VisitorID = strings.Repeat("v", 201) }, "VisitorID: 201 characters"},
		{"identity without id", func(p *Push) { p.Identity.ExternalID = "" }, "Identity.ExternalID: required"},
		{"long external id", func(p *Push) { p.Identity.ExternalID = strings.Repeat("u", 201) }, "Identity.ExternalID: 201 characters"},
		{"identity without hash", func(p *Push) { p.Identity.UserHash = "" }, "Identity.UserHash: must be 64 lowercase hex"},
		{"short hash", func(p *Push) { p.Identity.UserHash = p.Identity.UserHash[:63] }, "Identity.UserHash"},
		{"upper-case hash", func(p *Push) { p.Identity.UserHash = strings.ToUpper(p.Identity.UserHash) }, "Identity.UserHash"},
		{"long name", func(p *Push) { p.Visitor.Name = strings.Repeat("n", 121) }, "Visitor.Name: 121 characters, the limit is 120"},
		{"bad email", func(p *Push) { p.Visitor.Email = "vita at example" }, "Visitor.Email: not an email address"},
		{"email with dots", func(p *Push) { p.Visitor.Email = "vi..ta@example.com" }, "Visitor.Email"},
		{"metadata sessionId", func(p *Push) { p.Visitor.Metadata = map[string]any{"sessionId": "x"} }, `Visitor.Metadata: key "sessionId"`},
		{"metadata externalId", func(p *Push) { p.Visitor.Metadata = map[string]any{"externalId": "x"} }, `Visitor.Metadata: key "externalId"`},
		{"relative url", func(p *Push) { p.URL = "/cart" }, "URL: not an absolute URL"},
		{"long thread", func(p *Push) { p.ProviderThreadID = strings.Repeat("t", 201) }, "ProviderThreadID: 201 characters"},
		{"short locale", func(p *Push) { p.Locale = "e" }, "Locale: 1 characters, the minimum is 2"},
		{"long locale", func(p *Push) { p.Locale = strings.Repeat("l", 17) }, "Locale: 17 characters, the limit is 16"},
		{"no messages", func(p *Push) { p.Messages = nil }, "munin: Push: Messages: empty"},
		{"empty body", func(p *Push) { p.Messages[2].Body = "" }, "munin: Push: Messages[2].Body: required"},
		{"long body", func(p *Push) { p.Messages[3].Body = strings.Repeat("b", 1001) }, "munin: Push: Messages[3].Body: 1001 characters, the limit is 1000"},
		{"emoji count two", func(p *Push) { p.Messages[3].Body = strings.Repeat("😀", 501) }, "munin: Push: Messages[3].Body: 1002 characters, the limit is 1000"},
		{"long html", func(p *Push) { p.Messages[0].BodyHTML = strings.Repeat("h", 4001) }, "Messages[0].BodyHTML: 4001 characters, the limit is 4000"},
		{"long message id", func(p *Push) { p.Messages[1].ProviderMessageID = strings.Repeat("i", 201) }, "Messages[1].ProviderMessageID: 201 characters"},
		{"repeated message id", func(p *Push) { p.Messages[1].ProviderMessageID, p.Messages[3].ProviderMessageID = "s1:a", "s1:a" }, "Messages[3].ProviderMessageID: the same as Messages[1]'s"},
		{"long in-reply-to", func(p *Push) { p.Messages[1].InReplyTo = strings.Repeat("i", 201) }, "Messages[1].InReplyTo: 201 characters"},
		{"far future", func(p *Push) { p.Messages[0].At = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }, "Messages[0].At: year 10000"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := newAPIMock(t)
			w := newTestWidget(t, m)
			p := valid()
			tc.mutate(&p)
			res, err := w.Push(context.Background(), p)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.ErrorIs(t, err, ErrValidation)
			assert.Zero(t, res)
			assert.Empty(t, m.Requests(), "nothing is sent")
		})
	}
}

// TestPushLimitsInclusive: the limits themselves are allowed.
func TestPushLimitsInclusive(t *testing.T) {
	t.Parallel()
	m := newAPIMock(t)
	m.On(http.MethodPost, pushPath, reply(http.StatusCreated, pushAnswer(1, 0)))
	w := newTestWidget(t, m)
	_, err := w.Push(context.Background(), Push{
		SessionID: strings.Repeat("s", 200),
		Locale:    strings.Repeat("l", 16),
		Messages: []WidgetMessage{{
			Body:              strings.Repeat("😀", 500),
			BodyHTML:          strings.Repeat("h", 4000),
			ProviderMessageID: strings.Repeat("i", 200),
		}},
	})
	require.NoError(t, err)
}

func TestJSLen(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]int{"": 0, "a": 1, "é": 1, "日本": 2, "😀": 2, "a😀b": 4, "\xff": 1} {
		assert.Equal(t, want, jsLen(s), "%q", s)
	}
}

// TestRandomIDRejectsBiasedBytes: bytes 252–255 would favour "0"–"3" if
// folded in (256 = 7*36 + 4), so randomID drops them and reads on.
func TestRandomIDRejectsBiasedBytes(t *testing.T) {
	t.Parallel()
	// 36+36 maps to "0"; 251 = 6*36+35 maps to "z"; the rest are dropped.
	id, err := randomID(bytes.NewReader([]byte{252, 36 + 36, 253, 251, 254, 255, 1, 2, 3, 4, 5}), 4)
	require.NoError(t, err)
	assert.Equal(t, "0z12", id)

	// A whole read of rejected bytes: randomID reads again.
	input := append(bytes.Repeat([]byte{255}, 22+22/4), bytes.Repeat([]byte{35}, 22+22/4)...)
	id, err = randomID(bytes.NewReader(input), 22)
	require.NoError(t, err)
	assert.Equal(t, strings.Repeat("z", 22), id)

	_, err = randomID(strings.NewReader("short"), 22)
	assert.Error(t, err)
}

// feedPage is a page of the widget feed as the reference shows it (§2.3).
const feedPage = `{
	"messages": [
		{"id": "cvm_0000000000000000000001", "role": "end_user", "authorKind": null, "authorName": null,
		 "body": "Where is my order?", "bodyHtml": null, "at": "2026-08-21T10:00:00.000Z", "readAt": null},
		{"id": "cvm_0000000000000000000002", "role": "agent", "authorKind": "human", "authorName": "Ada",
		 "body": "It left today.", "bodyHtml": "<p>It left today.</p>", "at": "2026-08-21T10:01:00.000Z",
		 "readAt": "2026-08-21T10:02:00.000Z", "components": [{"type": "button", "label": "Track"}]}
	],
	"hasMore": false,
	"cursor": "2026-08-21T10:01:00.004Z",
	"conversation": {"id": "ccv_0000000000000000000001", "subject": null, "status": "open", "handedOver": false,
		"assigneeName": null, "contactEmail": "vita@example.com"}
}`

func TestMessagesPage(t *testing.T) {
	t.Parallel()
	m := newAPIMock(t)
	m.On(http.MethodGet, pushPath, reply(http.StatusOK, feedPage))
	w := newTestWidget(t, m)

	hash := UserHash("secret", "user-42")
	page, err := w.MessagesPage(context.Background(), MessagesRequest{
		SessionID: "vis_abc123",
		Since:     "2026-08-21T09:00:00.000Z",
		Identity:  &Identity{ExternalID: "user-42", UserHash: hash},
	})
	require.NoError(t, err)

	req := m.Only()
	assertWidgetRequest(t, req, http.MethodGet, pushPath)
	assert.Equal(t, map[string][]string{"channelId": {testChannel}, "since": {"2026-08-21T09:00:00.000Z"}}, map[string][]string(req.Query),
		"the session is never in the query (§0 #21)")
	assert.Equal(t, "vis_abc123", req.Header.Get("x-munin-session-id"))
	assert.Equal(t, "user-42", req.Header.Get("x-munin-verified-external-id"))
	assert.Equal(t, hash, req.Header.Get("x-munin-user-hash"))
	assert.Empty(t, req.Body)

	require.Len(t, page.Messages, 2)
	assert.False(t, page.HasMore)
	assert.Equal(t, "2026-08-21T10:01:00.004Z", page.Cursor)
	assert.Equal(t, FeedMessage{
		ID: "cvm_0000000000000000000001", Role: "end_user", Body: "Where is my order?",
		At: time.Date(2026, 8, 21, 10, 0, 0, 0, time.UTC),
	}, page.Messages[0])
	human := page.Messages[1]
	assert.Equal(t, "human", human.AuthorKind)
	assert.Equal(t, "Ada", human.AuthorName)
	require.NotNil(t, human.ReadAt)
	assert.JSONEq(t, `[{"type":"button","label":"Track"}]`, string(human.Components))
	require.NotNil(t, page.Conversation)
	assert.Equal(t, FeedConversation{ID: "ccv_0000000000000000000001", Status: "open", ContactEmail: "vita@example.com"}, *page.Conversation)
}

func TestMessagesPageWithoutSinceOrIdentity(t *testing.T) {
	t.Parallel()
	m := newAPIMock(t)
	m.On(http.MethodGet, pushPath, reply(http.StatusOK, `{"messages":[],"hasMore":false,"cursor":null,"conversation":null}`))
	w := newTestWidget(t, m)

	page, err := w.MessagesPage(context.Background(), MessagesRequest{SessionID: "unknown"})
	require.NoError(t, err)
	assert.Empty(t, page.Messages)
	assert.Nil(t, page.Conversation, "an unknown session has no conversation")
	req := m.Only()
	assert.Equal(t, []string{testChannel}, req.Query["channelId"])
	assert.NotContains(t, req.Query, "since")
	assert.Empty(t, req.Header.Get("x-munin-verified-external-id"))
	assert.Empty(t, req.Header.Get("x-munin-user-hash"))
}

func TestMessagesPageValidation(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		req  MessagesRequest
		want string
	}{
		{"no session", MessagesRequest{}, "munin: MessagesPage: SessionID: required"},
		{"offset cursor", MessagesRequest{SessionID: "s", Since: "2026-08-21T10:00:00+02:00"}, "MessagesPage: Since"},
		{"not a time", MessagesRequest{SessionID: "s", Since: "yesterday"}, "MessagesPage: Since"},
		{"bad identity", MessagesRequest{SessionID: "s", Identity: &Identity{ExternalID: "u"}}, "Identity.UserHash"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := newAPIMock(t)
			_, err := newTestWidget(t, m).MessagesPage(context.Background(), tc.req)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.ErrorIs(t, err, ErrValidation)
			assert.Empty(t, m.Requests())
		})
	}
}

// feedPageOf is a page with one message per id.
func feedPageOf(hasMore bool, cursor string, ids ...string) string {
	msgs := make([]string, len(ids))
	for i, id := range ids {
		msgs[i] = fmt.Sprintf(`{"id":%q,"role":"agent","authorKind":"ai","authorName":"Munin","body":"b","at":"2026-08-21T10:00:00.000Z"}`, id)
	}
	return fmt.Sprintf(`{"messages":[%s],"hasMore":%t,"cursor":%q,"conversation":null}`, strings.Join(msgs, ","), hasMore, cursor)
}

// TestMessagesPages: each page's cursor is the next page's since, until
// hasMore is false.
func TestMessagesPages(t *testing.T) {
	t.Parallel()
	m := newAPIMock(t)
	m.On(http.MethodGet, pushPath,
		reply(http.StatusOK, feedPageOf(true, "2026-08-21T10:00:01.000Z", "m1", "m2")),
		reply(http.StatusOK, feedPageOf(true, "2026-08-21T10:00:02.000Z", "m3")),
		reply(http.StatusOK, feedPageOf(false, "2026-08-21T10:00:03.000Z", "m4", "m5")))
	w := newTestWidget(t, m)

	var ids []string
	for msg, err := range w.Messages(context.Background(), MessagesRequest{SessionID: "s1"}) {
		require.NoError(t, err)
		ids = append(ids, msg.ID)
	}
	assert.Equal(t, []string{"m1", "m2", "m3", "m4", "m5"}, ids)
	reqs := m.Requests()
	require.Len(t, reqs, 3)
	assert.NotContains(t, reqs[0].Query, "since", "the first page is the oldest")
	assert.Equal(t, "2026-08-21T10:00:01.000Z", reqs[1].Query.Get("since"))
	assert.Equal(t, "2026-08-21T10:00:02.000Z", reqs[2].Query.Get("since"))
	for _, r := range reqs {
		assert.Equal(t, "s1", r.Header.Get("x-munin-session-id"))
	}
}

func TestMessagesEarlyBreak(t *testing.T) {
	t.Parallel()
	m := newAPIMock(t)
	m.On(http.MethodGet, pushPath, reply(http.StatusOK, feedPageOf(true, "2026-08-21T10:00:01.000Z", "m1", "m2")))
	w := newTestWidget(t, m)

	for msg, err := range w.Messages(context.Background(), MessagesRequest{SessionID: "s1"}) {
		require.NoError(t, err)
		assert.Equal(t, "m1", msg.ID)
		break
	}
	assert.Len(t, m.Requests(), 1, "no page after the consumer stopped")
}

func TestMessagesErrorMidway(t *testing.T) {
	t.Parallel()
	m := newAPIMock(t)
	m.On(http.MethodGet, pushPath,
		reply(http.StatusOK, feedPageOf(true, "2026-08-21T10:00:01.000Z", "m1")),
		reply(http.StatusUnauthorized, `{"statusCode":401,"message":"invalid or expired credential","error":"Unauthorized"}`))
	w := newTestWidget(t, m)

	var ids []string
	var errs []error
	for msg, err := range w.Messages(context.Background(), MessagesRequest{SessionID: "s1"}) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ids = append(ids, msg.ID)
	}
	assert.Equal(t, []string{"m1"}, ids)
	require.Len(t, errs, 1, "the error is yielded once, last")
	assert.ErrorIs(t, errs[0], ErrUnauthorized)
	assert.Len(t, m.Requests(), 2, "401 is not retried")
}

// TestMessagesStuckCursor: a page that claims more without a new cursor
// ends the feed instead of asking for the same page forever.
func TestMessagesStuckCursor(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		second string
		yields int
	}{
		"same cursor":  {feedPageOf(true, "2026-08-21T10:00:01.000Z", "m2"), 2},
		"empty cursor": {`{"messages":[],"hasMore":true,"cursor":null,"conversation":null}`, 1},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			m := newAPIMock(t)
			m.On(http.MethodGet, pushPath,
				reply(http.StatusOK, feedPageOf(true, "2026-08-21T10:00:01.000Z", "m1")),
				reply(http.StatusOK, tc.second))
			w := newTestWidget(t, m)
			n := 0
			for _, err := range w.Messages(context.Background(), MessagesRequest{SessionID: "s1"}) {
				require.NoError(t, err)
				n++
			}
			assert.Equal(t, tc.yields, n, "every message of both pages, once")
			assert.Len(t, m.Requests(), 2, "no third request for the same page")
		})
	}
}

func TestUpdateVisitor(t *testing.T) {
	t.Parallel()
	m := newAPIMock(t)
	m.On(http.MethodPatch, "/base/v1/widget/visitor",
		reply(http.StatusOK, `{"contactId":"ctc_0000000000000000000001","email":"vita@example.com","name":"Vita"}`))
	w := newTestWidget(t, m)

	hash := UserHash("secret", "u1")
	res, err := w.UpdateVisitor(context.Background(), VisitorUpdate{
		SessionID: "s1", Email: "vita@example.com", Name: "Vita", VisitorID: "v1",
		Identity: &Identity{ExternalID: "u1", UserHash: hash},
	})
	require.NoError(t, err)
	assert.Equal(t, VisitorResult{ContactID: "ctc_0000000000000000000001", Email: "vita@example.com", Name: "Vita"}, res)
	req := m.Only()
	assertWidgetRequest(t, req, http.MethodPatch, "/base/v1/widget/visitor")
	assert.JSONEq(t, `{"channelId":"`+testChannel+`","sessionId":"s1","email":"vita@example.com","name":"Vita",
		"visitorId":"v1","verifiedExternalId":"u1","userHash":"`+hash+`"}`, string(req.Body))
}

func TestUpdateVisitorErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		u    VisitorUpdate
		want string
	}{
		{"no session", VisitorUpdate{Email: "a@b.co"}, "UpdateVisitor: SessionID: required"},
		{"long email", VisitorUpdate{SessionID: "s", Email: strings.Repeat("a", 190) + "@example.com"}, "UpdateVisitor: Email: 202 characters, the limit is 200"},
		{"bad email", VisitorUpdate{SessionID: "s", Email: "nope"}, "UpdateVisitor: Email: not an email address"},
		{"long name", VisitorUpdate{SessionID: "s", Name: strings.Repeat("n", 121)}, "UpdateVisitor: Name: 121 characters"},
		{"long visitor", VisitorUpdate{SessionID: "s", VisitorID: strings.Repeat("v", 201)}, "UpdateVisitor: VisitorID"},
		{"bad identity", VisitorUpdate{SessionID: "s", Identity: &Identity{ExternalID: "u", UserHash: "abc"}}, "UpdateVisitor: Identity.UserHash"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := newAPIMock(t)
			_, err := newTestWidget(t, m).UpdateVisitor(context.Background(), tc.u)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.Empty(t, m.Requests())
		})
	}

	m := newAPIMock(t)
	m.On(http.MethodPatch, "/base/v1/widget/visitor",
		reply(http.StatusNotFound, `{"statusCode":404,"message":"session_not_found","error":"Not Found"}`))
	_, err := newTestWidget(t, m).UpdateVisitor(context.Background(), VisitorUpdate{SessionID: "s", Name: "n"})
	assert.ErrorIs(t, err, ErrSessionNotFound)
	assert.ErrorIs(t, err, ErrNotFound)
}

func TestIdentify(t *testing.T) {
	t.Parallel()
	m := newAPIMock(t)
	m.On(http.MethodPost, "/base/v1/widget/identify",
		reply(http.StatusCreated, `{"endUserId":"eu_0000000000000000000001","contactId":null}`))
	w := newTestWidget(t, m)

	hash := UserHash("secret", "u1")
	res, err := w.Identify(context.Background(), IdentifyRequest{SessionID: "s1", Identity: Identity{ExternalID: "u1", UserHash: hash}})
	require.NoError(t, err)
	assert.Equal(t, IdentifyResult{EndUserID: "eu_0000000000000000000001"}, res)
	req := m.Only()
	assertWidgetRequest(t, req, http.MethodPost, "/base/v1/widget/identify")
	assert.JSONEq(t, `{"channelId":"`+testChannel+`","sessionId":"s1","verifiedExternalId":"u1","userHash":"`+hash+`"}`, string(req.Body))

	_, err = w.Identify(context.Background(), IdentifyRequest{SessionID: "s1"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Identify: Identity.ExternalID: required")
	assert.Len(t, m.Requests(), 1)
}

func TestIdentifyFailure(t *testing.T) {
	t.Parallel()
	m := newAPIMock(t)
	m.On(http.MethodPost, "/base/v1/widget/identify",
		reply(http.StatusForbidden, `{"statusCode":403,"message":"identity_verification_failed","error":"Forbidden"}`))
	_, err := newTestWidget(t, m).Identify(context.Background(), IdentifyRequest{
		SessionID: "s1", Identity: Identity{ExternalID: "u1", UserHash: strings.Repeat("0", 64)},
	})
	assert.ErrorIs(t, err, ErrIdentityVerificationFailed)
	assert.Len(t, m.Requests(), 1, "403 is not retried")
}

// TestUserHash checks the §2.1 rule against vectors computed elsewhere
// (Python's hmac): key = the secret's UTF-8 bytes, not decoded.
func TestUserHash(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "94df5582dd8624130b547c6393735f7710344491f87a0dd3842dfc29556ea865",
		UserHash("ivs_c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlYw", "user-42"))
	assert.Equal(t, "c86b76e62f691b2d60fce2780f7e7f003d5e9db72446daa6523def91f3e58a48",
		UserHash("sécret", "ü-1"))
	assert.True(t, isUserHash(UserHash("a", "b")))
}

func TestWidgetCallsUseThePathPrefix(t *testing.T) {
	t.Parallel()
	m := newAPIMock(t)
	m.On(http.MethodPost, "/base/api/v1/widget/messages", reply(http.StatusCreated, pushAnswer(1, 0)))
	w := newTestWidget(t, m, WithPathPrefix("api"))
	_, err := w.Push(context.Background(), Push{SessionID: "s", Messages: []WidgetMessage{{Body: "x"}}})
	require.NoError(t, err)
	assertWidgetRequest(t, m.Only(), http.MethodPost, "/base/api/v1/widget/messages")
}

func TestPushContextCanceled(t *testing.T) {
	t.Parallel()
	m := newAPIMock(t)
	w := newTestWidget(t, m)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	m.On(http.MethodPost, pushPath, reply(http.StatusCreated, pushAnswer(1, 0)))
	_, err := w.Push(ctx, Push{SessionID: "s", Messages: []WidgetMessage{{Body: "x"}}})
	require.Error(t, err)
	assert.True(t, errors.Is(err, context.Canceled), "%v", err)
}
