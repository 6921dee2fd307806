package sam

import (
	"fmt"

	"github.com/hbzk/kiosk/device/idcard"
)

// Status is an answer's SW3 byte.
type Status byte

// The status codes of SW3.
const (
	StatusOK              Status = 0x90
	StatusCardFound       Status = 0x9F
	StatusFindFailed      Status = 0x80
	StatusSelectFailed    Status = 0x81
	StatusChecksum        Status = 0x10
	StatusLength          Status = 0x11
	StatusCommand         Status = 0x21
	StatusUnauthorised    Status = 0x23
	StatusUnknownError    Status = 0x24
	StatusAuthSAMCard     Status = 0x31
	StatusAuthCardSAM     Status = 0x32
	StatusAuthInfo        Status = 0x33
	StatusUnknownCard     Status = 0x40
	StatusReadFailed      Status = 0x41
	StatusRandom          Status = 0x47
	StatusSAMSelfTest     Status = 0x60
	StatusSAMUnauthorised Status = 0x66
	StatusNoContent       Status = 0x91
)

var statusNames = map[Status]string{
	StatusOK: "ok", StatusCardFound: "card found", StatusFindFailed: "find card failed",
	StatusSelectFailed: "select card failed", StatusChecksum: "checksum error (reader saw a bad request)",
	StatusLength: "length error", StatusCommand: "command error", StatusUnauthorised: "operation not authorised",
	StatusUnknownError: "unknown error", StatusAuthSAMCard: "card failed to authenticate the SAM",
	StatusAuthCardSAM: "SAM failed to authenticate the card", StatusAuthInfo: "information check failed",
	StatusUnknownCard: "unknown card type", StatusReadFailed: "read card failed",
	StatusRandom: "random number failed", StatusSAMSelfTest: "SAM self-test failed",
	StatusSAMUnauthorised: "SAM not authorised", StatusNoContent: "no content",
}

func (s Status) String() string {
	if n, ok := statusNames[s]; ok {
		return fmt.Sprintf("%02X %s", byte(s), n)
	}
	return fmt.Sprintf("%02X unknown status", byte(s))
}

// Kind is the idcard error a status stands for (nil for 90 and 9F).
func (s Status) Kind() error {
	switch s {
	case StatusOK, StatusCardFound:
		return nil
	case StatusFindFailed, StatusSelectFailed, StatusNoContent:
		return idcard.ErrNoCard
	case StatusReadFailed, StatusUnknownCard, StatusAuthSAMCard, StatusAuthCardSAM, StatusAuthInfo, StatusRandom:
		return idcard.ErrReadFailed
	case StatusUnauthorised, StatusSAMSelfTest, StatusSAMUnauthorised:
		return idcard.ErrSAMFault
	case StatusChecksum, StatusLength:
		return idcard.ErrFrame
	}
	return idcard.ErrReadFailed
}

// StatusError is a non-ok answer to a command; it wraps the idcard error of
// its status (Status.Kind).
type StatusError struct {
	Cmd, Para byte
	Status    Status
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("sam: command %02X %02X: %s: %v", e.Cmd, e.Para, e.Status, e.Status.Kind())
}

// Unwrap returns the idcard sentinel.
func (e *StatusError) Unwrap() error { return e.Status.Kind() }
