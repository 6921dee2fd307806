package app

import (
	"context"
	"fmt"
	"syscall"
	"time"

	"github.com/hbzk/kiosk/device/clock"
	"github.com/hbzk/kiosk/device/flow"
	"github.com/hbzk/kiosk/ui"
)

// MinFreeBytes is the free space the state folder must keep for the kiosk
// to start a session: room for several whole records (about 150 KB each,
// more with the clip), the store's write-ahead log and its checkpoints, and
// the audit log, with a wide margin. Below it the kiosk is out of service
// ("storage"), so that no candidate goes through a session that cannot be
// saved; it comes back by itself when space is freed.
const MinFreeBytes = 64 << 20

// DiskCheckEvery is how often the free space is looked at.
const DiskCheckEvery = 30 * time.Second

// freeBytes is the space an unprivileged writer can still use in dir.
func freeBytes(dir string) (uint64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, fmt.Errorf("app: free space of the state folder: %w", err)
	}
	return st.Bavail * uint64(st.Bsize), nil
}

// diskWatch checks free space at once and then every DiskCheckEvery on clk,
// posting a "storage" DeviceFault when it falls below min (or cannot be
// read) and its recovery when it is back. free is freeBytes in the kiosk.
func diskWatch(clk clock.Clock, free func() (uint64, error), min uint64) func(ctx context.Context, post func(flow.Event)) {
	return func(ctx context.Context, post func(flow.Event)) {
		faulted := false
		for {
			n, err := free()
			switch {
			case err == nil && n >= min:
				if faulted {
					post(flow.DeviceFault{Device: ui.DeviceStorage})
					faulted = false
				}
			case !faulted:
				msg := fmt.Sprintf("free space %d MB, below the %d MB a session needs", n>>20, min>>20)
				if err != nil {
					msg = err.Error()
				}
				post(flow.DeviceFault{Device: ui.DeviceStorage, Err: msg, Code: "E-DISK"})
				faulted = true
			}
			select {
			case <-ctx.Done():
				return
			case <-clk.After(DiskCheckEvery):
			}
		}
	}
}
