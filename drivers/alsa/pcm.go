package alsa

/*
#cgo pkg-config: alsa
#include <alsa/asoundlib.h>
#include <stdarg.h>

static void quiet(const char *file, int line, const char *function, int err, const char *fmt, ...) {}
static void kiosk_alsa_quiet(void) { snd_lib_error_set_handler(quiet); }

// kiosk_alsa_params sets the hardware parameters one by one and returns 0,
// or the negative error code with *step naming the parameter that failed.
static int kiosk_alsa_params(snd_pcm_t *h, unsigned int *rate, int resample,
		unsigned int *buffer_us, unsigned int *period_us, int *step,
		snd_pcm_uframes_t *period_frames) {
	snd_pcm_hw_params_t *p;
	int err, dir = 0;
	snd_pcm_hw_params_alloca(&p);
	*step = 0;
	if ((err = snd_pcm_hw_params_any(h, p)) < 0) return err;
	*step = 1;
	if ((err = snd_pcm_hw_params_set_rate_resample(h, p, resample)) < 0) return err;
	*step = 2;
	if ((err = snd_pcm_hw_params_set_access(h, p, SND_PCM_ACCESS_RW_INTERLEAVED)) < 0) return err;
	*step = 3;
	if ((err = snd_pcm_hw_params_set_format(h, p, SND_PCM_FORMAT_S16_LE)) < 0) return err;
	*step = 4;
	if ((err = snd_pcm_hw_params_set_channels(h, p, 1)) < 0) return err;
	*step = 5;
	if ((err = snd_pcm_hw_params_set_rate_near(h, p, rate, &dir)) < 0) return err;
	*step = 6;
	if ((err = snd_pcm_hw_params_set_buffer_time_near(h, p, buffer_us, &dir)) < 0) return err;
	*step = 7;
	if ((err = snd_pcm_hw_params_set_period_time_near(h, p, period_us, &dir)) < 0) return err;
	*step = 8;
	if ((err = snd_pcm_hw_params(h, p)) < 0) return err;
	snd_pcm_hw_params_get_period_size(p, period_frames, &dir);
	*step = 9;
	if ((err = snd_pcm_prepare(h)) < 0) return err;
	return 0;
}
*/
import "C"

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"syscall"
	"unsafe"
)

func init() { C.kiosk_alsa_quiet() }

// Direction is playback or capture.
type Direction int

const (
	Playback Direction = iota
	Capture
)

func (d Direction) String() string {
	if d == Capture {
		return "capture"
	}
	return "playback"
}

// steps name the hardware parameters kiosk_alsa_params sets, in order, and
// what to do when a device refuses one.
var steps = [...]struct{ what, hint string }{
	{"read its hardware parameters", "the device is not usable"},
	{"resampling", "use plughw: instead of hw:"},
	{"interleaved read/write access", "use plughw: instead of hw:"},
	{"16-bit signed little-endian samples", "the device does not take 16-bit samples: use plughw: to let ALSA convert"},
	{"mono", "the device does not take one channel: use plughw: (or default) to let ALSA mix down"},
	{"sample rate", "use plughw: to let ALSA resample"},
	{"buffer time", "the device refuses a 100 ms buffer"},
	{"period time", "the device refuses a 20 ms period"},
	{"the hardware parameters", "the device refuses this combination: use plughw: or default"},
	{"prepare", "the device could not be started"},
}

// ParamError is a hardware parameter the device refused.
type ParamError struct {
	Device string
	Dir    Direction
	// Param names the parameter ("mono", "sample rate").
	Param string
	Hint  string
	Err   error
}

func (e *ParamError) Error() string {
	return fmt.Sprintf("alsa: %s %q: setting %s: %v (%s)", e.Dir, e.Device, e.Param, e.Err, e.Hint)
}

func (e *ParamError) Unwrap() error { return e.Err }

// alsaErr turns a negative ALSA return code into an error: an errno when it
// is one (errors.Is(err, syscall.ENOENT) works), with ALSA's own text.
func alsaErr(code C.int) error {
	if code >= 0 {
		return nil
	}
	return &codeError{code: int(code), msg: C.GoString(C.snd_strerror(code))}
}

type codeError struct {
	code int
	msg  string
}

func (e *codeError) Error() string { return e.msg }

func (e *codeError) Unwrap() error {
	if e.code < 0 && -e.code < 4096 {
		return syscall.Errno(-e.code)
	}
	return nil
}

// openHint says what to do after snd_pcm_open failed.
func openHint(device string, err error) string {
	card := strings.HasPrefix(device, "hw:") || strings.HasPrefix(device, "plughw:")
	switch {
	case card && (errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOENT) || errors.Is(err, syscall.ENODEV)):
		return "no such card or device: `aplay -l` / `arecord -l` list the cards; is the USB audio adapter plugged in?"
	case errors.Is(err, syscall.EACCES), errors.Is(err, syscall.EPERM):
		return "try as root or add the kiosk user to the audio group"
	case errors.Is(err, syscall.EBUSY):
		return "another program holds the device: stop it, or use default (dmix/dsnoop) to share it"
	case errors.Is(err, syscall.ENOENT), errors.Is(err, syscall.ENODEV), errors.Is(err, syscall.ENXIO):
		return "no such sound device: `aplay -l` / `arecord -l` list the cards; is the USB audio adapter plugged in?"
	}
	return "`aplay -L` lists the device names ALSA knows"
}

