package munintest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
)

// Munin validates input with zod 4 schemas. This file checks the same
// limits and reports problems the way zod does, so the fake's refusals read
// like Munin's: the widget routes put zod's issue list (pretty-printed JSON)
// after "invalid_widget_input: " (§2.1), MCP tools after "Invalid input: "
// (§5), and the REST DTO pipe turns the issues into "validation_failed:
// field: message; …" with fieldErrors (§1).

// issue is one zod issue: its own keys in zod's order, then path and
// message.
type issue struct {
	head    []attr
	path    []any
	message string
}

type attr struct {
	key   string
	value any
}

// MarshalJSON writes the issue's keys in zod's order.
func (is issue) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for _, a := range is.head {
		writeKV(&b, a.key, a.value)
		b.WriteByte(',')
	}
	path := is.path
	if path == nil {
		path = []any{}
	}
	writeKV(&b, "path", path)
	b.WriteByte(',')
	writeKV(&b, "message", is.message)
	b.WriteByte('}')
	return b.Bytes(), nil
}

func writeKV(b *bytes.Buffer, key string, value any) {
	k, _ := marshalJS(key)
	v, _ := marshalJS(value)
	b.Write(k)
	b.WriteByte(':')
	b.Write(v)
}

// validator collects issues while an input is read.
type validator struct{ issues []issue }

func (v *validator) ok() bool { return len(v.issues) == 0 }

func (v *validator) add(path []any, message string, head ...attr) {
	v.issues = append(v.issues, issue{head: head, path: path, message: message})
}

// zodJSON is zod's error.message: the issues as JSON indented by two.
func (v *validator) zodJSON() string {
	b, _ := marshalJS(v.issues)
	var out bytes.Buffer
	json.Indent(&out, b, "", "  ")
	return out.String()
}

// widgetError is the widget routes' refusal of a body (what is
// "invalid_widget_input") or a query ("invalid_widget_query").
func (v *validator) widgetError(what string) *apiError {
	return errForbidden(what + ": " + v.zodJSON())
}

// mcpError is the MCP dispatcher's refusal of tool arguments.
func (v *validator) mcpError() *apiError { return errBadRequest("Invalid input: " + v.zodJSON()) }

// restError is the REST DTO pipe's refusal (§1).
func (v *validator) restError() *apiError {
	fields := make([]fieldError, 0, len(v.issues))
	parts := make([]string, 0, len(v.issues))
	for _, is := range v.issues {
		f := fieldError{Field: joinPath(is.path), Message: is.message}
		fields = append(fields, f)
		if f.Field == "" {
			parts = append(parts, f.Message)
		} else {
			parts = append(parts, f.Field+": "+f.Message)
		}
	}
	return &apiError{status: 400, message: "validation_failed: " + strings.Join(parts, "; "), shape: shapeValidation, fields: fields}
}

func joinPath(path []any) string {
	parts := make([]string, len(path))
	for i, p := range path {
		parts[i] = fmt.Sprint(p)
	}
	return strings.Join(parts, ".")
}

func extend(path []any, elems ...any) []any {
	out := make([]any, 0, len(path)+len(elems))
	return append(append(out, path...), elems...)
}

// typeName is zod's name for the type of a decoded JSON value; missing is
// "undefined".
func typeName(x any, present bool) string {
	if !present {
		return "undefined"
	}
	switch x.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case json.Number, float64:
		return "number"
	case bool:
		return "boolean"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "unknown"
}

func (v *validator) invalidType(path []any, expected string, x any, present bool) {
	v.add(path, "Invalid input: expected "+expected+", received "+typeName(x, present),
		attr{"expected", expected}, attr{"code", "invalid_type"})
}

// decodeJSON reads a request body into generic JSON values. Numbers stay
// json.Number so integers are checked exactly.
func decodeJSON(body []byte) (any, bool) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var x any
	if err := dec.Decode(&x); err != nil {
		return nil, false
	}
	return x, true
}

// object is a JSON object being read, with its path for issues.
type object struct {
	v    *validator
	m    map[string]any
	path []any
}

// root reads a whole input that must be an object. A missing body is zod's
// "expected object, received undefined".
func (v *validator) root(x any, present bool) object {
	m, ok := x.(map[string]any)
	if !ok {
		v.invalidType(nil, "object", x, present)
	}
	return object{v: v, m: m, path: nil}
}

func (o object) get(key string) (any, bool) {
	if o.m == nil {
		return nil, false
	}
	x, ok := o.m[key]
	return x, ok
}

// has reports whether key is present (zod treats an explicit undefined as
// absent; JSON has none).
func (o object) has(key string) bool {
	_, ok := o.get(key)
	return ok
}

// strRule is one check on a string, run in order like zod's checks.
type strRule func(v *validator, path []any, s string)

