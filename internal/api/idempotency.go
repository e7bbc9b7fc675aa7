package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"yingshang/internal/apperr"
	"yingshang/internal/db"
)

func jsonEncoder(w io.Writer) *json.Encoder {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc
}

type bufferedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedResponse) Header() http.Header { return b.header }
func (b *bufferedResponse) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}
func (b *bufferedResponse) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}

// idempotent runs a creating handler so that a retry with the same Idempotency-Key gets
// the first answer and never creates twice. On PostgreSQL the key is claimed in the
// transaction that creates the object (db.OnFirstTx: its first statement), so the object
// and its key commit together or not at all, and the handler's answer is stored on the key
// right after. No transaction is held around the handler: a transaction held across its
// checks and answer kept the day's appeal-number counter locked, and every intake of every
// process waited for it (docs/quality.md, gate 6). SQLite: idempotentInTurn.
//
// A retry whose first attempt is still under way — or was cut off between its commit and
// the storing of its answer — gets 409 (error.idempotency_in_progress); a concurrent
// duplicate on PostgreSQL waits on the key's unique index, then gets the stored answer or,
// when it is not stored yet, the 409. Either way nothing is created twice.
func (s *Server) idempotent(w http.ResponseWriter, r *http.Request, h HandlerFunc) error {
	key := r.Header.Get("Idempotency-Key")
	if len(key) > 200 {
		return apperr.Invalid("Idempotency-Key", "error.too_long", "Max", 200)
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	sum := sha256.Sum256(append([]byte(r.Method+" "+r.URL.Path+"\n"), body...))
	reqHash := hex.EncodeToString(sum[:])
	a := actorOf(r)
	if done, err := s.replayKey(w, r, a.UserID, key, reqHash); done || err != nil {
		return err
	}
	if s.DB.Engine == db.SQLite {
		for attempt := 1; ; attempt++ {
			r.Body = io.NopCloser(bytes.NewReader(body))
			redo, err := s.idempotentInTurn(w, r, h, a.UserID, key, reqHash, attempt < maxTurnAttempts)
			if !redo {
				return err
			}
		}
	}
	taken := false // another request holds the key
	ctx, claim := db.OnFirstTx(r.Context(), func(ctx context.Context) error {
		_, err := s.DB.Q(ctx).ExecContext(ctx, `INSERT INTO idempotency_keys (user_id, key, method, path, req_hash, status, body, created_at)
			VALUES ($1, $2, $3, $4, $5, 0, '', $6)`, a.UserID, key, r.Method, r.URL.Path, reqHash, db.Millis(s.Now()))
		taken = db.IsUniqueViolation(err)
		return err
	})
	rec := &bufferedResponse{header: http.Header{}}
	herr := h(rec, r.WithContext(ctx))
	switch {
	case taken && !claim.Committed():
		// A request with this key committed first: its answer, or 409 while it is pending.
		if done, err := s.replayKey(w, r, a.UserID, key, reqHash); done || err != nil {
			return err
		}
		return apperr.New(apperr.ErrConflict, "error.idempotency_in_progress")
	case herr != nil:
		return herr
	}
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	if claim.Committed() {
		// Stored outside the creating transaction: should this fail, a retry gets 409,
		// never a second object. One statement, committed on its own: no BEGIN and COMMIT
		// around it, two round trips fewer for every keyed intake.
		_, err = s.DB.W.ExecContext(context.WithoutCancel(r.Context()), `UPDATE idempotency_keys SET status = $1, body = $2 WHERE user_id = $3 AND key = $4`,
			rec.status, rec.body.String(), a.UserID, key)
		if err != nil {
			s.Logger.Warn("idempotency: store the answer", "key", key, "err", err)
		}
	}
	copyResponse(w, rec)
	return nil
}

// storeKeySQL stores a key with its answer, in the transaction that made the object
// (SQLite; prepared once: parsing it was 15 µs of every keyed intake's turn as the writer).
const storeKeySQL = `INSERT INTO idempotency_keys (user_id, key, method, path, req_hash, status, body, created_at)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`

// idempotentInTurn is idempotent on SQLite: the handler's writes, its reading back and
// its answer share one transaction with the stored key (db.HoldTx), so the object and
// its key's answer commit together or not at all. SQLite has one writer, and a second
// transaction for the answer costs more than keeping the answer in the first: API intake
// at 200,000 appeals, three runs each, 2,123 / 2,060 / 1,902 appeals/s this way against
// 1,879 / 1,873 / 1,642 with the claim and a second transaction (docs/quality.md, gate
// 6). The transaction begins at the handler's first write, not before the handler: its
// decoding and checks do not hold the writer's turn (BenchmarkAPIIntake). PostgreSQL has
// no such single writer, and there a transaction held around the handler kept the day's
// number counter locked.
//
// The request is redoable (db.Held.Redoable) while attempt < maxTurnAttempts: its answer
// waits in a buffer until the commit, and all else it does is in the transaction, so when
// its group is rolled back for another caller's failure (db.ErrRedo) it reports redo and
// runs again from the start; the last attempt takes a savepoint of its own and is not
// rolled back for others.
func (s *Server) idempotentInTurn(w http.ResponseWriter, r *http.Request, h HandlerFunc, userID int64, key, reqHash string, redoable bool) (redo bool, err error) {
	rec := &bufferedResponse{header: http.Header{}}
	ctx, held := s.DB.HoldTx(r.Context())
	if redoable {
		held.Redoable()
	}
	defer held.Abort() // a panicking handler releases the writer
	if herr := h(rec, r.WithContext(ctx)); herr != nil {
		return false, herr
	}
	if rec.status < 200 || rec.status > 299 {
		held.Abort()
		copyResponse(w, rec)
		return false, nil
	}
	err = held.End(r.Context(), func(ctx context.Context) error {
		_, err := s.prep.Exec(ctx, storeKeySQL, userID, key, r.Method, r.URL.Path, reqHash, rec.status, rec.body.String(), db.Millis(s.Now()))
		return err
	})
	switch {
	case errors.Is(err, db.ErrRedo):
		return true, nil
	case db.IsUniqueViolation(err):
		// A request with this key committed first (it shared the group commit).
		if done, err := s.replayKey(w, r, userID, key, reqHash); done || err != nil {
			return false, err
		}
		return false, apperr.New(apperr.ErrConflict, "error.idempotency_in_progress")
	case err != nil:
		return false, err
	}
	copyResponse(w, rec)
	return false, nil
}

// maxTurnAttempts bounds how often a keyed request runs (idempotentInTurn).
const maxTurnAttempts = 3

// replayKey answers from a stored key: the first answer (Idempotent-Replayed), 422 for the
// key used with another request, 409 while the first request is under way. done is false
// when the key is not stored.
func (s *Server) replayKey(w http.ResponseWriter, r *http.Request, userID int64, key, reqHash string) (done bool, err error) {
	var storedHash, storedBody string
	var status int
	err = s.DB.RQ(r.Context()).QueryRowContext(r.Context(), `SELECT req_hash, status, body FROM idempotency_keys WHERE user_id = $1 AND key = $2`, userID, key).
		Scan(&storedHash, &status, &storedBody)
	switch {
	case db.IsNoRows(err):
		return false, nil
	case err != nil:
		return false, err
	case storedHash != reqHash:
		return true, apperr.New(apperr.ErrInvalid, "error.idempotency_mismatch")
	case status == 0:
		return true, apperr.New(apperr.ErrConflict, "error.idempotency_in_progress")
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Idempotent-Replayed", "true")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(storedBody))
	return true, nil
}

func copyResponse(w http.ResponseWriter, rec *bufferedResponse) {
	for k, v := range rec.header {
		w.Header()[k] = v
	}
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	w.WriteHeader(rec.status)
	_, _ = w.Write(rec.body.Bytes())
}
