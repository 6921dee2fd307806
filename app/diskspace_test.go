package app

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/hbzk/kiosk/device/clock/clocktest"
	"github.com/hbzk/kiosk/device/flow"
	"github.com/hbzk/kiosk/ui"
)

func TestFreeBytes(t *testing.T) {
	if n, err := freeBytes(t.TempDir()); err != nil || n == 0 {
		t.Errorf("freeBytes(tempdir) = %d, %v", n, err)
	}
	if _, err := freeBytes("/nonexistent/state"); err == nil {
		t.Error("no error for a missing folder")
	}
}

// A disk that fills puts the kiosk out of service before a session can
// start, and it comes back by itself when space is freed; an unreadable
// state folder counts as full.
func TestDiskWatch(t *testing.T) {
	clk := clocktest.New(time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC))
	var mu sync.Mutex
	free, ferr := uint64(1<<30), error(nil)
	events := make(chan flow.Event, 8)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		diskWatch(clk, func() (uint64, error) { mu.Lock(); defer mu.Unlock(); return free, ferr }, MinFreeBytes)(ctx, func(ev flow.Event) { events <- ev })
	}()
	set := func(n uint64, err error) {
		mu.Lock()
		free, ferr = n, err
		mu.Unlock()
	}
	step := func() {
		t.Helper()
		for clk.Pending() == 0 {
			runtime.Gosched() // until the watcher has armed its timer
		}
		clk.Advance(DiskCheckEvery)
	}
	expect := func(wantErr bool) {
		t.Helper()
		select {
		case ev := <-events:
			f, ok := ev.(flow.DeviceFault)
			if !ok || f.Device != ui.DeviceStorage || (f.Err != "") != wantErr || (wantErr && f.Code != "E-DISK") {
				t.Fatalf("event %#v, want a storage fault=%v", ev, wantErr)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("no event")
		}
	}
	step() // plenty of space: nothing
	set(MinFreeBytes-1, nil)
	step()
	expect(true)
	step() // still full: no second fault
	set(MinFreeBytes, nil)
	step()
	expect(false)
	set(0, errors.New("statfs: input/output error"))
	step()
	expect(true)
	cancel()
	<-done
	select {
	case ev := <-events:
		t.Errorf("unexpected event %#v", ev)
	default:
	}

	// The flow: the fault is out of service, the recovery back to attract.
	m := flow.New(flow.Settings{TechPIN: "2580"}, "zh", clk, nil, nil)
	m.Handle(flow.DeviceFault{Device: ui.DeviceStorage, Err: "full", Code: "E-DISK"})
	if st := m.State(); st.Step != flow.OutOfService || st.FaultCode != "E-DISK" {
		t.Fatalf("after the fault: %v %q", st.Step, st.FaultCode)
	}
	m.Handle(flow.DeviceFault{Device: ui.DeviceStorage})
	if st := m.State(); st.Step != flow.Attract {
		t.Fatalf("after the recovery: %v", st.Step)
	}
}
