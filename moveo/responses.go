package moveo

import (
	"github.com/segmentio/encoding/json"
)

// This file holds the AI agent's replies: the objects of a
// message:brain_send event's output.responses array
// (moveo-webhook-event-payloads.txt, "Response types"). Each decodes into
// its own type; a type this package does not know decodes into an
// UnknownResponse. Every type marshals back into the JSON Moveo sent, its
// "type" field included, so a channel can store or forward replies as
// they came.

// The response types of the payload page: the values of a response's
// "type" field, as ResponseType returns them.
const (
	ResponseText     = "text"
	ResponseImage    = "image"
	ResponseVideo    = "video"
	ResponseAudio    = "audio"
	ResponseFile     = "file"
	ResponseCarousel = "carousel"
	ResponseWebview  = "webview"
	ResponseHandover = "handover"
	ResponsePause    = "pause"
)

// Response is one reply of the AI agent. The parser fills
// BrainSendEvent.Responses with values (not pointers) of Text, Image,
// Video, Audio, File, Carousel, Webview, Handover, Pause and
// UnknownResponse: switch on them.
//
//	for _, r := range ev.Responses {
//		switch r := r.(type) {
//		case moveo.Text:
//			show(r.Text, r.Options)
//		case moveo.Handover:
//			// the AI agent hands the conversation to a human
//		case moveo.UnknownResponse:
//			// a type this package does not know: r.Raw
//		}
//	}
type Response interface {
	// ResponseType returns the response's "type", such as "text".
	ResponseType() string
}

// Text is a "text" response: a message, optionally with quick replies.
type Text struct {
	// Text is the message text.
	Text string `json:"text"`
	// Options are quick-reply buttons. Moveo does not act on a click: the
	// channel sends the option's Text back as a user message if it wants
	// to.
	Options []QuickReply `json:"options,omitempty"`
}

// QuickReply is one of a Text response's options.
type QuickReply struct {
	// Label is the button label shown to the user.
	Label string `json:"label"`
	// Text is what the option stands for, to send back as the user's
	// message when the button is clicked.
	Text string `json:"text"`
}

// Image is an "image" response.
type Image struct {
	// URL is where the image is.
	URL string `json:"url"`
	// Name is the image's name or caption (optional).
	Name string `json:"name,omitempty"`
}

// Video is a "video" response.
type Video struct {
	// URL is where the video is.
	URL string `json:"url"`
	// Name is the video's name or caption (optional).
	Name string `json:"name,omitempty"`
}

// Audio is an "audio" response.
type Audio struct {
	// URL is where the audio is.
	URL string `json:"url"`
	// Name is the audio's name or caption (optional).
	Name string `json:"name,omitempty"`
}

// File is a "file" response.
type File struct {
	// URL is where to download the file.
	URL string `json:"url"`
	// Name is the file name.
	Name string `json:"name,omitempty"`
	// Size is the file's size in bytes; nil when Moveo did not send it
	// (it is optional).
	Size *int64 `json:"size,omitempty"`
}

// Carousel is a "carousel" response: cards shown side by side, each with
// buttons.
type Carousel struct {
	// Cards are the carousel's cards, in order.
	Cards []Card `json:"cards"`
}

// Card is one card of a Carousel.
type Card struct {
	// Title is the card's title.
	Title string `json:"title"`
	// Subtitle is the card's subtitle (optional).
	Subtitle string `json:"subtitle,omitempty"`
	// Media is the card's picture or video; nil when it has none.
	Media *CardMedia `json:"media,omitempty"`
	// Buttons are the card's action buttons.
	Buttons []CardButton `json:"buttons,omitempty"`
}

// CardMedia is a Card's picture or video.
type CardMedia struct {
	// Type is "image" or "video".
	Type string `json:"type"`
	// URL is where the media is.
	URL string `json:"url"`
}

// The values of CardButton.Type.
const (
	// ButtonPostback sends its Value back: the channel sends it to Moveo
	// as the user's message when the button is clicked.
	ButtonPostback = "postback"
	// ButtonURL opens its URL.
	ButtonURL = "url"
	// ButtonWebview opens its URL in a webview.
	ButtonWebview = "webview"
)

// CardButton is one of a Card's buttons.
type CardButton struct {
	// Type is ButtonPostback, ButtonURL or ButtonWebview.
	Type string `json:"type"`
	// Label is the button text.
	Label string `json:"label"`
	// Value is what a postback button sends back.
	Value string `json:"value,omitempty"`
	// URL is what a url or webview button opens.
	URL string `json:"url,omitempty"`
}

// The values of Webview.Height.
const (
	WebviewFull      = "full"
	WebviewTall      = "tall"
	WebviewCompact   = "compact"
	WebviewNewWindow = "new_window"
)

