package selftest

import (
	"fmt"
	"syscall"
)

// Statfs returns the size and the free space (to unprivileged users) of
// the file system holding path.
func Statfs(path string) (DiskUsage, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(path, &st); err != nil {
		return DiskUsage{}, fmt.Errorf("selftest: statfs %s: %w", path, err)
	}
	bs := uint64(st.Bsize)
	return DiskUsage{Total: st.Blocks * bs, Free: st.Bavail * bs}, nil
}
