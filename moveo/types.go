package moveo

import (
	"fmt"
	"io"
	"net/url"
)

// CreateSessionRequest opens a session (POST …/sessions). Every field is
// optional.
type CreateSessionRequest struct {
	// ExternalSessionID is the channel's own id for the conversation; Moveo
	// echoes it in every webhook event as external_session_id.
	ExternalSessionID string `json:"external_session_id,omitempty"`
	// ChannelUserID is the channel's id for the user.
	ChannelUserID string `json:"channel_user_id,omitempty"`
	// Context is the session's initial context, a JSON object (nil sends
	// none).
	Context map[string]any `json:"context,omitempty"`
}

// Session is a session Moveo opened.
type Session struct {
	// RequestID is Moveo's id for the call.
	RequestID string `json:"request_id"`
	// SessionID is the session's id (a UUID), the sessionID of every other
	// call and the session_id of its webhook events.
	SessionID string `json:"session_id"`
	// Context is the session's context as Moveo holds it.
	Context map[string]any `json:"context,omitempty"`
}

// AttachmentType is what an Attachment holds.
type AttachmentType string

// The attachment types Moveo accepts in a message's input.
const (
	AttachmentImage AttachmentType = "image"
	AttachmentVideo AttachmentType = "video"
	AttachmentAudio AttachmentType = "audio"
	AttachmentFile  AttachmentType = "file"
)

// valid reports whether t is one of the four types Moveo accepts.
func (t AttachmentType) valid() bool {
	switch t {
	case AttachmentImage, AttachmentVideo, AttachmentAudio, AttachmentFile:
		return true
	}
	return false
}

// Attachment is a file sent with a message: a URL Moveo can fetch, such as
// a DownloadURL's, or any public https URL.
type Attachment struct {
	// Type is image, video, audio or file.
	Type AttachmentType `json:"type"`
	// MimeType is the file's media type, such as "image/png".
	MimeType string `json:"mime_type,omitempty"`
	// URL is where the file is; it must be an absolute URL.
	URL string `json:"url"`
	// Filename is the file's name as shown to the reader.
	Filename string `json:"filename,omitempty"`
}

// UserMessage is what the user said, for SendMessage: a non-empty Text, at
// least one attachment, or both.
type UserMessage struct {
	// Text is the message text.
	Text string
	// Attachments are files sent with the message.
	Attachments []Attachment
	// Context, when not nil, is merged into the session's context with the
	// message (a JSON object).
	Context map[string]any
}

// AgentMessage is a message an agent outside Moveo wrote, for
// SendAgentMessage: a non-empty Text, at least one attachment, or both.
type AgentMessage struct {
	// Text is the message text.
	Text string
	// Attachments are files sent with the message.
	Attachments []Attachment
	// Agent is who wrote it; Agent.ID is required.
	Agent Agent
}

// Agent identifies an agent outside Moveo in SendAgentMessage.
type Agent struct {
	// ID is the agent's id in the channel's own system.
	ID string `json:"agent_id"`
	// Name is the agent's display name.
	Name string `json:"agent_name,omitempty"`
	// Avatar is the URL of the agent's picture.
	Avatar string `json:"agent_avatar,omitempty"`
}

// HandoverRequest names where Handover sends the conversation. Both fields
// are optional; empty ones leave the choice to Moveo's routing.
type HandoverRequest struct {
	// DeskID is the target desk.
	DeskID string `json:"desk_id,omitempty"`
	// DepartmentID is the target department.
	DepartmentID string `json:"department_id,omitempty"`
}

// SentMessage is what SendMessageOrRenew did.
type SentMessage struct {
	// SessionID is the session the message went to: the one asked for, or
	// the new one when that had expired.
	SessionID string
	// RequestID is Moveo's id for the accepted message.
	RequestID string
	// Renewed is the new session when the one asked for had expired, nil
	// otherwise. Store Renewed.SessionID in place of the old id.
	Renewed *Session
}

// Upload is where to put a file (UploadURL). UploadURL is a presigned
// storage URL: its query is a credential, so String and every fmt verb
// print it without the query.
type Upload struct {
	// RequestID is Moveo's id for the call.
	RequestID string `json:"request_id"`
	// UploadURL takes the file's bytes with an HTTP PUT, without Moveo's
	// apikey header.
	UploadURL string `json:"upload_url"`
	// FileID names the file in later calls (DownloadURL).
	FileID string `json:"file_id"`
}

// String describes the upload with the URL's query left out.
func (u Upload) String() string {
	return fmt.Sprintf("moveo.Upload{file_id: %s, upload_url: %s, request_id: %s}", u.FileID, withoutQuery(u.UploadURL), u.RequestID)
}

// Format prints String for every verb, so no verb can reach the signature.
func (u Upload) Format(f fmt.State, _ rune) { io.WriteString(f, u.String()) }

// Download is where to fetch a file (DownloadURL). DownloadURL may be a
// presigned storage URL, so String and every fmt verb print it without its
// query.
type Download struct {
	// RequestID is Moveo's id for the call.
	RequestID string `json:"request_id"`
	// DownloadURL serves the file.
	DownloadURL string `json:"download_url"`
	// FileID is the file's id.
	FileID string `json:"file_id"`
}

// String describes the download with the URL's query left out.
func (d Download) String() string {
	return fmt.Sprintf("moveo.Download{file_id: %s, download_url: %s, request_id: %s}", d.FileID, withoutQuery(d.DownloadURL), d.RequestID)
}

// Format prints String for every verb, so no verb can reach the signature.
func (d Download) Format(f fmt.State, _ rune) { io.WriteString(f, d.String()) }

// withoutQuery is raw with user info masked and the query and fragment
// replaced by "?…", or a placeholder when it does not parse.
func withoutQuery(raw string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "(invalid URL)"
	}
	hadQuery := u.RawQuery != "" || u.ForceQuery || u.Fragment != ""
	u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = "", false, "", ""
	s := u.Redacted()
	if hadQuery {
		s += "?…"
	}
	return s
}