// Webview is a "webview" response: a button that opens URL.
type Webview struct {
	// URL is the page to open.
	URL string `json:"url"`
	// Label is the button label.
	Label string `json:"label"`
	// Height is WebviewFull, WebviewTall, WebviewCompact or
	// WebviewNewWindow.
	Height string `json:"height,omitempty"`
}

// Handover is a "handover" response: the AI agent transfers the
// conversation to a human agent. HandoffEvent maps a brain_send that holds
// one to handoff.HandoffRequested.
type Handover struct {
	// Text is the message shown to the user during the transfer.
	Text string `json:"text,omitempty"`
	// DeskID is the target desk (optional).
	DeskID string `json:"desk_id,omitempty"`
	// DepartmentID is the target department (optional).
	DepartmentID string `json:"department_id,omitempty"`
}

// Pause is a "pause" response: a typing delay before the next response.
// Moveo documents no field for it, so it keeps the object as it came.
type Pause struct {
	// Raw is the response object exactly as delivered, "type" included.
	Raw json.RawMessage
}

// UnknownResponse is a response whose type this package does not know,
// kept as it came so that a newer Moveo does not break the channel.
type UnknownResponse struct {
	// Type is the response's "type"; empty when it had none.
	Type string
	// Raw is the response exactly as delivered.
	Raw json.RawMessage
}

// ResponseType returns "text".
func (Text) ResponseType() string { return ResponseText }

// ResponseType returns "image".
func (Image) ResponseType() string { return ResponseImage }

// ResponseType returns "video".
func (Video) ResponseType() string { return ResponseVideo }

// ResponseType returns "audio".
func (Audio) ResponseType() string { return ResponseAudio }

// ResponseType returns "file".
func (File) ResponseType() string { return ResponseFile }

// ResponseType returns "carousel".
func (Carousel) ResponseType() string { return ResponseCarousel }

// ResponseType returns "webview".
func (Webview) ResponseType() string { return ResponseWebview }

// ResponseType returns "handover".
func (Handover) ResponseType() string { return ResponseHandover }

// ResponseType returns "pause".
func (Pause) ResponseType() string { return ResponsePause }

// ResponseType returns r.Type.
func (r UnknownResponse) ResponseType() string { return r.Type }

// The JSON encodings below add the "type" field that the Go types leave
// implicit. Each xxxFields type has the fields without the methods, so that
// marshalling it does not recurse.
type (
	textFields     Text
	imageFields    Image
	videoFields    Video
	audioFields    Audio
	fileFields     File
	carouselFields Carousel
	webviewFields  Webview
	handoverFields Handover
)

// marshalTyped writes {"type": t, ...fields}.
func marshalTyped[T any](t string, fields T) ([]byte, error) {
	head, err := json.Marshal(struct {
		Type string `json:"type"`
	}{t})
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(fields)
	if err != nil {
		return nil, err
	}
	if len(body) == 2 { // {}
		return head, nil
	}
	out := make([]byte, 0, len(head)+len(body))
	out = append(out, head[:len(head)-1]...)
	out = append(out, ',')
	return append(out, body[1:]...), nil
}

// MarshalJSON encodes r with "type": "text".
func (r Text) MarshalJSON() ([]byte, error) { return marshalTyped(ResponseText, textFields(r)) }

// MarshalJSON encodes r with "type": "image".
func (r Image) MarshalJSON() ([]byte, error) { return marshalTyped(ResponseImage, imageFields(r)) }

// MarshalJSON encodes r with "type": "video".
func (r Video) MarshalJSON() ([]byte, error) { return marshalTyped(ResponseVideo, videoFields(r)) }

// MarshalJSON encodes r with "type": "audio".
func (r Audio) MarshalJSON() ([]byte, error) { return marshalTyped(ResponseAudio, audioFields(r)) }

// MarshalJSON encodes r with "type": "file".
func (r File) MarshalJSON() ([]byte, error) { return marshalTyped(ResponseFile, fileFields(r)) }

// MarshalJSON encodes r with "type": "carousel".
func (r Carousel) MarshalJSON() ([]byte, error) {
	return marshalTyped(ResponseCarousel, carouselFields(r))
}

// MarshalJSON encodes r with "type": "webview".
func (r Webview) MarshalJSON() ([]byte, error) {
	return marshalTyped(ResponseWebview, webviewFields(r))
}

// MarshalJSON encodes r with "type": "handover".
func (r Handover) MarshalJSON() ([]byte, error) {
	return marshalTyped(ResponseHandover, handoverFields(r))
}

