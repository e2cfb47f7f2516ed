package clienttest_test

import (
	"fmt"
	"net/http"

	"github.com/jarcoal/httpmock"

	"github.com/botbridge/botbridge/internal/clienttest"
)

// A vendor's rate-limit answer, then its success, as a client under test
// sees them: the first call is refused as a dial would be, so it never
// reaches the vendor.
func ExampleAnswer() {
	mt := httpmock.NewMockTransport()
	var n int
	mt.RegisterResponder(http.MethodPost, "https://vendor.test/base/v1/messages", func(req *http.Request) (*http.Response, error) {
		n++
		return clienttest.InTurn(n-1,
			clienttest.Answer(http.StatusTooManyRequests, `{"code":42900}`, clienttest.JSONHeader("req-1"), http.Header{"retry-after": {"5"}}),
			clienttest.Answer(http.StatusOK, `{"code":0}`, clienttest.JSONHeader("req-2")),
		)(req)
	})
	client := &http.Client{Transport: clienttest.RefuseDials(1, mt)}
	for range 3 {
		resp, err := client.Post("https://vendor.test/base/v1/messages", "application/json", nil)
		if err != nil {
			fmt.Println("error:", err)
			continue
		}
		_ = resp.Body.Close()
		fmt.Println(resp.StatusCode, resp.Header.Get("X-Request-Id"), resp.Header.Get("Retry-After"))
	}
	// Output:
	// error: Post "https://vendor.test/base/v1/messages": dial tcp: connection refused
	// 429 req-1 5
	// 200 req-2
}
