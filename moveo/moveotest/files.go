package moveotest

import (
	"crypto/subtle"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"slices"
	"time"
)

// Files (moveo-api-notes.md, "Calls into Moveo" and "Details"): upload-url
// mints a presigned PUT URL, here on the fake itself under /storage/, that
// stores the bytes; download-url mints a GET URL for them. The signature is
// the query parameter "signature"; a storage request without the right one
// is refused with 403 and an S3-style XML error, as a presigned URL would
// be.

type file struct {
	id, sessionID, filename, contentType, signature string
	data                                            []byte
	uploaded                                        bool
	mintedAt, uploadedAt                            time.Time
}

// Upload is a file the server minted an upload URL for.
type Upload struct {
	FileID      string // file_id
	SessionID   string
	Filename    string // as asked for in upload-url
	ContentType string // as asked for in upload-url
	// Uploaded reports whether the bytes were PUT; Data holds them.
	Uploaded   bool
	Data       []byte
	UploadedAt time.Time // on the server's Clock; zero until uploaded
}

// Uploads returns every file minted so far, oldest first.
func (s *Server) Uploads() []Upload {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Upload, len(s.fileOrder))
	for i, f := range s.fileOrder {
		out[i] = Upload{
			FileID: f.id, SessionID: f.sessionID, Filename: f.filename, ContentType: f.contentType,
			Uploaded: f.uploaded, Data: slices.Clone(f.data), UploadedAt: f.uploadedAt,
		}
	}
	return out
}

// storageURL is a presigned URL of f.
func (s *Server) storageURL(f *file) string {
	return s.URL + storagePathPrefix + f.id + "?" + signatureQueryParam + "=" + url.QueryEscape(f.signature)
}

// handleUploadURL is POST …/files/upload-url, {filename, content_type}:
// 200 {request_id, upload_url, file_id}.
func (s *Server) handleUploadURL(c *call) (int, any, error) {
	m, err := c.object(true)
	if err != nil {
		return 0, nil, err
	}
	name, err := optString(m, "filename")
	if err != nil || name == "" {
		return 0, nil, errBadRequest("filename is required")
	}
	ct, err := optString(m, "content_type")
	if err != nil || ct == "" {
		return 0, nil, errBadRequest("content_type is required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ss, err := s.liveLocked(c.sid())
	if err != nil {
		return 0, nil, err
	}
	ss.lastActive = s.now()
	f := &file{id: newUUID(), sessionID: ss.id, filename: name, contentType: ct,
		signature: randomToken(24), mintedAt: ss.lastActive}
	s.files[f.id] = f
	s.fileOrder = append(s.fileOrder, f)
	return http.StatusOK, map[string]any{"request_id": c.requestID, "upload_url": s.storageURL(f), "file_id": f.id}, nil
}

// handleDownloadURL is POST …/files/download-url, {file_id}: 200
// {request_id, download_url, file_id}. A file of another session, or one
// never minted, is 404 file_not_found.
func (s *Server) handleDownloadURL(c *call) (int, any, error) {
	m, err := c.object(true)
	if err != nil {
		return 0, nil, err
	}
	id, err := optString(m, "file_id")
	if err != nil || id == "" {
		return 0, nil, errBadRequest("file_id is required")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ss, err := s.liveLocked(c.sid())
	if err != nil {
		return 0, nil, err
	}
	ss.lastActive = s.now()
	f := s.files[id]
	if f == nil || f.sessionID != ss.id {
		return 0, nil, errNotFound("file_not_found", "File "+id+" not found")
	}
	return http.StatusOK, map[string]any{"request_id": c.requestID, "download_url": s.storageURL(f), "file_id": f.id}, nil
}

// storageFile returns the file a storage request names if its signature is
// right, or writes the refusal.
func (s *Server) storageFile(w http.ResponseWriter, c *call) (*file, int) {
	s.mu.Lock()
	f := s.files[c.r.PathValue("fid")]
	s.mu.Unlock()
	sig := c.r.URL.Query().Get(signatureQueryParam)
	if f == nil || subtle.ConstantTimeCompare([]byte(sig), []byte(f.signature)) != 1 {
		return nil, storageError(w, http.StatusForbidden, "SignatureDoesNotMatch",
			"The request signature we calculated does not match the signature you provided.")
	}
	return f, 0
}

// handleStoragePut stores an upload's bytes. The Content-Type must be the
// one given to upload-url, as it is part of a presigned URL's signature.
func (s *Server) handleStoragePut(w http.ResponseWriter, c *call) int {
	f, status := s.storageFile(w, c)
	if f == nil {
		return status
	}
	if got := c.r.Header.Get("Content-Type"); got != f.contentType {
		return storageError(w, http.StatusForbidden, "SignatureDoesNotMatch",
			fmt.Sprintf("Content-Type %q is not the one the URL was signed for.", got))
	}
	s.mu.Lock()
	f.data, f.uploaded, f.uploadedAt = slices.Clone(c.body), true, s.now()
	s.mu.Unlock()
	w.WriteHeader(http.StatusOK)
	return http.StatusOK
}

// handleStorageGet serves an uploaded file.
func (s *Server) handleStorageGet(w http.ResponseWriter, c *call) int {
	f, status := s.storageFile(w, c)
	if f == nil {
		return status
	}
	s.mu.Lock()
	data, ok, ct := slices.Clone(f.data), f.uploaded, f.contentType
	s.mu.Unlock()
	if !ok {
		return storageError(w, http.StatusNotFound, "NoSuchKey", "The specified key does not exist.")
	}
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(http.StatusOK)
	w.Write(data)
	return http.StatusOK
}

func storageError(w http.ResponseWriter, status int, code, message string) int {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?>`+"\n<Error><Code>"+code+"</Code><Message>"+html.EscapeString(message)+"</Message></Error>")
	return status
}
