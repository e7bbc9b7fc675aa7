package app_test

import (
	"yingshang/internal/audit"
	"yingshang/internal/db"
)

func auditLog(d *db.DB) *audit.Log { return audit.New(d, nil) }