// pcm is an open ALSA PCM.
type pcm struct {
	mu     sync.Mutex
	h      *C.snd_pcm_t
	name   string
	dir    Direction
	rate   int
	period int
}

// Config is what to open.
type Config struct {
	// Device is the ALSA device name ("default", "hw:1,0").
	Device string
	Dir    Direction
	// Rate is the sample rate asked for; the device may give another
	// (pcm.rate says which).
	Rate int
	// Resample lets ALSA resample when the device has no such rate.
	Resample bool
}

// open opens and configures a PCM.
func open(c Config) (*pcm, error) {
	if c.Device == "" {
		c.Device = "default"
	}
	if strings.ContainsRune(c.Device, 0) {
		return nil, fmt.Errorf("alsa: device name %q has a NUL byte", c.Device)
	}
	if c.Rate < 4000 || c.Rate > 192000 {
		return nil, fmt.Errorf("alsa: %s %q: sample rate %d Hz: want 4000..192000", c.Dir, c.Device, c.Rate)
	}
	name := C.CString(c.Device)
	defer C.free(unsafe.Pointer(name))
	stream := C.snd_pcm_stream_t(C.SND_PCM_STREAM_PLAYBACK)
	if c.Dir == Capture {
		stream = C.SND_PCM_STREAM_CAPTURE
	}
	var h *C.snd_pcm_t
	if err := alsaErr(C.snd_pcm_open(&h, name, stream, 0)); err != nil {
		return nil, fmt.Errorf("alsa: open %s %q: %w (%s)", c.Dir, c.Device, err, openHint(c.Device, err))
	}
	rate := C.uint(c.Rate)
	bufUS, perUS := C.uint(100000), C.uint(20000)
	var step C.int
	var period C.snd_pcm_uframes_t
	resample := C.int(0)
	if c.Resample {
		resample = 1
	}
	if code := C.kiosk_alsa_params(h, &rate, resample, &bufUS, &perUS, &step, &period); code < 0 {
		C.snd_pcm_close(h)
		s := steps[min(int(step), len(steps)-1)]
		return nil, &ParamError{Device: c.Device, Dir: c.Dir, Param: s.what, Hint: s.hint, Err: alsaErr(code)}
	}
	if period == 0 {
		period = C.snd_pcm_uframes_t(rate / 50)
	}
	return &pcm{h: h, name: c.Device, dir: c.Dir, rate: int(rate), period: int(period)}, nil
}

var errClosed = errors.New("closed")

// write writes samples; it returns the number written. An underrun is
// recovered from and the write goes on.
func (p *pcm) write(s []int16) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.h == nil {
		return 0, errClosed
	}
	if len(s) == 0 {
		return 0, nil
	}
	n := C.snd_pcm_writei(p.h, unsafe.Pointer(&s[0]), C.snd_pcm_uframes_t(len(s)))
	if n == -C.EPIPE || n == -C.ESTRPIPE || n == -C.EINTR {
		if err := alsaErr(C.snd_pcm_recover(p.h, C.int(n), 1)); err != nil {
			return 0, err
		}
		n = C.snd_pcm_writei(p.h, unsafe.Pointer(&s[0]), C.snd_pcm_uframes_t(len(s)))
	}
	if n < 0 {
		return 0, alsaErr(C.int(n))
	}
	return int(n), nil
}

// read reads up to len(s) samples; an overrun is recovered from.
func (p *pcm) read(s []int16) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.h == nil {
		return 0, errClosed
	}
	if len(s) == 0 {
		return 0, nil
	}
	n := C.snd_pcm_readi(p.h, unsafe.Pointer(&s[0]), C.snd_pcm_uframes_t(len(s)))
	if n == -C.EPIPE || n == -C.ESTRPIPE || n == -C.EINTR {
		if err := alsaErr(C.snd_pcm_recover(p.h, C.int(n), 1)); err != nil {
			return 0, err
		}
		n = C.snd_pcm_readi(p.h, unsafe.Pointer(&s[0]), C.snd_pcm_uframes_t(len(s)))
	}
	if n < 0 {
		return 0, alsaErr(C.int(n))
	}
	return int(n), nil
}

// delay is how many written samples are still to be played.
func (p *pcm) delay() (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.h == nil {
		return 0, errClosed
	}
	var d C.snd_pcm_sframes_t
	if err := alsaErr(C.snd_pcm_delay(p.h, &d)); err != nil {
		return 0, err
	}
	return max(int(d), 0), nil
}

// drop stops at once, throwing away what is buffered, and prepares for more.
func (p *pcm) drop() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.h == nil {
		return errClosed
	}
	C.snd_pcm_drop(p.h)
	return alsaErr(C.snd_pcm_prepare(p.h))
}

func (p *pcm) close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.h == nil {
		return nil
	}
	err := alsaErr(C.snd_pcm_close(p.h))
	p.h = nil
	return err
}
