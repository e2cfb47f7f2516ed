package moveo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/botbridge/botbridge/internal/transport"
)

// This file is the file calls (moveo-api-notes.md, "Calls into Moveo" and
// "Details"): Moveo mints a presigned storage URL, the channel PUTs the
// bytes there itself, and a download URL makes the file readable later.

// uploadURLBody is the body of POST …/files/upload-url.
type uploadURLBody struct {
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
}

// downloadURLBody is the body of POST …/files/download-url.
type downloadURLBody struct {
	FileID string `json:"file_id"`
}

// UploadURL asks Moveo where to upload a file (POST
// …/sessions/{session_id}/files/upload-url, 200). PUT the bytes to
// Upload.UploadURL yourself, or call UploadFile, which does both.
//
// It is retried like an idempotent call: a second attempt only mints
// another URL, and the unused one leads nowhere.
func (c *Client) UploadURL(ctx context.Context, sessionID, filename, contentType string) (*Upload, error) {
	const op = "UploadURL"
	if err := checkFile(op, filename, contentType); err != nil {
		return nil, err
	}
	var out Upload
	body := uploadURLBody{Filename: filename, ContentType: contentType}
	if err := c.sessionCall(ctx, op, sessionID, http.MethodPost, "files/upload-url", body, &out, true); err != nil {
		return nil, err
	}
	if out.FileID == "" {
		return nil, errors.New("moveo: UploadURL: the answer holds no file_id")
	}
	if u, err := url.Parse(out.UploadURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, errors.New("moveo: UploadURL: the answer's upload_url is not an absolute http or https URL")
	}
	return &out, nil
}

// UploadFile uploads size bytes read from r as filename and returns the
// file's id: it asks Moveo for an upload URL (UploadURL) and PUTs the bytes
// to it with Content-Type contentType and Content-Length size. To send the
// file in a message, get a URL for it with DownloadURL and put that in an
// Attachment.
//
// The PUT goes to the storage service behind the presigned URL, not to
// Moveo: it carries no apikey header, and it goes through the client's
// http.Client (WithHTTPClient) without retries, since r can be read only
// once. Any status but 2xx is an *APIError whose Path is the URL without
// its signed query (a 403 there usually means the URL expired: call
// UploadFile again). r must hold at least size bytes; only size are sent.
func (c *Client) UploadFile(ctx context.Context, sessionID, filename, contentType string, r io.Reader, size int64) (fileID string, err error) {
	const op = "UploadFile"
	switch {
	case r == nil:
		return "", invalid(op, "r", "required")
	case size < 0:
		return "", invalid(op, "size", "must not be negative: storage URLs need a Content-Length")
	}
	if err := checkFile(op, filename, contentType); err != nil {
		return "", err
	}
	up, err := c.UploadURL(ctx, sessionID, filename, contentType)
	if err != nil {
		return "", err
	}
	if err := c.put(ctx, up.UploadURL, contentType, r, size); err != nil {
		return "", err
	}
	return up.FileID, nil
}

// put sends the bytes to a presigned storage URL. Nothing it returns holds
// the URL's query, where the signature is.
func (c *Client) put(ctx context.Context, target, contentType string, r io.Reader, size int64) error {
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	shown := withoutQuery(target)
	body := io.Reader(http.NoBody)
	if size > 0 {
		body = &exactReader{r: r, left: size}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, target, body)
	if err != nil {
		return fmt.Errorf("moveo: UploadFile: PUT %s: %w", shown, unwrapURLError(err))
	}
	req.ContentLength = size
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("User-Agent", c.userAgent)
	resp, err := c.http.Do(req)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			err = ctxErr
		}
		return fmt.Errorf("moveo: UploadFile: PUT %s: %w", shown, unwrapURLError(err))
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		return nil
	}
	code, message := storageError(answer)
	redactor := transport.Redactor(querySecrets(target))
	if redactor != nil {
		code, message = redactor.Replace(code), redactor.Replace(message)
	}
	if !isCodeWord(code) {
		code = ""
	}
	return transport.NewAPIError("moveo", http.MethodPut, shown, resp.StatusCode, code, message, nil)
}

// exactReader reads exactly left bytes from r: a reader that ends early is
// an error, not a shorter upload.
type exactReader struct {
	r    io.Reader
	left int64
}

func (e *exactReader) Read(p []byte) (int, error) {
	if e.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > e.left {
		p = p[:e.left]
	}
	n, err := e.r.Read(p)
	e.left -= int64(n)
	switch {
	case err == io.EOF && e.left > 0:
		return n, fmt.Errorf("the reader ended %d bytes short of size: %w", e.left, io.ErrUnexpectedEOF)
	case err != nil:
		return n, err
	case e.left == 0:
		return n, io.EOF
	}
	return n, nil
}

// DownloadURL asks Moveo for a URL that serves the file fileID (POST
// …/sessions/{session_id}/files/download-url, 200). It is retried like an
// idempotent call: it only reads.
func (c *Client) DownloadURL(ctx context.Context, sessionID, fileID string) (*Download, error) {
	const op = "DownloadURL"
	if err := checkID(op, "fileID", fileID); err != nil {
		return nil, err
	}
	var out Download
	if err := c.sessionCall(ctx, op, sessionID, http.MethodPost, "files/download-url", downloadURLBody{FileID: fileID}, &out, true); err != nil {
		return nil, err
	}
	if out.DownloadURL == "" {
		return nil, errors.New("moveo: DownloadURL: the answer holds no download_url")
	}
	return &out, nil
}

// checkFile checks a file's name and media type before they are sent.
func checkFile(op, filename, contentType string) error {
	switch {
	case filename == "":
		return invalid(op, "filename", "required")
	case contentType == "":
		return invalid(op, "contentType", "required")
	case strings.ContainsAny(contentType, "\r\n"):
		return invalid(op, "contentType", "must not hold a line break")
	}
	return nil
}

// storageError reads the code and message of an S3-style XML error body
// (<Error><Code>AccessDenied</Code><Message>…</Message>…</Error>), which
// S3, GCS and most of their kind send. Other elements of such a body (S3's
// SignatureProvided, StringToSign) are left out on purpose.
func storageError(body []byte) (code, message string) {
	return xmlElement(body, "Code"), xmlElement(body, "Message")
}

// xmlElement returns the text of the first <name>…</name> in body, capped.
func xmlElement(body []byte, name string) string {
	_, rest, ok := strings.Cut(string(body), "<"+name+">")
	if !ok {
		return ""
	}
	text, _, ok := strings.Cut(rest, "</"+name+">")
	if !ok || len(text) > 512 {
		return ""
	}
	return text
}

// querySecrets are the values in target's query, where a presigned URL's
// signature and credential sit, to scrub them from what storage answers.
func querySecrets(target string) []transport.Secret {
	u, err := url.Parse(target)
	if err != nil {
		return nil
	}
	var secrets []transport.Secret
	for _, vs := range u.Query() {
		for _, v := range vs {
			if len(v) >= 8 {
				secrets = append(secrets, transport.NewSecret(v))
			}
		}
	}
	return secrets
}

// unwrapURLError drops the URL from a *url.Error: it holds the signed
// query.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
