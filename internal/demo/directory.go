package demo

import "context"

// loadDirectory writes enterprises, people, posts and chamber memberships. Until the
// directory holds enterprises, enterprise users belong to an organisation of kind
// enterprise created here with the enterprise's name.
func loadDirectory(ctx context.Context, s Services, l *Loaded, res *Result) error {
	return loadEnterprisesAsOrgs(ctx, s, l, res)
}
