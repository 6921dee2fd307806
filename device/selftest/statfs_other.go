//go:build !linux

package selftest

// Statfs is not implemented off Linux.
func Statfs(path string) (DiskUsage, error) { return DiskUsage{}, ErrNoDiskInfo }
