package fakeserver

import "sync"

// RequestLog is a fake's log of the requests it received, R being the
// fake's own Request type. It is safe for concurrent use; the zero value
// is empty and ready.
type RequestLog[R any] struct {
	mu   sync.Mutex
	list []*R
}

// Append adds rec at the end of the log and returns it.
func (l *RequestLog[R]) Append(rec *R) *R {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.list = append(l.list, rec)
	return rec
}

// Update runs f, which changes a record already appended, under the log's
// lock.
func (l *RequestLog[R]) Update(f func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f()
}

// Snapshot returns a copy of every record made by clone, oldest first.
func (l *RequestLog[R]) Snapshot(clone func(*R) R) []R {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]R, len(l.list))
	for i, r := range l.list {
		out[i] = clone(r)
	}
	return out
}

// DeepCopyJSON copies a decoded JSON value, so that a snapshot or an event
// shares no map or slice with a fake's state. Values other than
// map[string]any and []any are returned as they are.
func DeepCopyJSON(x any) any {
	switch v := x.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = DeepCopyJSON(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = DeepCopyJSON(e)
		}
		return out
	}
	return x
}
