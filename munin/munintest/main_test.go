package munintest_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain checks that Close leaves no goroutine behind: no delivery, no
// handler, no MCP session.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
