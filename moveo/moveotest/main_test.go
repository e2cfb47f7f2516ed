package moveotest_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain checks that Close leaves no goroutine behind: no delivery, no
// expiry watcher, no handler.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
