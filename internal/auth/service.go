package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"

	"yingshang/internal/audit"
	"yingshang/internal/db"
)

// Service is identity and access: users, sessions, second factors, tokens, policy.
type Service struct {
	db    *db.DB
	audit *audit.Log
	now   func() time.Time
	cost  int
	// dummy is compared against when a login names no user, so the answer takes as long
	// as for a real one and reveals nothing.
	dummy []byte

	mu        sync.Mutex
	policy    Policy
	policyAt  time.Time
	policyTTL time.Duration

	tokens tokenCache
}

// Options tune the service; zero values take the defaults.
type Options struct {
	// BcryptCost defaults to bcrypt.DefaultCost; tests lower it.
	BcryptCost int
	// Now defaults to time.Now.
	Now func() time.Time
}

// NewService builds the service.
func NewService(d *db.DB, a *audit.Log, o Options) *Service {
	if o.BcryptCost == 0 {
		o.BcryptCost = bcrypt.DefaultCost
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	dummy, _ := bcrypt.GenerateFromPassword([]byte("no such user, no such password"), o.BcryptCost)
	return &Service{db: d, audit: a, now: o.Now, cost: o.BcryptCost, dummy: dummy, policyTTL: 10 * time.Second}
}

// Policy returns the current policy, cached for a few seconds (several processes share the
// database, so a change reaches the others within the TTL).
func (s *Service) Policy(ctx context.Context) Policy {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.policyAt.IsZero() && s.now().Sub(s.policyAt) < s.policyTTL {
		return s.policy
	}
	p, err := LoadPolicy(ctx, s.db)
	if err != nil {
		p = DefaultPolicy()
	}
	s.policy, s.policyAt = p, s.now()
	return p
}

// SetPolicy stores a new policy (security administrator).
func (s *Service) SetPolicy(ctx context.Context, a Actor, p Policy) error {
	if !a.Can(PermPolicyManage) && !a.IsSystem() {
		return forbidden()
	}
	if err := p.Validate(); err != nil {
		return err
	}
	old := s.Policy(ctx)
	err := s.db.WithTx(ctx, func(ctx context.Context) error {
		if err := savePolicy(ctx, s.db, p, a.UserID, s.now()); err != nil {
			return err
		}
		return s.audit.Record(ctx, a, "policy.update", "policy", "auth", audit.Change{Before: old, After: p})
	})
	if err == nil {
		s.mu.Lock()
		s.policy, s.policyAt = p, s.now()
		s.mu.Unlock()
	}
	return err
}

func newSecret() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func hashSecret(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}
