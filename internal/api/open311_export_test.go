package api

// SetOpen311Max lowers the cap of GET requests for a test; the returned func restores it.
func SetOpen311Max(n int) (restore func()) {
	old := o311MaxRequests
	o311MaxRequests = n
	return func() { o311MaxRequests = old }
}
