package demo

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Run is the shape of every example program: it reads its flags from args,
// writes what a user should see to stdout and diagnostics to stderr, and
// returns when the flow is done or ctx is cancelled.
type Run func(ctx context.Context, args []string, stdout, stderr io.Writer) error

// Main runs run with the program's arguments and a context that Ctrl-C
// (or SIGTERM) cancels. An error is printed as "name: error" and exits with
// status 1; an error wrapping [ErrUsage] exits with status 2 (a flag that
// does not parse was printed by the flag set with the usage; any other
// is printed as "name: error"); -h exits 0.
func Main(name string, run Run) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return
	case errors.Is(err, ErrUsage):
		var shown shownError
		if !errors.As(err, &shown) { // a check after Parse: say what is wrong
			fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		}
		os.Exit(2)
	}
	fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
	os.Exit(1)
}

// shownError is a usage error the flag set has already printed.
type shownError struct{ error }

func (e shownError) Unwrap() error { return e.error }

// ErrUsage wraps the error of a command line that does not parse; the flag
// set has already printed the usage to stderr.
var ErrUsage = errors.New("usage")

// Flags returns a flag set that prints its usage (headed by usage, a line
// or two saying what the program does) to stderr and reports an error
// instead of exiting. Parse it with [Parse].
func Flags(name, usage string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: go run ./examples/%s [flags]\n\n%s\n\nflags:\n", name, strings.TrimSpace(usage))
		fs.PrintDefaults()
	}
	return fs
}

// Parse parses args with fs and refuses positional arguments. Its error
// wraps [ErrUsage], or is flag.ErrHelp for -h.
func Parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return shownError{fmt.Errorf("%w: %v", ErrUsage, err)}
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return shownError{fmt.Errorf("%w: unexpected argument %q", ErrUsage, fs.Arg(0))}
	}
	return nil
}

// Usagef reports a command line that parsed but does not make sense, such
// as "-serve needs -integration": it prints the message and the usage to
// the flag set's output, and returns an error wrapping [ErrUsage] that
// [Main] does not print again.
func Usagef(fs *flag.FlagSet, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	fmt.Fprintln(fs.Output(), msg)
	fs.Usage()
	return shownError{fmt.Errorf("%w: %s", ErrUsage, msg)}
}

// CheckModes refuses flags given for the mode not chosen: -i and -script
// (the offline demo's) with -serve, and realOnly (the real vendor's, such
// as "base-url") without it, so that "-addr :8080" alone does not quietly
// run the offline demo. Its error is [Usagef]'s.
func CheckModes(fs *flag.FlagSet, serve bool, realOnly ...string) error {
	var wrong []string
	fs.Visit(func(f *flag.Flag) { // the flags given
		offline := f.Name == "i" || f.Name == "script"
		if serve && offline || !serve && slices.Contains(realOnly, f.Name) {
			wrong = append(wrong, "-"+f.Name)
		}
	})
	switch {
	case len(wrong) > 0 && serve:
		return Usagef(fs, "%s: only offline; with -serve you type in the terminal", strings.Join(wrong, ", "))
	case len(wrong) > 0:
		return Usagef(fs, "%s: only with -serve", strings.Join(wrong, ", "))
	}
	return nil
}

// Secret returns the value of the environment variable name, which must be
// set and not blank: secrets come from the environment, never from flags,
// because a flag's value lands in the shell's history and in ps. The error
// names the variable, never its value.
func Secret(name string) (string, error) {
	v := strings.TrimSpace(os.Getenv(name))
	if v == "" {
		return "", fmt.Errorf("environment variable %s is not set (secrets are read from the environment, not from flags)", name)
	}
	return v, nil
}

// Server is an HTTP server started by [Serve].
type Server struct {
	// URL is the server's base URL, such as "http://127.0.0.1:41237",
	// with no trailing slash.
	URL string

	srv  *http.Server
	done chan struct{}
	err  error
}

// Serve serves h on addr until ctx is cancelled or Close is called. An
// empty addr means a free port on 127.0.0.1, which is what the offline
// demos use.
func Serve(ctx context.Context, addr string, h http.Handler) (*Server, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	s := &Server{
		URL:  "http://" + ln.Addr().String(),
		srv:  &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second},
		done: make(chan struct{}),
	}
	go func() {
		defer close(s.done)
		if err := s.srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			s.err = err
		}
	}()
	stop := context.AfterFunc(ctx, func() { s.Close() })
	go func() { <-s.done; stop() }()
	return s, nil
}

// Close stops the server, letting requests in flight finish for up to five
// seconds, and returns the error that stopped it, if any.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.srv.Shutdown(ctx); err != nil {
		s.srv.Close()
	}
	<-s.done
	return s.err
}

// Done is closed when the server has stopped.
func (s *Server) Done() <-chan struct{} { return s.done }

// Transcript prints a conversation so a reader can follow it: one line per
// utterance, "who › text", and indented notes for what happens behind the
// scenes. It is safe for concurrent use, so a webhook handler can print
// while the main flow does.
type Transcript struct {
	mu sync.Mutex
	w  io.Writer
}

