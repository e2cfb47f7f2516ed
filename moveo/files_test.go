package moveo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testUploadURL is a presigned storage URL: its query is a credential.
const (
	testSignature = "5d41402abc4b2a76b9719d911017c592deadbeefcafef00d"
	testStorage   = "https://storage.test/bucket/uploads/f-1"
	testUploadURL = testStorage + "?X-Amz-Credential=AKIAEXAMPLE%2F20240101&X-Amz-Signature=" + testSignature
)

// fileCalls are the calls of files.go, with the bodies and answers of
// moveo-api-notes.md.
var fileCalls = []callCase{
	{
		name: "UploadURL",
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.UploadURL(ctx, testSession, "invoice.pdf", "application/pdf")
		},
		method: http.MethodPost, path: testOnPath + "/files/upload-url",
		body:   `{"filename":"invoice.pdf","content_type":"application/pdf"}`,
		status: http.StatusOK, reply: `{"request_id":"req-1","upload_url":"` + testUploadURL + `","file_id":"f-1"}`,
		want:       &Upload{RequestID: "req-1", UploadURL: testUploadURL, FileID: "f-1"},
		idempotent: true,
	},
	{
		name: "DownloadURL",
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.DownloadURL(ctx, testSession, "f-1")
		},
		method: http.MethodPost, path: testOnPath + "/files/download-url", body: `{"file_id":"f-1"}`,
		status: http.StatusOK, reply: `{"request_id":"req-2","download_url":"https://cdn.test/f-1?sig=abcdefgh123","file_id":"f-1"}`,
		want:       &Download{RequestID: "req-2", DownloadURL: "https://cdn.test/f-1?sig=abcdefgh123", FileID: "f-1"},
		idempotent: true,
	},
}

func TestFileCalls(t *testing.T) {
	t.Parallel()
	runCalls(t, fileCalls)
}

func TestUploadURLChecksTheAnswer(t *testing.T) {
	t.Parallel()
	for name, reply := range map[string]string{
		"no file id":   `{"request_id":"r","upload_url":"` + testUploadURL + `"}`,
		"no URL":       `{"request_id":"r","file_id":"f-1"}`,
		"relative URL": `{"request_id":"r","upload_url":"/up/f-1","file_id":"f-1"}`,
	} {
		m := newClientMock(t)
		m.On(http.MethodPost, testOnPath+"/files/upload-url", answer(http.StatusOK, reply))
		_, err := newTestClient(t, m).UploadURL(t.Context(), testSession, "a.txt", "text/plain")
		assert.ErrorContains(t, err, "moveo: UploadURL: the answer", name)
	}
}

func TestUploadFile(t *testing.T) {
	t.Parallel()
	m := newClientMock(t)
	m.On(http.MethodPost, testOnPath+"/files/upload-url",
		answer(http.StatusOK, `{"request_id":"req-1","upload_url":"`+testUploadURL+`","file_id":"f-1"}`))
	m.OnURL(http.MethodPut, testStorage, answer(http.StatusOK, ``))
	c := newTestClient(t, m, WithUserAgent("support-chat/1.2"))

	id, err := c.UploadFile(t.Context(), testSession, "invoice.pdf", "application/pdf", strings.NewReader("%PDF-1.7 and more"), 8)
	require.NoError(t, err)
	assert.Equal(t, "f-1", id)

	reqs := m.Requests()
	require.Len(t, reqs, 2)
	assertAPIRequest(t, reqs[0], http.MethodPost, testOnPath+"/files/upload-url", `{"filename":"invoice.pdf","content_type":"application/pdf"}`)
	put := reqs[1]
	assert.Equal(t, http.MethodPut, put.Method)
	assert.Equal(t, testUploadURL, put.URL)
	assert.Empty(t, put.Header.Get("Authorization"), "the storage URL must not get the API key")
	assert.Equal(t, "application/pdf", put.Header.Get("Content-Type"))
	assert.Contains(t, put.Header.Get("User-Agent"), "support-chat/1.2 botbridge/")
	assert.Equal(t, "%PDF-1.7", string(put.Body), "exactly size bytes")
}

func TestUploadFileEmpty(t *testing.T) {
	t.Parallel()
	m := newClientMock(t)
	m.On(http.MethodPost, testOnPath+"/files/upload-url",
		answer(http.StatusOK, `{"request_id":"req-1","upload_url":"`+testUploadURL+`","file_id":"f-1"}`))
	m.OnURL(http.MethodPut, testStorage, answer(http.StatusOK, ``))
	id, err := newTestClient(t, m).UploadFile(t.Context(), testSession, "empty.txt", "text/plain", strings.NewReader(""), 0)
	require.NoError(t, err)
	assert.Equal(t, "f-1", id)
	assert.Empty(t, m.Requests()[1].Body)
}

func TestUploadFileStorageRefuses(t *testing.T) {
	t.Parallel()
	m := newClientMock(t)
	m.On(http.MethodPost, testOnPath+"/files/upload-url",
		answer(http.StatusOK, `{"request_id":"req-1","upload_url":"`+testUploadURL+`","file_id":"f-1"}`))
	// S3 echoes the signature it was given.
	m.OnURL(http.MethodPut, testStorage, answer(http.StatusForbidden, `<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the signature you provided (`+testSignature+`).</Message><SignatureProvided>`+testSignature+`</SignatureProvided></Error>`))
	id, err := newTestClient(t, m).UploadFile(t.Context(), testSession, "a.txt", "text/plain", strings.NewReader("hello"), 5)
	require.Error(t, err)
	assert.Empty(t, id)
	assert.ErrorIs(t, err, ErrForbidden)
	var apiErr *APIError
	require.True(t, errors.As(err, &apiErr))
	assert.Equal(t, http.MethodPut, apiErr.Method)
	assert.Equal(t, testStorage+"?…", apiErr.Path)
	assert.Equal(t, "SignatureDoesNotMatch", apiErr.Code)
	assert.NotContains(t, err.Error(), testSignature)
	assert.NotContains(t, fmt.Sprintf("%+v", err), testSignature)
	assert.Len(t, m.Requests(), 2, "the PUT is not retried")
}

