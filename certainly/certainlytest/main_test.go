package certainlytest_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain checks that Close leaves no goroutine behind: no webhook call,
// no handler.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
