package systemd

import (
	"errors"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hbzk/kiosk/device/clock/clocktest"
)

// listen opens a notify socket as systemd does and returns its address and
// a function reading the next datagram (failing after a deadline).
func listen(t *testing.T, addr string) func() string {
	t.Helper()
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: addr, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return func() string {
		t.Helper()
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		buf := make([]byte, 4096)
		n, err := conn.Read(buf)
		if err != nil {
			t.Fatalf("no notification: %v", err)
		}
		return string(buf[:n])
	}
}

func TestNotifyOverUnixgram(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "notify")
	read := listen(t, sock)
	t.Setenv("NOTIFY_SOCKET", sock)
	if err := Notify(Ready, Status("serving\nkiosk 3")); err != nil {
		t.Fatal(err)
	}
	if got, want := read(), "READY=1\nSTATUS=serving kiosk 3\n"; got != want {
		t.Fatalf("datagram %q, want %q", got, want)
	}
	if err := Notify(Stopping); err != nil {
		t.Fatal(err)
	}
	if got := read(); got != "STOPPING=1\n" {
		t.Fatalf("datagram %q", got)
	}
}

func TestNotifyAbstractSocket(t *testing.T) {
	name := "@kiosk-test-" + strings.ReplaceAll(t.Name(), "/", "-") + time.Now().Format("150405.000000000")
	read := listen(t, name)
	if err := New(name).Notify(Ready); err != nil {
		t.Fatal(err)
	}
	if got := read(); got != "READY=1\n" {
		t.Fatalf("datagram %q", got)
	}
}

func TestNotifyWithoutSocketIsANoOp(t *testing.T) {
	t.Setenv("NOTIFY_SOCKET", "")
	if FromEnv().Enabled() {
		t.Fatal("enabled without NOTIFY_SOCKET")
	}
	if err := Notify(Ready); err != nil {
		t.Fatalf("Notify without a socket: %v", err)
	}
	w, err := NewWatchdog(FromEnv(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if sent, err := w.Ping(); sent || err != nil || w.Interval() != 0 {
		t.Fatalf("Ping without a socket: %v %v, interval %v", sent, err, w.Interval())
	}
}

func TestNotifyErrors(t *testing.T) {
	n := New(filepath.Join(t.TempDir(), "nobody-listens"))
	err := n.Notify(Ready)
	if err == nil || !strings.HasPrefix(err.Error(), "systemd: notify socket ") {
		t.Fatalf("no listener: %v", err)
	}
	for _, bad := range []string{"READY", "STATUS=a\nb"} {
		if err := n.Notify(bad); err == nil {
			t.Errorf("Notify(%q) accepted", bad)
		}
	}
}

var watchdogTests = []struct {
	usec, pid string
	want      time.Duration
	err       bool
}{
	{"", "", 0, false},
	{"30000000", "", 30 * time.Second, false},
	{"30000000", "4242", 30 * time.Second, false},
	{"30000000", "1", 0, false}, // for another process
	{"0", "", 0, true},
	{"-5", "", 0, true},
	{"30s", "", 0, true},
	{"18446744073709551615", "", 0, true},
	{"9223372036854776", "", 0, true},
	{"1000", "x", 0, true},
	{"1000", "0", 0, true},
}

func TestWatchdogTimeout(t *testing.T) {
	for _, tt := range watchdogTests {
		got, err := WatchdogTimeout(tt.usec, tt.pid, 4242)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("WatchdogTimeout(%q, %q) = %v, %v; want %v, error %v", tt.usec, tt.pid, got, err, tt.want, tt.err)
		}
		if err != nil && !errors.Is(err, ErrWatchdogEnv) {
			t.Errorf("%q: error %v is not ErrWatchdogEnv", tt.usec, err)
		}
	}
}

func FuzzWatchdogTimeout(f *testing.F) {
	for _, tt := range watchdogTests {
		f.Add(tt.usec, tt.pid)
	}
	f.Fuzz(func(t *testing.T, usec, pid string) {
		d, err := WatchdogTimeout(usec, pid, 4242)
		if err != nil {
			if d != 0 || !errors.Is(err, ErrWatchdogEnv) {
				t.Fatalf("%q %q: %v with %v", usec, pid, err, d)
			}
			return
		}
		if d < 0 {
			t.Fatalf("%q: negative timeout %v", usec, d)
		}
	})
}

func TestWatchdogPingsAtHalfTheTimeout(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "notify")
	read := listen(t, sock)
	t.Setenv("NOTIFY_SOCKET", sock)
	t.Setenv("WATCHDOG_USEC", "10000000") // WatchdogSec=10s
	t.Setenv("WATCHDOG_PID", "")
	clk := clocktest.New(time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC))
	w, err := NewWatchdog(FromEnv(), clk)
	if err != nil {
		t.Fatal(err)
	}
	if w.Interval() != 5*time.Second {
		t.Fatalf("interval %v, want 5s", w.Interval())
	}
	ping := func(want bool) {
		t.Helper()
		sent, err := w.Ping()
		if err != nil || sent != want {
			t.Fatalf("Ping at %v = %v, %v; want sent %v", clk.Now().Format("15:04:05.000"), sent, err, want)
		}
		if sent {
			if got := read(); got != "WATCHDOG=1\n" {
				t.Fatalf("datagram %q", got)
			}
		}
	}
	ping(true) // the first turn of the loop
	for i := 0; i < 4; i++ {
		clk.Advance(time.Second) // the loop turns every second
		ping(false)
	}
	clk.Advance(time.Second)
	ping(true) // 5 s since the last
	clk.Advance(4999 * time.Millisecond)
	ping(false)
	clk.Advance(time.Millisecond)
	ping(true)
}

func TestWatchdogBadEnvironment(t *testing.T) {
	t.Setenv("WATCHDOG_USEC", "soon")
	if _, err := NewWatchdog(New("/nonexistent"), nil); !errors.Is(err, ErrWatchdogEnv) {
		t.Fatalf("err %v", err)
	}
}
