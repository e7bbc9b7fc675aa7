package liaison

import (
	"errors"

	"yingshang/internal/apperr"
)

func isNotFound(err error) bool { return errors.Is(err, apperr.ErrNotFound) }

func isInvalid(err error) bool { return errors.Is(err, apperr.ErrInvalid) }
