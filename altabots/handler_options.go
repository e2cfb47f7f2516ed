package altabots

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/botbridge/botbridge/webhookverify"
)

// The paths of the three endpoints the desk hosts, as the handoff page's
// tables give them. Its curl example puts them under CurlPathPrefix
// instead ("/human/service/conversation/establish"); AltaBots calls
// whatever URLs the agent's webhook settings name, so both are options.
const (
	DefaultEstablishPath = "/conversation/establish"
	DefaultChatPath      = "/chat"
	DefaultClosePath     = "/conversation/close"

	// CurlPathPrefix is the prefix of the handoff page's curl example, for
	// WithPathPrefix.
	CurlPathPrefix = "/human/service"
)

const (
	// DefaultMaxBodyBytes caps a request body: 1 MiB, far above any
	// establish request (the transcript is the only part that grows).
	DefaultMaxBodyBytes = webhookverify.DefaultMaxBodyBytes

	// WaitingTime is how long AltaBots waits, by default, for the desk's
	// first reply after an establish answered with success; with no reply
	// by then it ends the handoff (altabots-api-notes.md). WithAutoReply's
	// delay must be shorter.
	WaitingTime = 60 * time.Second
)

// HandlerOption configures NewHandler. A bad value makes NewHandler fail.
type HandlerOption func(*handlerSettings) error

// handlerSettings collects what the options chose.
type handlerSettings struct {
	establish, chat, close string
	prefix                 string

	auth   webhookverify.Authenticator
	noAuth bool

	maxBytes int64
	clock    Clock
	hooks    Hooks
	logger   *slog.Logger

	autoClient *Client
	autoText   string
	autoAfter  time.Duration
}

// Clock is what the handler's auto-reply (WithAutoReply) sets its timers
// on and measures AltaBots' waiting time with. AfterFunc calls f in its
// own goroutine once d has passed, as time.AfterFunc does, and returns a
// stop function that cancels the call and reports whether it did so before
// f started. The default is package time; altabotstest.Clock has exactly
// these methods, so one fake clock drives a test's AltaBots fake and the
// handler.
type Clock interface {
	Now() time.Time
	AfterFunc(d time.Duration, f func()) (stop func() bool)
}

// realClock is the default Clock.
type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) AfterFunc(d time.Duration, f func()) func() bool { return time.AfterFunc(d, f).Stop }

// Hooks are called as the handler works, so a program can log, count or
// alert; every field is optional. Hooks run on the request's (or timer's)
// goroutine, so they may be called concurrently, and should return
// quickly.
type Hooks struct {
	// AutoReplied is called after every reply WithAutoReply sent, or tried
	// to send, with the conversation and the error of Client.SendMessage
	// (nil when AltaBots accepted it).
	AutoReplied func(conversationID string, err error)
	// Refused is called for every request answered with a status other
	// than 2xx: the status, and the reason (a *RequestError, a
	// webhookverify sentinel, the desk's own error, …). The reason may be
	// logged; the answer AltaBots gets never carries it beyond what the
	// handler's doc lists.
	Refused func(r *http.Request, status int, err error)
}

// WithPaths sets the paths of the establish, chat and close endpoints
// (DefaultEstablishPath, DefaultChatPath and DefaultClosePath by default).
// Each must start with "/" and hold no query, fragment or white space, and
// the three must differ. WithPathPrefix is prepended to them.
func WithPaths(establish, chat, close string) HandlerOption {
	return func(s *handlerSettings) error {
		for _, p := range []struct{ name, path string }{{"establish", establish}, {"chat", chat}, {"close", close}} {
			if err := checkPath(p.path); err != nil {
				return fmt.Errorf("WithPaths: %s path %q: %w", p.name, p.path, err)
			}
		}
		if establish == chat || establish == close || chat == close {
			return errors.New("WithPaths: the three paths must differ")
		}
		s.establish, s.chat, s.close = establish, chat, close
		return nil
	}
}

// WithPathPrefix puts prefix in front of the three paths, such as
// CurlPathPrefix for the handoff page's curl example
// ("/human/service/conversation/establish"). It must start with "/"; a
// trailing "/" is dropped.
func WithPathPrefix(prefix string) HandlerOption {
	return func(s *handlerSettings) error {
		if err := checkPath(prefix); err != nil {
			return fmt.Errorf("WithPathPrefix: %q: %w", prefix, err)
		}
		s.prefix = strings.TrimRight(prefix, "/")
		return nil
	}
}

// checkPath refuses what can never equal a request's URL path.
func checkPath(p string) error {
	switch {
	case !strings.HasPrefix(p, "/"):
		return errors.New(`must start with "/"`)
	case strings.ContainsAny(p, "?#"):
		return errors.New("must not hold a query or fragment")
	case strings.ContainsFunc(p, isSpaceOrControl):
		return errors.New("must not hold white space or control characters")
	}
	return nil
}

