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
// the first answer and never creates twice. The key is looked up, the handler runs and the
// key is stored in ONE transaction: on SQLite the transaction is exclusive, on PostgreSQL
// a concurrent duplicate waits on the key's unique index and then rolls back everything
// it did, and answers with the stored result.
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
	var replay *bufferedResponse
	rec := &bufferedResponse{header: http.Header{}}
	var handlerErr error
	// A retry is answered from the readers, outside the writer's transaction; a retry that
	// races its first attempt loses on the key's uniqueness below and is answered then.
	var storedHash, storedBody string
	var status int
	err = s.DB.RQ(r.Context()).QueryRowContext(r.Context(), `SELECT req_hash, status, body FROM idempotency_keys WHERE user_id = $1 AND key = $2`, a.UserID, key).
		Scan(&storedHash, &status, &storedBody)
	switch {
	case err == nil:
		if storedHash != reqHash {
			return apperr.New(apperr.ErrInvalid, "error.idempotency_mismatch")
		}
		replay = &bufferedResponse{header: http.Header{}, status: status}
		replay.body.WriteString(storedBody)
	case !db.IsNoRows(err):
		return err
	}
	if replay == nil {
		err = s.DB.WithTx(r.Context(), func(ctx context.Context) error {
			handlerErr = h(rec, r.WithContext(ctx))
			if handlerErr != nil || rec.status < 200 || rec.status > 299 {
				return errRollback
			}
			_, err := s.DB.Q(ctx).ExecContext(ctx, `INSERT INTO idempotency_keys (user_id, key, method, path, req_hash, status, body, created_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, a.UserID, key, r.Method, r.URL.Path, reqHash, rec.status, rec.body.String(), db.Millis(s.Now()))
			return err
		})
	}
	switch {
	case err == errRollback:
		if handlerErr != nil {
			return handlerErr
		}
		copyResponse(w, rec)
		return nil
	case err != nil && db.IsUniqueViolation(err):
		// A concurrent request with the same key won: answer with its result.
		var status int
		var storedHash, storedBody string
		if qerr := s.DB.R.QueryRowContext(r.Context(), `SELECT req_hash, status, body FROM idempotency_keys WHERE user_id = $1 AND key = $2`, a.UserID, key).
			Scan(&storedHash, &status, &storedBody); qerr != nil {
			return apperr.New(apperr.ErrConflict, "error.idempotency_in_progress")
		}
		if storedHash != reqHash {
			return apperr.New(apperr.ErrInvalid, "error.idempotency_mismatch")
		}
		replay = &bufferedResponse{header: http.Header{}, status: status}
		replay.body.WriteString(storedBody)
	case err != nil:
		return err
	}
	if replay != nil {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Idempotent-Replayed", "true")
		w.WriteHeader(replay.status)
		_, _ = w.Write(replay.body.Bytes())
		return nil
	}
	copyResponse(w, rec)
	return nil
}

var errRollback = errors.New("idempotency: roll back")

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
