// Package sigserial opens the serial line of a signature pad (RS-232 or
// USB serial) with go.bug.st/serial, 8N1 at the protocol's baud rate, and
// turns the usual failures into errors that say what to do.
package sigserial

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"go.bug.st/serial"
)

// Open opens path at baud, 8 data bits, no parity, one stop bit, reads
// blocking until data comes (Close unblocks them).
func Open(path string, baud int) (serial.Port, error) {
	if path == "" {
		return nil, errors.New("sigserial: no device path (want e.g. /dev/sigpad)")
	}
	if _, err := os.Stat(path); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("sigserial: %s: no such device: is the pad plugged in (and the udev rule that names it installed)? %w", path, err)
		}
		return nil, fmt.Errorf("sigserial: %s: %w", path, err)
	}
	p, err := serial.Open(path, &serial.Mode{BaudRate: baud, DataBits: 8, Parity: serial.NoParity, StopBits: serial.OneStopBit})
	if err != nil {
		var pe *serial.PortError
		if errors.As(err, &pe) && pe.Code() == serial.PermissionDenied || errors.Is(err, fs.ErrPermission) {
			return nil, fmt.Errorf("sigserial: %s: permission denied: run as root or add the kiosk user to the dialout group (udev rule): %w", path, err)
		}
		if errors.As(err, &pe) && pe.Code() == serial.PortBusy {
			return nil, fmt.Errorf("sigserial: %s: busy: another program has the pad open: %w", path, err)
		}
		return nil, fmt.Errorf("sigserial: %s: %w", path, err)
	}
	return p, nil
}