// minLen is z.string().min(n), counted in UTF-16 units as JavaScript does.
func minLen(n int) strRule {
	return func(v *validator, path []any, s string) {
		if jsLen(s) < n {
			v.add(path, fmt.Sprintf("Too small: expected string to have >=%d characters", n),
				attr{"origin", "string"}, attr{"code", "too_small"}, attr{"minimum", n}, attr{"inclusive", true})
		}
	}
}

// maxLen is z.string().max(n).
func maxLen(n int) strRule {
	return func(v *validator, path []any, s string) {
		if jsLen(s) > n {
			v.add(path, fmt.Sprintf("Too big: expected string to have <=%d characters", n),
				attr{"origin", "string"}, attr{"code", "too_big"}, attr{"maximum", n}, attr{"inclusive", true})
		}
	}
}

// isEmail is z.string().email().
func isEmail() strRule {
	return func(v *validator, path []any, s string) {
		if !validEmail(s) {
			v.add(path, "Invalid email address", attr{"origin", "string"}, attr{"code", "invalid_format"}, attr{"format", "email"})
		}
	}
}

// isURL is z.string().url().
func isURL() strRule {
	return func(v *validator, path []any, s string) {
		if !validURL(s) {
			v.add(path, "Invalid URL", attr{"code", "invalid_format"}, attr{"format", "url"})
		}
	}
}

// isDatetime is z.string().datetime(): ISO 8601 in UTC with a "Z"; offsets
// are refused (§1).
func isDatetime() strRule {
	return func(v *validator, path []any, s string) {
		if _, ok := parseDatetime(s); !ok {
			v.add(path, "Invalid ISO datetime", attr{"origin", "string"}, attr{"code", "invalid_format"}, attr{"format", "datetime"})
		}
	}
}

// userHashPattern is the widget schemas' userHash rule (§2.2).
var userHashPattern = regexp.MustCompile(`^[0-9a-f]{64}$`)

// isUserHash is the widget schemas' userHash regex with its message.
func isUserHash() strRule {
	return func(v *validator, path []any, s string) {
		if !userHashPattern.MatchString(strings.ToLower(s)) {
			v.add(path, "userHash must be a 64-char hex sha256 digest",
				attr{"origin", "string"}, attr{"code", "invalid_format"}, attr{"format", "regex"}, attr{"pattern", "/^[0-9a-f]{64}$/i"})
		}
	}
}

// str reads a required string.
func (o object) str(key string, rules ...strRule) string {
	s, _ := o.readStr(key, true, rules)
	return s
}

// optStr reads an optional string; present is false when key is absent.
func (o object) optStr(key string, rules ...strRule) (s string, present bool) {
	return o.readStr(key, false, rules)
}

// nullableStr reads a string that may be null: isNull reports an explicit
// null. required says whether the key may be absent.
func (o object) nullableStr(key string, required bool, rules ...strRule) (s string, present, isNull bool) {
	x, ok := o.get(key)
	if ok && x == nil {
		return "", true, true
	}
	s, present = o.readStr(key, required, rules)
	return s, present, false
}

func (o object) readStr(key string, required bool, rules []strRule) (string, bool) {
	x, ok := o.get(key)
	path := extend(o.path, key)
	if !ok && !required {
		return "", false
	}
	s, isStr := x.(string)
	if !isStr {
		o.v.invalidType(path, "string", x, ok)
		return "", ok
	}
	for _, r := range rules {
		r(o.v, path, s)
	}
	return s, true
}

// optBool reads an optional boolean.
func (o object) optBool(key string) (b, present bool) {
	x, ok := o.get(key)
	if !ok {
		return false, false
	}
	b, isBool := x.(bool)
	if !isBool {
		o.v.invalidType(extend(o.path, key), "boolean", x, true)
	}
	return b, true
}

// optInt reads an optional z.number().int() with an exclusive lower bound
// (positive() is > 0) and an inclusive upper bound.
func (o object) optInt(key string, above, max int) (n int, present bool) {
	x, ok := o.get(key)
	if !ok {
		return 0, false
	}
	path := extend(o.path, key)
	num, isNum := x.(json.Number)
	if !isNum {
		o.v.invalidType(path, "number", x, true)
		return 0, true
	}
	i, err := strconv.Atoi(num.String())
	if err != nil {
		o.v.add(path, "Invalid input: expected int, received number", attr{"expected", "int"}, attr{"format", "safeint"}, attr{"code", "invalid_type"})
		return 0, true
	}
	if i <= above {
		o.v.add(path, fmt.Sprintf("Too small: expected number to be >%d", above),
			attr{"origin", "number"}, attr{"code", "too_small"}, attr{"minimum", above}, attr{"inclusive", false})
	}
	if i > max {
		o.v.add(path, fmt.Sprintf("Too big: expected number to be <=%d", max),
			attr{"origin", "number"}, attr{"code", "too_big"}, attr{"maximum", max}, attr{"inclusive", true})
	}
	return i, true
}

