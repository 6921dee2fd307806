package sam

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"time"

	"go.bug.st/serial"

	"github.com/hbzk/kiosk/device/hw"
	"github.com/hbzk/kiosk/device/idcard"
)

func init() {
	idcard.Backends.Register("sam", func(ctx context.Context, arg string, env hw.Env) (idcard.Reader, error) {
		path, o, err := ParseArg(arg)
		if err != nil {
			return nil, err
		}
		o.Clock, o.Log, o.Rand = env.Clock, env.Log, env.Rand
		return Open(env.Resolve(path), o)
	})
}

// ParseArg reads the "sam" scheme's argument: a serial device path,
// optionally followed by "?fingerprint=1" to read with 30 10.
func ParseArg(arg string) (string, ReaderOptions, error) {
	var o ReaderOptions
	path, query, _ := strings.Cut(arg, "?")
	if path == "" {
		return "", o, errors.New("sam: no serial device given (want sam:/dev/idreader)")
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return "", o, fmt.Errorf("sam: options %q: %w", query, err)
	}
	for k, v := range q {
		switch k {
		case "fingerprint":
			o.Fingerprint = v[0] == "1" || v[0] == "true"
		default:
			return "", o, fmt.Errorf("sam: unknown option %q (known: fingerprint)", k)
		}
	}
	return path, o, nil
}

// Open opens the reader on a serial device at 115200 8N1.
func Open(path string, o ReaderOptions) (*Reader, error) {
	return NewReader(func() (io.ReadWriteCloser, error) { return OpenPort(path) }, o)
}

// Port is a serial port that reports the device's disappearance: a USB
// serial adapter that is unplugged may leave reads returning nothing
// rather than an error, so a read that times out checks the device node.
type Port struct {
	serial.Port
	path string
}

// ReadTimeout is the serial read time-out: how often a blocked read looks
// whether the device node still exists.
const ReadTimeout = 500 * time.Millisecond

// OpenPort opens path at 115200 8N1.
func OpenPort(path string) (*Port, error) {
	p, err := serial.Open(path, &serial.Mode{BaudRate: 115200, DataBits: 8, Parity: serial.NoParity, StopBits: serial.OneStopBit})
	if err != nil {
		if errors.Is(err, os.ErrPermission) || strings.Contains(err.Error(), "permission") {
			return nil, fmt.Errorf("sam: opening %s: %w (try as root or install the kiosk's udev rules)", path, err)
		}
		return nil, fmt.Errorf("sam: opening %s: %w", path, err)
	}
	if err := p.SetReadTimeout(ReadTimeout); err != nil {
		p.Close()
		return nil, fmt.Errorf("sam: %s: read time-out: %w", path, err)
	}
	return &Port{Port: p, path: path}, nil
}

// Read reads from the port; a time-out with the device node gone is an
// error.
func (p *Port) Read(b []byte) (int, error) {
	for {
		n, err := p.Port.Read(b)
		if n > 0 || err != nil {
			return n, err
		}
		if _, err := os.Stat(p.path); err != nil {
			return 0, fmt.Errorf("sam: %s: device gone: %w", p.path, err)
		}
	}
}
