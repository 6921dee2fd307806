package idcard

import (
	"context"
	"image"

	"github.com/hbzk/kiosk/device/hw"
)

// Reader is an ID card reader. Methods are not safe for concurrent use:
// one goroutine drives the reader.
type Reader interface {
	// WaitCard blocks until a card lies in the reader's field, ctx ends
	// (ctx.Err()) or the reader fails (ErrReaderGone, ErrSAMFault). A card
	// that was read must leave the field before WaitCard finds the next
	// one.
	WaitCard(ctx context.Context) error
	// Read reads the card WaitCard found. Errors: ErrNoCard,
	// ErrCardRemoved, ErrReadFailed, ErrSAMFault, ErrTimeout,
	// ErrReaderGone, or a *FieldError (ErrBadData) for chip data of no
	// known layout.
	Read(ctx context.Context) (*Card, error)
	// WaitRemoved blocks until no card lies in the field (the card that was
	// read has been taken away), or ctx ends.
	WaitRemoved(ctx context.Context) error
	// Close releases the reader and its port.
	Close() error
}

// SAM is implemented by readers whose security module can be queried
// (the technician's "kioskctl card sam").
type SAM interface {
	// SAMStatus asks the module for its status; nil when it is ready.
	SAMStatus(ctx context.Context) error
	// SAMID returns the module's identifier, "05.01-20101028-0000123456-1234567890".
	SAMID(ctx context.Context) (string, error)
}

// SimControl is implemented by simulated readers: the demo driver and the
// simulator control panel lay cards on the reader and take them away.
type SimControl interface {
	// Cards lists the simulated cards by label, in file order.
	Cards() []string
	// Lay puts card i (an index into Cards) on the reader; a card already
	// lying there is taken away first.
	Lay(i int) error
	// Remove takes the card away (a no-op when none lies there).
	Remove() error
	// Fault scripts a fault for the next exchanges; kind is one of
	// FaultKinds() ("none" clears it).
	Fault(kind string) error
	// FaultKinds lists the faults Fault accepts.
	FaultKinds() []string
}

// PhotoDecoder turns the chip's raw photo into an image (102x126). A Reader
// that knows its cards' photo format implements it too (the simulated
// reader does); otherwise the kiosk opens one from PhotoDecoders.
type PhotoDecoder interface {
	DecodePhoto(wlt []byte) (image.Image, error)
}

// PhotoWidth and PhotoHeight are the size of a decoded chip photo.
const (
	PhotoWidth  = 102
	PhotoHeight = 126
)

// Backends are the reader drivers by scheme: "sam" (serial device path),
// "sim" (cards TOML file, a simulated reader on a pty).
var Backends = hw.NewRegistry[Reader]("idcard")

// PhotoDecoders are the chip photo decoders by scheme: "sim" (the
// simulator's photo format), "wlt" (path of the vendor's libwlt2bmp.so).
var PhotoDecoders = hw.NewRegistry[PhotoDecoder]("wlt")
