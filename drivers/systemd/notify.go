package systemd

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hbzk/kiosk/device/clock"
)

// The notifications the kiosk sends.
const (
	Ready    = "READY=1"
	Stopping = "STOPPING=1"
	Alive    = "WATCHDOG=1"
)

// Status is a STATUS= notification; newlines become spaces.
func Status(text string) string {
	return "STATUS=" + strings.NewReplacer("\n", " ", "\r", " ").Replace(text)
}

// Notifier sends notifications to one socket. A nil *Notifier sends
// nothing: that is what FromEnv returns outside systemd.
type Notifier struct {
	socket string
}

// FromEnv returns the notifier of NOTIFY_SOCKET, nil when it is unset.
func FromEnv() *Notifier { return New(os.Getenv("NOTIFY_SOCKET")) }

// New returns a notifier for a socket address ("/run/systemd/notify" or
// "@abstract"), nil for "".
func New(socket string) *Notifier {
	if socket == "" {
		return nil
	}
	return &Notifier{socket: socket}
}

// Enabled reports whether notifications go anywhere.
func (n *Notifier) Enabled() bool { return n != nil }

// Notify sends the states in one datagram. Without a socket it does
// nothing and returns nil.
func (n *Notifier) Notify(states ...string) error {
	if n == nil || len(states) == 0 {
		return nil
	}
	for _, s := range states {
		if !strings.Contains(s, "=") || strings.Contains(s, "\n") {
			return fmt.Errorf("systemd: notify %q: want one VARIABLE=value line", s)
		}
	}
	conn, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: n.socket, Net: "unixgram"})
	if err != nil {
		return fmt.Errorf("systemd: notify socket %s: %w", n.socket, err)
	}
	defer conn.Close()
	msg := strings.Join(states, "\n") + "\n"
	if _, err := conn.Write([]byte(msg)); err != nil {
		return fmt.Errorf("systemd: notify %s: %w", n.socket, err)
	}
	return nil
}

// Notify sends states to NOTIFY_SOCKET; a no-op outside systemd.
func Notify(states ...string) error { return FromEnv().Notify(states...) }

// ErrWatchdogEnv: WATCHDOG_USEC or WATCHDOG_PID is not a number.
var ErrWatchdogEnv = errors.New("systemd: bad watchdog environment")

// WatchdogTimeout reads WATCHDOG_USEC and WATCHDOG_PID as systemd sets
// them. It returns 0 when the watchdog is off: WATCHDOG_USEC unset, or
// WATCHDOG_PID naming another process than pid.
func WatchdogTimeout(usec, wpid string, pid int) (time.Duration, error) {
	if usec == "" {
		return 0, nil
	}
	us, err := strconv.ParseUint(usec, 10, 63)
	if err != nil || us == 0 {
		return 0, fmt.Errorf("%w: WATCHDOG_USEC=%q: want a positive number of microseconds", ErrWatchdogEnv, usec)
	}
	if us > uint64(1<<63-1)/uint64(time.Microsecond) {
		return 0, fmt.Errorf("%w: WATCHDOG_USEC=%q: too large", ErrWatchdogEnv, usec)
	}
	if wpid != "" {
		p, err := strconv.Atoi(wpid)
		if err != nil || p <= 0 {
			return 0, fmt.Errorf("%w: WATCHDOG_PID=%q: want a process id", ErrWatchdogEnv, wpid)
		}
		if p != pid {
			return 0, nil
		}
	}
	return time.Duration(us) * time.Microsecond, nil
}

// Watchdog sends WATCHDOG=1 at most every Interval (half the unit's
// WatchdogSec). Call Ping from every turn of the main loop; a nil
// *Watchdog, or one with the watchdog off, does nothing.
type Watchdog struct {
	n        *Notifier
	clk      clock.Clock
	interval time.Duration

	mu   sync.Mutex
	last time.Time
	sent bool
}

// NewWatchdog reads the watchdog timeout from the environment. It returns
// a watchdog whose Ping does nothing when there is no notify socket or no
// watchdog.
func NewWatchdog(n *Notifier, clk clock.Clock) (*Watchdog, error) {
	timeout, err := WatchdogTimeout(os.Getenv("WATCHDOG_USEC"), os.Getenv("WATCHDOG_PID"), os.Getpid())
	if err != nil {
		return nil, err
	}
	return NewWatchdogTimeout(n, clk, timeout), nil
}

// NewWatchdogTimeout makes a watchdog for a known timeout (0: off).
func NewWatchdogTimeout(n *Notifier, clk clock.Clock, timeout time.Duration) *Watchdog {
	if clk == nil {
		clk = clock.Real{}
	}
	return &Watchdog{n: n, clk: clk, interval: timeout / 2}
}

// Enabled reports whether systemd expects pings.
func (w *Watchdog) Enabled() bool { return w != nil && w.n != nil && w.interval > 0 }

// Interval is how often the main loop must call Ping at least: half the
// timeout; 0 when the watchdog is off.
func (w *Watchdog) Interval() time.Duration {
	if !w.Enabled() {
		return 0
	}
	return w.interval
}

// Ping sends WATCHDOG=1 if Interval has passed since the last one sent
// (the first call always sends). It reports whether it sent.
func (w *Watchdog) Ping() (bool, error) {
	if !w.Enabled() {
		return false, nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.clk.Now()
	if w.sent && now.Sub(w.last) < w.interval {
		return false, nil
	}
	if err := w.n.Notify(Alive); err != nil {
		return false, err
	}
	w.last, w.sent = now, true
	return true, nil
}
