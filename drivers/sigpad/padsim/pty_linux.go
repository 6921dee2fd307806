package padsim

import (
	"fmt"
	"os"
	"syscall"
	"unsafe"
)

// openPTY opens a pseudo-terminal pair. The slave is put in raw mode (no
// echo, no line editing, 8 bits) so that bytes pass unchanged before the
// driver opens it; the caller keeps it open so the master never reads EIO
// while the driver reopens its end.
func openPTY() (master, slave *os.File, name string, err error) {
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, nil, "", fmt.Errorf("padsim: open /dev/ptmx: %w", err)
	}
	var n uint32
	var ierr error
	rc, err := m.SyscallConn()
	if err == nil {
		err = rc.Control(func(fd uintptr) {
			var unlock int32
			if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); e != 0 {
				ierr = fmt.Errorf("unlock: %w", e)
				return
			}
			if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCGPTN, uintptr(unsafe.Pointer(&n))); e != 0 {
				ierr = fmt.Errorf("pts number: %w", e)
			}
		})
	}
	if err == nil {
		err = ierr
	}
	if err != nil {
		m.Close()
		return nil, nil, "", fmt.Errorf("padsim: pty: %w", err)
	}
	name = fmt.Sprintf("/dev/pts/%d", n)
	s, err := os.OpenFile(name, os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		m.Close()
		return nil, nil, "", fmt.Errorf("padsim: open %s: %w", name, err)
	}
	if err := makeRaw(s); err != nil {
		m.Close()
		s.Close()
		return nil, nil, "", fmt.Errorf("padsim: raw mode on %s: %w", name, err)
	}
	return m, s, name, nil
}

func makeRaw(f *os.File) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var ierr error
	err = rc.Control(func(fd uintptr) {
		var t syscall.Termios
		if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TCGETS, uintptr(unsafe.Pointer(&t))); e != 0 {
			ierr = e
			return
		}
		// cfmakeraw
		t.Iflag &^= syscall.IGNBRK | syscall.BRKINT | syscall.PARMRK | syscall.ISTRIP | syscall.INLCR | syscall.IGNCR | syscall.ICRNL | syscall.IXON
		t.Oflag &^= syscall.OPOST
		t.Lflag &^= syscall.ECHO | syscall.ECHONL | syscall.ICANON | syscall.ISIG | syscall.IEXTEN
		t.Cflag &^= syscall.CSIZE | syscall.PARENB
		t.Cflag |= syscall.CS8
		t.Cc[syscall.VMIN], t.Cc[syscall.VTIME] = 1, 0
		if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TCSETS, uintptr(unsafe.Pointer(&t))); e != 0 {
			ierr = e
		}
	})
	if err != nil {
		return err
	}
	return ierr
}
