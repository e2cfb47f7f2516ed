package fakeserver_test

import (
	"fmt"
	"net/http"

	"github.com/botbridge/botbridge/internal/fakeserver"
)

// A fake's FailNext is a Faults table: the route's next n requests get the
// status, in the order the faults were added.
func ExampleFaults() {
	var faults fakeserver.Faults[int]
	faults.Add(fakeserver.CanonicalRoute("POST /v1/x/:id"), http.StatusServiceUnavailable, 2)
	faults.Add(fakeserver.CanonicalRoute("POST /v1/x/:id"), http.StatusBadGateway, 1)
	for range 4 {
		status, ok := faults.Take(fakeserver.CanonicalRoute("post /v1/x/{id}"), nil)
		fmt.Println(status, ok)
	}
	// Output:
	// 503 true
	// 503 true
	// 502 true
	// 0 false
}

// What a fake records of a request keeps the credential's scheme only.
func ExampleRedactAuthorization() {
	h := http.Header{"Authorization": {"Bearer s3cret"}, "Content-Type": {"application/json"}}
	recorded := fakeserver.RedactAuthorization(h, nil)
	fmt.Println(recorded.Get("Authorization"), recorded.Get("Content-Type"))
	fmt.Println(fakeserver.RedactCredential("s3cret"))
	// Output:
	// Bearer [REDACTED] application/json
	// [REDACTED]
}
