package jsonscan

import "bytes"

// Kind names the kind of the JSON value raw starts with, after any JSON
// white space: "object", "array", "string", "boolean", "null" or "number".
// It returns "" when raw is empty, all white space, or starts with a byte no
// JSON value starts with. It looks at that one byte only, so "nul" is a
// "null" and "{" an "object"; the decoder finds what is wrong after it.
func Kind(raw []byte) string {
	raw = TrimSpace(raw)
	if len(raw) == 0 {
		return ""
	}
	switch c := raw[0]; {
	case c == '{':
		return "object"
	case c == '[':
		return "array"
	case c == '"':
		return "string"
	case c == 't' || c == 'f':
		return "boolean"
	case c == 'n':
		return "null"
	case c == '-' || ('0' <= c && c <= '9'):
		return "number"
	}
	return ""
}

// TrimSpace returns raw without the JSON white space (space, tab, carriage
// return, line feed) it starts with.
func TrimSpace(raw []byte) []byte {
	for len(raw) > 0 && (raw[0] == ' ' || raw[0] == '\t' || raw[0] == '\r' || raw[0] == '\n') {
		raw = raw[1:]
	}
	return raw
}

// IsNull reports whether a raw value is absent (empty, as a missing field
// leaves a json.RawMessage) or the JSON null.
func IsNull(raw []byte) bool { return len(raw) == 0 || string(raw) == "null" }

// DeeperThan reports whether data nests arrays and objects more than limit
// levels deep, counting the brackets outside strings: `{"a":[1]}` is two
// levels deep, `"[[["` none. It reads data once at most and allocates
// nothing; a body with no more than limit brackets in all, the usual case,
// is answered by counting them.
//
// Decoders recurse once per level, and segmentio/encoding/json has no limit
// of its own: check a body from the network with DeeperThan before
// decoding it. The answer is exact for valid JSON, and for the valid part
// a decoder reads of invalid JSON before it stops at the fault.
func DeeperThan(data []byte, limit int) bool {
	if len(data) <= limit || bytes.Count(data, []byte{'{'})+bytes.Count(data, []byte{'['}) <= limit {
		return false
	}
	depth, inString := 0, false
	for i := 0; i < len(data); i++ {
		switch c := data[i]; {
		case inString:
			if c == '\\' {
				i++ // the escaped byte cannot end the string
			} else if c == '"' {
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			if depth++; depth > limit {
				return true
			}
		case c == '}' || c == ']':
			depth--
		}
	}
	return false
}
