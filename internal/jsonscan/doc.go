// Package jsonscan answers two questions about raw JSON bytes without
// decoding them: what kind of value they start with, and whether they nest
// arrays and objects deeper than a decoder should be asked to recurse. The
// vendor packages' webhook parsers ask both before they decode a body, so
// that an error can name what a payload is ("want a JSON object, got
// array") and a hostile body cannot make the decoder recurse without bound.
//
// Nothing here validates JSON: the decoder does that afterwards.
package jsonscan
