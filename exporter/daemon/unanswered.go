package daemon

import (
	"slices"
	"strings"
	"sync"
	"time"
)

// unanswered is what GitHub answered 404 for (an org's audit log, a
// request list), by key: each is left alone until a re-check interval has
// passed since that answer. The audit and request jobs each keep one.
type unanswered[T any] struct {
	mu sync.Mutex
	m  map[string]unansweredItem[T]
}

type unansweredItem[T any] struct {
	key       string
	item      T
	checkedAt time.Time
}

// due reports whether key should be asked now: always, unless GitHub
// answered 404 for it less than recheck before now.
func (u *unanswered[T]) due(key string, now time.Time, recheck time.Duration) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	m, ok := u.m[key]
	return !ok || now.Sub(m.checkedAt) >= recheck
}

// answered forgets key, which answered; it reports whether key had been
// unanswered.
func (u *unanswered[T]) answered(key string) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	_, was := u.m[key]
	delete(u.m, key)
	return was
}

// notFound records GitHub's 404 for key at now; it reports whether key
// was unanswered already.
func (u *unanswered[T]) notFound(key string, item T, now time.Time) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.m == nil {
		u.m = map[string]unansweredItem[T]{}
	}
	_, was := u.m[key]
	u.m[key] = unansweredItem[T]{key: key, item: item, checkedAt: now}
	return was
}

// has reports whether key is unanswered (a scrape's availability gauge).
func (u *unanswered[T]) has(key string) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	_, ok := u.m[key]
	return ok
}

// list is every unanswered item, sorted by key (/healthz).
func (u *unanswered[T]) list() []unansweredItem[T] {
	u.mu.Lock()
	defer u.mu.Unlock()
	out := make([]unansweredItem[T], 0, len(u.m))
	for _, m := range u.m {
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b unansweredItem[T]) int { return strings.Compare(a.key, b.key) })
	return out
}
