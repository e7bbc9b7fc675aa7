package appeal

import (
	"context"
	"sync"

	"yingshang/internal/auth"
)

// An appeal's page shows it in several parts — the appeal, its timeline, its parts,
// callbacks, extensions, attachments and the actions open to the viewer — and each part
// loads the appeal again to apply the viewer's scope: seven reads of one row for one page.
// Under a context from RememberSeen the appeals the actor may see are loaded and checked
// once; what is remembered lives as long as that context (one page), for that actor only.
type seenKey struct{}

type seenMemo struct {
	mu      sync.Mutex
	user    int64
	org     int64
	appeals map[int64]Appeal
}

// RememberSeen returns a context under which the appeals actor a may see, once loaded
// and checked, are not read again (an appeal's page). Changes made under it are not
// seen by it: use it for the reads that render one page, after any change.
func RememberSeen(ctx context.Context, a auth.Actor) context.Context {
	return context.WithValue(ctx, seenKey{}, &seenMemo{user: a.UserID, org: a.OrgID, appeals: map[int64]Appeal{}})
}

// memoFor returns ctx's memo when it was made for a.
func memoFor(ctx context.Context, a auth.Actor) *seenMemo {
	m, _ := ctx.Value(seenKey{}).(*seenMemo)
	if m == nil || m.user != a.UserID || m.org != a.OrgID || a.IsSystem() {
		return nil
	}
	return m
}

// get returns a copy of the remembered appeal id.
func (m *seenMemo) get(id int64) (Appeal, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ap, ok := m.appeals[id]
	return ap, ok
}

// put remembers ap as loaded and in the actor's scope (before any redaction).
func (m *seenMemo) put(ap Appeal) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.appeals[ap.ID] = ap
}