// NewTranscript returns a Transcript that writes to w.
func NewTranscript(w io.Writer) *Transcript { return &Transcript{w: w} }

// Say prints what who said.
func (t *Transcript) Say(who, text string) {
	t.printf("%-9s › %s\n", who, text)
}

// Note prints a line about what happened behind the scenes.
func (t *Transcript) Note(format string, args ...any) {
	t.printf("            · "+format+"\n", args...)
}

// Section prints a blank line and a heading.
func (t *Transcript) Section(format string, args ...any) {
	t.printf("\n"+format+"\n", args...)
}

// Printf prints a line as it is.
func (t *Transcript) Printf(format string, args ...any) {
	t.printf(format, args...)
}

func (t *Transcript) printf(format string, args ...any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	fmt.Fprintf(t.w, format, args...)
}

// Stdin is what [Lines] reads for the path "-": os.Stdin, unless a test
// puts a reader of its own there.
var Stdin io.Reader = os.Stdin

// Lines returns the lines a chat program reads: the file at path, or
// standard input ([Stdin]) when path is "-", or script when path is "". Blank lines
// and lines starting with "#" are skipped, so a script file can carry
// comments. The returned function yields the next line, or io.EOF at the
// end; it returns ctx's error once ctx is done, even while it waits for a
// line from a terminal. Call closeFn when done: it ends the goroutine that
// reads, even with lines left. (A read from a terminal cannot be
// interrupted: a goroutine waiting for one ends with the process, or at
// the next line.)
func Lines(ctx context.Context, path string, script []string) (next func() (string, error), closeFn func() error, err error) {
	var r io.Reader
	closeFile := func() error { return nil }
	switch path {
	case "":
		r = strings.NewReader(strings.Join(script, "\n"))
	case "-":
		r = Stdin
	default:
		f, err := os.Open(path)
		if err != nil {
			return nil, nil, err
		}
		r, closeFile = f, f.Close
	}
	// closeFn also ends the reading goroutine when lines are left unread.
	ctx, cancel := context.WithCancel(ctx)
	closeFn = func() error {
		cancel()
		return closeFile()
	}
	lines := make(chan string)
	readErr := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			select {
			case lines <- line:
			case <-ctx.Done():
				return
			}
		}
		if err := sc.Err(); err != nil {
			readErr <- err
			return
		}
		readErr <- io.EOF
	}()
	next = func() (string, error) {
		select {
		case line := <-lines:
			return line, nil
		case err := <-readErr:
			readErr <- err // every later call sees it too
			return "", err
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	return next, closeFn, nil
}

// Late is an http.Handler that can be served before the handler it hands
// requests to exists, as when a vendor must know a webhook's URL to create
// the subscription that returns the secret the handler needs. Until Set,
// it answers 503 with Retry-After, which the vendors retry.
type Late struct {
	mu sync.RWMutex
	h  http.Handler
}

// Set makes h serve the requests.
func (l *Late) Set(h http.Handler) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.h = h
}

// ServeHTTP implements http.Handler.
func (l *Late) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	l.mu.RLock()
	h := l.h
	l.mu.RUnlock()
	if h == nil {
		w.Header().Set("Retry-After", "1")
		http.Error(w, "not ready", http.StatusServiceUnavailable)
		return
	}
	h.ServeHTTP(w, r)
}

// Script is the -i and -script flags of a program whose offline run reads
// lines someone would type: a built-in script by default.
type Script struct {
	interactive *bool
	file        *string
}

// ScriptFlags adds -i and -script to fs; who names whose lines they are,
// such as "operator".
func ScriptFlags(fs *flag.FlagSet, who string) *Script {
	return &Script{
		interactive: fs.Bool("i", false, "offline, type the "+who+"'s lines yourself"),
		file:        fs.String("script", "", "offline, read the "+who+"'s lines from this file"),
	}
}

// Lines returns the lines the flags chose: standard input with -i, the
// file with -script, else builtin. See [Lines].
func (s *Script) Lines(ctx context.Context, builtin []string) (next func() (string, error), closeFn func() error, err error) {
	path := *s.file
	if *s.interactive {
		path = "-"
	}
	return Lines(ctx, path, builtin)
}

// Console hands each line typed on standard input to handle until ctx
// ends, as a program serving a real vendor does with its operator's lines.
// An error of handle is noted in t and the console goes on; when input
// ends (Ctrl-D), the program keeps serving until ctx ends.
func Console(ctx context.Context, t *Transcript, handle func(ctx context.Context, line string) error) error {
	lines, closeLines, err := Lines(ctx, "-", nil)
	if err != nil {
		return err
	}
	defer closeLines()
	for {
		line, err := lines()
		switch {
		case errors.Is(err, io.EOF):
			<-ctx.Done()
			return nil
		case ctx.Err() != nil:
			return nil // Ctrl-C
		case err != nil:
			return err
		}
		if err := handle(ctx, line); err != nil {
			t.Note("%v", err)
		}
	}
}
