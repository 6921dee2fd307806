package camera

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// Options are the settings a camera spec may carry after its path:
// "v4l2:/dev/video0?size=1280x720&fps=30&mjpg=1", "dir:frames?fps=10&loop=1".
type Options struct {
	// Width and Height request a frame size; 0 keeps the source's own.
	Width, Height int
	// FPS is the frame rate asked of a device, or the pace at which a file
	// or folder source delivers frames; 0 means the backend's default.
	FPS float64
	// MJPG asks a V4L2 device for MJPG, which most USB cameras need for
	// full frame rate at high resolutions.
	MJPG bool
	// Loop restarts a file or folder source at its end instead of ErrEnd.
	Loop bool
	// Step makes a simulated, file or folder source deliver every frame,
	// stamped at its place in the schedule, however slowly they are read
	// (see NewStepPacer): a test's analysis then sees the same frames on a
	// busy machine as on an idle one. Devices ignore it.
	Step bool
}

// ErrBadSpec is wrapped by errors about a camera argument.
var ErrBadSpec = errors.New("bad camera argument")

// ParseArg splits a camera argument into its path and options. Unknown
// option keys and malformed values are errors.
func ParseArg(arg string) (string, Options, error) {
	var o Options
	path, query, _ := strings.Cut(arg, "?")
	if query == "" {
		return path, o, nil
	}
	for _, kv := range strings.Split(query, "&") {
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		k, err1 := url.QueryUnescape(k)
		v, err2 := url.QueryUnescape(v)
		if err := errors.Join(err1, err2); err != nil {
			return "", o, fmt.Errorf("camera: %q: %w: %v", arg, ErrBadSpec, err)
		}
		bad := func(want string) (string, Options, error) {
			return "", Options{}, fmt.Errorf("camera: %q: %w: %s=%q: want %s", arg, ErrBadSpec, k, v, want)
		}
		switch k {
		case "size":
			ws, hs, ok := strings.Cut(strings.ToLower(v), "x")
			w, err1 := strconv.Atoi(ws)
			h, err2 := strconv.Atoi(hs)
			if !ok || err1 != nil || err2 != nil || w < 16 || h < 16 || w > 8192 || h > 8192 {
				return bad("WIDTHxHEIGHT, 16..8192 each")
			}
			o.Width, o.Height = w, h
		case "fps":
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || !(f > 0 && f <= 240) {
				return bad("a frame rate in (0, 240]")
			}
			o.FPS = f
		case "mjpg", "loop", "step":
			b, err := strconv.ParseBool(v)
			if v == "" {
				b, err = true, nil
			}
			if err != nil {
				return bad("0 or 1")
			}
			switch k {
			case "mjpg":
				o.MJPG = b
			case "loop":
				o.Loop = b
			default:
				o.Step = b
			}
		default:
			return "", o, fmt.Errorf("camera: %q: %w: unknown option %q (known: size, fps, mjpg, loop, step)", arg, ErrBadSpec, k)
		}
	}
	return path, o, nil
}