// MarshalJSON returns Raw, or {"type":"pause"} when Raw is empty.
func (r Pause) MarshalJSON() ([]byte, error) {
	if len(r.Raw) == 0 {
		return []byte(`{"type":"pause"}`), nil
	}
	return r.Raw, nil
}

// MarshalJSON returns Raw, or {"type": Type} when Raw is empty.
func (r UnknownResponse) MarshalJSON() ([]byte, error) {
	if len(r.Raw) == 0 {
		return marshalTyped(r.Type, struct{}{})
	}
	return r.Raw, nil
}

// UnmarshalJSON keeps a copy of b as Raw.
func (r *Pause) UnmarshalJSON(b []byte) error {
	r.Raw = append(json.RawMessage(nil), b...)
	return nil
}

// UnmarshalJSON keeps a copy of b as Raw and reads its "type".
func (r *UnknownResponse) UnmarshalJSON(b []byte) error {
	var head struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return err
	}
	r.Type, r.Raw = head.Type, append(json.RawMessage(nil), b...)
	return nil
}

// wireResponse is the union of the fields of the known response types.
type wireResponse struct {
	Type         string       `json:"type"`
	Text         string       `json:"text"`
	Options      []QuickReply `json:"options"`
	URL          string       `json:"url"`
	Name         string       `json:"name"`
	Size         *int64       `json:"size"`
	Cards        []Card       `json:"cards"`
	Label        string       `json:"label"`
	Height       string       `json:"height"`
	DeskID       string       `json:"desk_id"`
	DepartmentID string       `json:"department_id"`
}

// ParseResponse decodes one response object into its concrete type (an
// UnknownResponse for a type this package does not know). Errors name the
// field, as ParseEvent's do.
func ParseResponse(raw []byte) (Response, error) {
	return parseResponse(append([]byte(nil), raw...), "")
}

// parseResponse decodes raw, which it may keep (the parser decodes with
// json.ZeroCopy), at path (such as "output.responses[2]").
func parseResponse(raw []byte, path string) (Response, error) {
	if err := wantObject(raw, path); err != nil {
		return nil, err
	}
	// The fast path: one pass into the union of the known types' fields.
	// It fails when a field has a JSON type another response type does
	// not expect (such as an unknown type's "text": 5); the slow path
	// below then decodes as the response's own type.
	var u wireResponse
	if _, err := json.Parse(raw, &u, decodeFlags); err == nil {
		switch u.Type {
		case ResponseText:
			return Text{Text: u.Text, Options: u.Options}, nil
		case ResponseImage:
			return Image{URL: u.URL, Name: u.Name}, nil
		case ResponseVideo:
			return Video{URL: u.URL, Name: u.Name}, nil
		case ResponseAudio:
			return Audio{URL: u.URL, Name: u.Name}, nil
		case ResponseFile:
			return File{URL: u.URL, Name: u.Name, Size: u.Size}, nil
		case ResponseCarousel:
			return Carousel{Cards: u.Cards}, nil
		case ResponseWebview:
			return Webview{URL: u.URL, Label: u.Label, Height: u.Height}, nil
		case ResponseHandover:
			return Handover{Text: u.Text, DeskID: u.DeskID, DepartmentID: u.DepartmentID}, nil
		case ResponsePause:
			return Pause{Raw: raw}, nil
		}
		return UnknownResponse{Type: u.Type, Raw: raw}, nil
	}
	var head struct {
		Type string `json:"type"`
	}
	if err := decode(raw, &head, path); err != nil {
		return nil, err
	}
	var err error
	switch head.Type {
	case ResponseText:
		var v textFields
		if err = decode(raw, &v, path); err == nil {
			return Text(v), nil
		}
	case ResponseImage:
		var v imageFields
		if err = decode(raw, &v, path); err == nil {
			return Image(v), nil
		}
	case ResponseVideo:
		var v videoFields
		if err = decode(raw, &v, path); err == nil {
			return Video(v), nil
		}
	case ResponseAudio:
		var v audioFields
		if err = decode(raw, &v, path); err == nil {
			return Audio(v), nil
		}
	case ResponseFile:
		var v fileFields
		if err = decode(raw, &v, path); err == nil {
			return File(v), nil
		}
	case ResponseCarousel:
		var v carouselFields
		if err = decode(raw, &v, path); err == nil {
			return Carousel(v), nil
		}
	case ResponseWebview:
		var v webviewFields
		if err = decode(raw, &v, path); err == nil {
			return Webview(v), nil
		}
	case ResponseHandover:
		var v handoverFields
		if err = decode(raw, &v, path); err == nil {
			return Handover(v), nil
		}
	case ResponsePause:
		return Pause{Raw: raw}, nil
	default:
		return UnknownResponse{Type: head.Type, Raw: raw}, nil
	}
	return nil, err
}
