package app

import (
	"context"

	"yingshang/internal/demo"
)

// LoadDemo loads the demo city through the application's services.
func (a *App) LoadDemo(ctx context.Context, o demo.Options) (demo.Result, *demo.Loaded, error) {
	return demo.Load(ctx, demo.Services{DB: a.DB, Auth: a.Auth, Directory: a.Directory, Liaison: a.Liaison, Log: a.Log}, o)
}
