package moveotest_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/botbridge/botbridge/moveo/moveotest"
)

func TestUploadAndDownloadURLs(t *testing.T) {
	t.Parallel()
	s := moveotest.NewServer(t)
	id := newSession(t, s, nil)
	r := api(t, s, "POST", "/"+id+"/files/upload-url", map[string]any{"filename": "Invoice.pdf", "content_type": "application/pdf"})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	up := r.JSON(t)
	fileID := up["file_id"].(string)
	assert.Regexp(t, uuidPattern, fileID)
	uploadURL := up["upload_url"].(string)
	assert.True(t, strings.HasPrefix(uploadURL, s.URL+"/storage/"+fileID+"?signature="), uploadURL)

	put := func(url, contentType, body string) int {
		req, err := http.NewRequest(http.MethodPut, url, strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", contentType)
		resp, err := s.Client().Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	assert.Equal(t, http.StatusForbidden, put(s.URL+"/storage/"+fileID+"?signature=forged", "application/pdf", "x"))
	assert.Equal(t, http.StatusForbidden, put(uploadURL, "text/plain", "x"), "the content type is signed")
	assert.Equal(t, http.StatusOK, put(uploadURL, "application/pdf", "%PDF-1.7"), "no apikey needed")

	uploads := s.Uploads()
	require.Len(t, uploads, 1)
	assert.True(t, uploads[0].Uploaded)
	assert.Equal(t, []byte("%PDF-1.7"), uploads[0].Data)
	assert.Equal(t, id, uploads[0].SessionID)
	assert.Equal(t, "Invoice.pdf", uploads[0].Filename)

	r = api(t, s, "POST", "/"+id+"/files/download-url", map[string]any{"file_id": fileID})
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	down := r.JSON(t)
	assert.Equal(t, fileID, down["file_id"])
	assert.Regexp(t, uuidPattern, down["request_id"])
	resp, err := s.Client().Get(down["download_url"].(string))
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "application/pdf", resp.Header.Get("Content-Type"))
	assert.Equal(t, "%PDF-1.7", string(body))

	other := newSession(t, s, nil)
	r = api(t, s, "POST", "/"+other+"/files/download-url", map[string]any{"file_id": fileID})
	assert.Equal(t, http.StatusNotFound, r.Status, "another session's file")
	assert.Equal(t, "file_not_found", r.JSON(t)["error_code"])
	for name, body := range map[string]any{
		"no filename":     map[string]any{"content_type": "image/png"},
		"no content type": map[string]any{"filename": "a.png"},
	} {
		assert.Equal(t, http.StatusBadRequest, api(t, s, "POST", "/"+id+"/files/upload-url", body).Status, name)
	}
	assert.Equal(t, http.StatusBadRequest, api(t, s, "POST", "/"+id+"/files/download-url", `{}`).Status)
}
