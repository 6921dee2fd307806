package samsim

import (
	"fmt"
	"os"
	"syscall"
	"unsafe"
)

// PTY is a pseudo-terminal pair opened from Go: the simulator serves on
// Master, a driver opens SlavePath like a serial device. The simulator
// keeps a slave descriptor of its own open, so that the master does not see
// EIO while the driver closes and reopens its side.
type PTY struct {
	Master    *os.File
	SlavePath string
	hold      *os.File
}

func ioctl(f *os.File, req uintptr, arg unsafe.Pointer) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var errno syscall.Errno
	if err := rc.Control(func(fd uintptr) {
		_, _, errno = syscall.Syscall(syscall.SYS_IOCTL, fd, req, uintptr(arg))
	}); err != nil {
		return err
	}
	if errno != 0 {
		return errno
	}
	return nil
}

// OpenPTY opens /dev/ptmx, unlocks the slave and puts it in raw mode.
func OpenPTY() (*PTY, error) {
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, fmt.Errorf("samsim: opening a pty: %w", err)
	}
	var unlock int32
	if err := ioctl(m, syscall.TIOCSPTLCK, unsafe.Pointer(&unlock)); err != nil {
		m.Close()
		return nil, fmt.Errorf("samsim: unlocking the pty: %w", err)
	}
	var n uint32
	if err := ioctl(m, syscall.TIOCGPTN, unsafe.Pointer(&n)); err != nil {
		m.Close()
		return nil, fmt.Errorf("samsim: pty number: %w", err)
	}
	p := &PTY{Master: m, SlavePath: fmt.Sprintf("/dev/pts/%d", n)}
	p.hold, err = os.OpenFile(p.SlavePath, os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		m.Close()
		return nil, fmt.Errorf("samsim: opening %s: %w", p.SlavePath, err)
	}
	var t syscall.Termios
	if err := ioctl(p.hold, syscall.TCGETS, unsafe.Pointer(&t)); err != nil {
		p.Close()
		return nil, fmt.Errorf("samsim: pty settings: %w", err)
	}
	// cfmakeraw
	t.Iflag &^= syscall.IGNBRK | syscall.BRKINT | syscall.PARMRK | syscall.ISTRIP | syscall.INLCR | syscall.IGNCR | syscall.ICRNL | syscall.IXON
	t.Oflag &^= syscall.OPOST
	t.Lflag &^= syscall.ECHO | syscall.ECHONL | syscall.ICANON | syscall.ISIG | syscall.IEXTEN
	t.Cflag &^= syscall.CSIZE | syscall.PARENB
	t.Cflag |= syscall.CS8
	t.Cc[syscall.VMIN], t.Cc[syscall.VTIME] = 1, 0
	if err := ioctl(p.hold, syscall.TCSETS, unsafe.Pointer(&t)); err != nil {
		p.Close()
		return nil, fmt.Errorf("samsim: pty raw mode: %w", err)
	}
	return p, nil
}

// Read and Write go to the master side.
func (p *PTY) Read(b []byte) (int, error)  { return p.Master.Read(b) }
func (p *PTY) Write(b []byte) (int, error) { return p.Master.Write(b) }

// Close closes both sides.
func (p *PTY) Close() error {
	p.hold.Close()
	return p.Master.Close()
}
