// Package clienttest holds what the vendor packages' tests share
// (altabots, certainly, moveo, munin): a vendor API on an httpmock
// transport that records every request (Mock), responders that answer
// like the vendor (Answer, JSONHeader, InTurn, BrokenConnection), checks
// of a recorded request (AssertRequest, JSONCall) and of an *APIError
// (AssertAPIError), a check that a secret is never printed
// (AssertNotPrinted), a transport whose first dials are refused
// (RefuseDials), and the loops of handler and parser benchmarks
// (BenchServe, BenchParse).
//
// It is a test helper in a non-test file so that every package's tests
// can import it; only _test.go files should, so that it never reaches a
// program's build. Each vendor package keeps its fixtures (keys, base URL,
// paths) and the few lines that say what its calls carry, and hands the
// rest to this package, so that a fix to the recording or to a check
// lands once.
//
// # A mock under a non-root base path
//
// The clients are built with a base URL that has a path (".../base/"), and
// a Mock routes full paths from its host on ("/base/v1/..."), so that a
// request built from an absolute path misses every route and fails the
// test:
//
//	m := clienttest.NewMock(t, "https://moveo.test", `{"error_code":"no_route"}`)
//	m.On(http.MethodPost, "/base/v1/custom/x/sessions", clienttest.Answer(200, `{}`, clienttest.JSONHeader("req-1")))
//	c, _ := moveo.NewClient(key, "x", moveo.WithBaseURL("https://moveo.test/base/"), moveo.WithHTTPClient(m.HTTPClient()))
//	// ... call c ...
//	clienttest.AssertRequest(t, m.Only(), clienttest.Expect{Method: http.MethodPost, Path: "/base/v1/custom/x/sessions"})
//
// Nothing is activated globally (httpmock.Activate is never called), so
// tests that use a Mock run in parallel.
package clienttest