// WithAuthenticator makes the handler accept only the calls a accepts,
// checked before the body is read: webhookverify.BearerToken or
// webhookverify.BasicAuth with the credential set in AltaBots' webhook
// settings (compared in constant time), optionally combined with
// webhookverify.SourceIPs through webhookverify.AllOf. A refusal gets 401
// (403 for a source address). Give it once; NewHandler needs it or
// WithoutAuthentication.
func WithAuthenticator(a webhookverify.Authenticator) HandlerOption {
	return func(s *handlerSettings) error {
		switch {
		case a == nil:
			return errors.New("WithAuthenticator: nil Authenticator")
		case s.auth != nil:
			return errors.New("WithAuthenticator: given twice; combine checks with webhookverify.AllOf")
		}
		s.auth = a
		return nil
	}
}

// WithoutAuthentication makes the handler accept every call without
// checking who sent it. AltaBots signs nothing, so anyone who can reach
// the URL can then open conversations on the desk, write into them as the
// user and close them: use it only behind another guard (a private
// network, a proxy that checks a credential, a secret path).
func WithoutAuthentication() HandlerOption {
	return func(s *handlerSettings) error {
		s.noAuth = true
		return nil
	}
}

// WithMaxBodyBytes caps a request body (DefaultMaxBodyBytes by default); a
// longer one gets 413 without being read further.
func WithMaxBodyBytes(n int64) HandlerOption {
	return func(s *handlerSettings) error {
		if n <= 0 {
			return fmt.Errorf("WithMaxBodyBytes: %d is not positive", n)
		}
		s.maxBytes = n
		return nil
	}
}

// WithClock sets the clock of the auto-reply timers (package time by
// default), such as an altabotstest.Clock in tests.
func WithClock(c Clock) HandlerOption {
	return func(s *handlerSettings) error {
		if c == nil {
			return errors.New("WithClock: nil Clock")
		}
		s.clock = c
		return nil
	}
}

// WithAutoReply keeps a handoff alive when the desk is slow. AltaBots ends
// a handoff whose desk sent no reply within WaitingTime of the establish
// call; with this option, when a conversation's Establish returned nil and
// the desk has not replied through client within after, the handler sends
// text there itself (client.SendMessage) and reports the outcome to
// Hooks.AutoReplied.
//
// A successful client.SendMessage for the conversation — from the desk,
// on the same *Client — cancels the timer, and so do MarkReplied (for a
// desk that replies by other means), a close call for the conversation,
// and Handler.Close. A new establish for the conversation (another
// timestamp) is a new handoff: it replaces the timer, and the desk must
// reply again. A repeat of the same establish (the same conversation_id and
// timestamp, as a retry would send) keeps the first timer, which counts
// from the first establish as AltaBots' wait does, and arms none when the
// handoff was answered or closed already; the handler remembers such a
// handoff until WaitingTime after its establish. The desk is called for
// every establish, repeats included.
//
// after must be positive and shorter than WaitingTime; 45 seconds leaves
// room for a slow network and a retry. The automatic reply itself is
// bounded by the time left until WaitingTime after the establish, read on
// the handler's Clock; a timer that runs later than that (a suspended
// machine) sends nothing and reports ErrAutoReplyTooLate to
// Hooks.AutoReplied. text
// must not be empty: something like "Thanks for waiting — an agent will be
// with you shortly."
func WithAutoReply(client *Client, text string, after time.Duration) HandlerOption {
	return func(s *handlerSettings) error {
		switch {
		case !client.built():
			return errors.New("WithAutoReply: nil Client (build one with NewClient)")
		case text == "":
			return errors.New("WithAutoReply: text is empty")
		case after <= 0 || after >= WaitingTime:
			return fmt.Errorf("WithAutoReply: after %s must be positive and shorter than AltaBots' waiting time %s", after, WaitingTime)
		case s.autoClient != nil:
			return errors.New("WithAutoReply: given twice")
		}
		s.autoClient, s.autoText, s.autoAfter = client, text, after
		return nil
	}
}

// WithHooks sets the handler's hooks.
func WithHooks(h Hooks) HandlerOption {
	return func(s *handlerSettings) error {
		s.hooks = h
		return nil
	}
}

// WithHandlerLogger makes the handler log every request it refuses (at
// Warn), every desk failure and failed automatic reply (at Error), and
// every call it served and automatic reply it sent (at Debug). Without it
// the handler logs nothing. Lines carry the endpoint, the status, the
// conversation id and the reason; never a credential.
func WithHandlerLogger(logger *slog.Logger) HandlerOption {
	return func(s *handlerSettings) error {
		s.logger = logger
		return nil
	}
}
