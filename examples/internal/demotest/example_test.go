package demotest_test

import (
	"context"
	"fmt"
	"io"
	"testing"

	"github.com/botbridge/botbridge/examples/internal/demo"
	"github.com/botbridge/botbridge/examples/internal/demotest"
)

// exampleTB stands in for a test's t in the example.
type exampleTB struct{ testing.TB }

func (exampleTB) Helper()                           {}
func (exampleTB) Context() context.Context          { return context.Background() }
func (exampleTB) Errorf(format string, args ...any) { fmt.Printf(format+"\n", args...) }

// A test runs an example program as a user would and checks its
// transcript.
func ExampleRun() {
	t := exampleTB{} // in a test, the test's own t
	run := func(_ context.Context, args []string, stdout, _ io.Writer) error {
		tr := demo.NewTranscript(stdout)
		tr.Say("visitor", "Hi!")
		tr.Say("bot", "Hello, how can I help?")
		return nil
	}
	out := demotest.Run(t, run)
	demotest.InOrder(t, out, "visitor   › Hi!", "bot       › Hello")
	demotest.InOrder(t, out, "bot", "visitor") // reported: out of order
	// Output:
	// missing, or out of order: "visitor"
	// in:
	// visitor   › Hi!
	// bot       › Hello, how can I help?
}