// enum reads z.enum(values); required says whether key may be absent.
func (o object) enum(key string, required bool, values ...string) (string, bool) {
	x, ok := o.get(key)
	if !ok && !required {
		return "", false
	}
	s, _ := x.(string)
	for _, want := range values {
		if ok && s == want {
			return s, true
		}
	}
	o.v.invalidValue(extend(o.path, key), values)
	return "", ok
}

// invalidValue is zod's invalid_value issue of a literal or an enum.
func (v *validator) invalidValue(path []any, values []string) {
	quoted := make([]string, len(values))
	for i, s := range values {
		quoted[i] = strconv.Quote(s)
	}
	msg := "Invalid input: expected " + quoted[0]
	if len(values) > 1 {
		msg = "Invalid option: expected one of " + strings.Join(quoted, "|")
	}
	v.add(path, msg, attr{"code", "invalid_value"}, attr{"values", values})
}

// optArray reads an optional array with item count limits; its items are
// returned for the caller to read with index paths.
func (o object) optArray(key string, minItems, maxItems int) ([]any, bool) {
	return o.readArray(key, false, minItems, maxItems)
}

// array reads a required array.
func (o object) array(key string, minItems, maxItems int) []any {
	a, _ := o.readArray(key, true, minItems, maxItems)
	return a
}

func (o object) readArray(key string, required bool, minItems, maxItems int) ([]any, bool) {
	x, ok := o.get(key)
	if !ok && !required {
		return nil, false
	}
	path := extend(o.path, key)
	a, isArr := x.([]any)
	if !isArr {
		o.v.invalidType(path, "array", x, ok)
		return nil, ok
	}
	if len(a) < minItems {
		o.v.add(path, fmt.Sprintf("Too small: expected array to have >=%d items", minItems),
			attr{"origin", "array"}, attr{"code", "too_small"}, attr{"minimum", minItems}, attr{"inclusive", true})
	}
	if maxItems >= 0 && len(a) > maxItems {
		o.v.add(path, fmt.Sprintf("Too big: expected array to have <=%d items", maxItems),
			attr{"origin", "array"}, attr{"code", "too_big"}, attr{"maximum", maxItems}, attr{"inclusive", true})
	}
	return a, true
}

// strings reads each item of a as a string with rules.
func (o object) strings(key string, items []any, rules ...strRule) []string {
	out := make([]string, 0, len(items))
	for i, x := range items {
		path := extend(o.path, key, i)
		s, ok := x.(string)
		if !ok {
			o.v.invalidType(path, "string", x, true)
			continue
		}
		for _, r := range rules {
			r(o.v, path, s)
		}
		out = append(out, s)
	}
	return out
}

// optObject reads an optional nested object.
func (o object) optObject(key string) (object, bool) {
	x, ok := o.get(key)
	if !ok {
		return object{v: o.v}, false
	}
	path := extend(o.path, key)
	m, isObj := x.(map[string]any)
	if !isObj {
		o.v.invalidType(path, "object", x, true)
		return object{v: o.v, path: path}, true
	}
	return object{v: o.v, m: m, path: path}, true
}

// item reads element i of an array (at key) as an object.
func (o object) item(key string, i int, x any) object {
	path := extend(o.path, key, i)
	m, ok := x.(map[string]any)
	if !ok {
		o.v.invalidType(path, "object", x, true)
	}
	return object{v: o.v, m: m, path: path}
}

// optRecord reads an optional z.record(z.string(), z.unknown()).
func (o object) optRecord(key string) (map[string]any, bool) {
	x, ok := o.get(key)
	if !ok {
		return nil, false
	}
	m, isObj := x.(map[string]any)
	if !isObj {
		o.v.invalidType(extend(o.path, key), "record", x, true)
	}
	return m, true
}

// jsLen is a string's length in UTF-16 code units, JavaScript's length.
func jsLen(s string) int {
	n := 0
	for _, r := range s {
		n += len(utf16.Encode([]rune{r}))
	}
	return n
}

// validEmail approximates zod's email pattern: one "@", a dot in the domain,
// no spaces.
func validEmail(s string) bool {
	if strings.ContainsAny(s, " \t\r\n") {
		return false
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	return at > 0 && strings.Contains(s[at+1:], ".")
}

// validURL is what new URL(s) accepts, roughly: an absolute URL with a
// scheme.
func validURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Scheme != "" && (u.Host != "" || u.Opaque != "")
}

// datetimePattern is zod 4's default ISO datetime: UTC "Z" only, seconds and
// fractions optional.
var datetimePattern = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z$`)

// parseDatetime reads a z.string().datetime() value, at JavaScript's
// millisecond precision.
func parseDatetime(s string) (time.Time, bool) {
	if !datetimePattern.MatchString(s) {
		return time.Time{}, false
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC().Truncate(time.Millisecond), true
		}
	}
	return time.Time{}, false
}