func TestUploadFileFailures(t *testing.T) {
	t.Parallel()
	// A real storage server, so the body goes through net/http's checks.
	newStorage := func(t *testing.T) (*Client, *atomic.Int64) {
		var puts atomic.Int64
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			puts.Add(1)
			_, _ = io.Copy(io.Discard, r.Body)
		}))
		t.Cleanup(srv.Close)
		m := newClientMock(t)
		m.On(http.MethodPost, testOnPath+"/files/upload-url",
			answer(http.StatusOK, `{"request_id":"req-1","upload_url":"`+srv.URL+`/up?sig=`+testSignature+`","file_id":"f-1"}`))
		route := roundTripFunc(func(req *http.Request) (*http.Response, error) {
			if req.URL.Host == testHost[len("https://"):] {
				return m.Transport().RoundTrip(req)
			}
			return srv.Client().Transport.RoundTrip(req)
		})
		return newTestClientOn(t, &http.Client{Transport: route}), &puts
	}
	t.Run("real storage", func(t *testing.T) {
		t.Parallel()
		c, puts := newStorage(t)
		id, err := c.UploadFile(t.Context(), testSession, "a.txt", "text/plain", strings.NewReader("hello"), 5)
		require.NoError(t, err)
		assert.Equal(t, "f-1", id)
		assert.Equal(t, int64(1), puts.Load())
	})
	t.Run("short reader", func(t *testing.T) {
		t.Parallel()
		c, _ := newStorage(t)
		_, err := c.UploadFile(t.Context(), testSession, "a.txt", "text/plain", strings.NewReader("abc"), 10)
		require.Error(t, err)
		assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
		assert.ErrorContains(t, err, "moveo: UploadFile: PUT http://")
		assert.ErrorContains(t, err, "7 bytes short")
		assert.NotContains(t, err.Error(), testSignature)
	})
	t.Run("reader error", func(t *testing.T) {
		t.Parallel()
		c, _ := newStorage(t)
		_, err := c.UploadFile(t.Context(), testSession, "a.txt", "text/plain", iotest.ErrReader(io.ErrClosedPipe), 10)
		require.ErrorIs(t, err, io.ErrClosedPipe)
		assert.NotContains(t, err.Error(), testSignature)
	})
	t.Run("canceled", func(t *testing.T) {
		t.Parallel()
		m := newClientMock(t)
		m.On(http.MethodPost, testOnPath+"/files/upload-url",
			answer(http.StatusOK, `{"request_id":"req-1","upload_url":"`+testUploadURL+`","file_id":"f-1"}`))
		ctx, cancel := context.WithCancel(t.Context())
		m.OnURL(http.MethodPut, testStorage, func(*http.Request) (*http.Response, error) {
			cancel()
			return nil, context.Canceled
		})
		_, err := newTestClient(t, m).UploadFile(ctx, testSession, "a.txt", "text/plain", strings.NewReader("abc"), 3)
		assert.ErrorIs(t, err, context.Canceled)
		assert.NotContains(t, err.Error(), testSignature)
	})
	t.Run("bad input", func(t *testing.T) {
		t.Parallel()
		m := newClientMock(t) // any request fails the test
		c := newTestClient(t, m)
		_, err := c.UploadFile(t.Context(), testSession, "a.txt", "text/plain", nil, 3)
		assert.ErrorIs(t, err, ErrValidation)
		_, err = c.UploadFile(t.Context(), testSession, "a.txt", "text/plain", strings.NewReader(""), -1)
		assert.ErrorIs(t, err, ErrValidation)
		_, err = c.UploadFile(t.Context(), testSession, "", "text/plain", strings.NewReader(""), 0)
		assert.ErrorIs(t, err, ErrValidation)
		_, err = c.UploadFile(t.Context(), testSession, "a.txt", "text/plain\r\nX: y", strings.NewReader(""), 0)
		assert.ErrorIs(t, err, ErrValidation)
		_, err = c.UploadFile(t.Context(), "", "a.txt", "text/plain", strings.NewReader(""), 0)
		assert.ErrorIs(t, err, ErrValidation)
		assert.Empty(t, m.Requests())
	})
}

// An Upload or Download printed with any verb keeps its signature out.
func TestFileURLsPrintWithoutQuery(t *testing.T) {
	t.Parallel()
	up := Upload{RequestID: "req-1", UploadURL: testUploadURL, FileID: "f-1"}
	down := Download{RequestID: "req-2", DownloadURL: "https://u:p@cdn.test/f-1?sig=" + testSignature, FileID: "f-1"}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		for _, v := range []any{up, &up, down, &down} {
			s := fmt.Sprintf(verb, v)
			assert.NotContains(t, s, testSignature, verb)
			assert.NotContains(t, s, ":p@", verb)
			assert.Contains(t, s, "f-1", verb)
		}
	}
	assert.Equal(t, "moveo.Upload{file_id: f-1, upload_url: "+testStorage+"?…, request_id: req-1}", up.String())
	assert.Equal(t, "moveo.Download{file_id: f-1, download_url: , request_id: }", Download{FileID: "f-1"}.String())
	assert.Contains(t, Download{DownloadURL: "%zz"}.String(), "(invalid URL)")
}

// roundTripFunc is a RoundTripper made of a function.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }
