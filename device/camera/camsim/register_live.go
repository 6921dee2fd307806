package camsim

import (
	"context"
	"fmt"
	"strings"

	"github.com/hbzk/kiosk/device/camera"
	"github.com/hbzk/kiosk/device/clock"
	"github.com/hbzk/kiosk/device/hw"
)

func init() {
	camera.Backends.RegisterSim("sim-live", func(ctx context.Context, arg string, env hw.Env) (camera.Camera, error) {
		return OpenLive(ctx, arg, env)
	})
}

// OpenLive opens "sim-live:[PHOTO][#MODES][?options]": a simulated
// candidate who performs the liveness challenges (a Performer; the kiosk's
// demo driver calls Perform through PerformerOf with the flow's sequence).
// PHOTO defaults to DefaultPhoto; another photo needs PHOTO.landmarks.json
// next to it. The face is zoomed to DefaultFaceFrac of the frame width.
// MODES, comma-separated: "blue" shows the whole photo smaller on the
// light-blue wall of the registration photo, "screen" shows the candidate on a phone
// screen held up to the camera (a replay attack, for tests), "auto"
// performs every challenge in a loop without being asked.
// Example: "sim-live:#blue,auto?fps=15". With "?step=1" no frame is
// dropped however slowly they are read, and the candidate performs on the
// frames' times (tests use it so that a busy machine sees the same
// performance as an idle one).
func OpenLive(ctx context.Context, arg string, env hw.Env) (camera.Camera, error) {
	path, o, err := camera.ParseArg(arg)
	if err != nil {
		return nil, err
	}
	path, modes, _ := strings.Cut(path, "#")
	if path == "" {
		path = DefaultPhoto
	} else {
		path = env.Resolve(path)
	}
	if o.Width == 0 {
		o.Width, o.Height = 640, 480
	}
	var blue, screen, auto bool
	for _, m := range strings.Split(modes, ",") {
		switch strings.TrimSpace(m) {
		case "":
		case "blue":
			blue = true
		case "screen":
			screen = true
		case "auto":
			auto = true
		default:
			return nil, fmt.Errorf("camsim: %q: %w: mode %q (known: blue, screen, auto)", arg, camera.ErrBadSpec, m)
		}
	}
	frac := DefaultFaceFrac
	if blue {
		frac = 0 // the whole photo on the backdrop
	}
	p, err := LoadPerformer(path, o.Width, o.Height, frac)
	if err != nil {
		return nil, err
	}
	var scene Scene = p
	if blue {
		p.SetBackdrop(LightBlue)
	}
	if screen {
		scene = NewScreen(p)
	}
	if auto {
		p.Perform([]string{"blink", "turn_left", "turn_right", "nod", "read_digits"}, "0000")
	}
	clk := env.Clock
	if clk == nil {
		clk = clock.Real{}
	}
	return open(scene, clk, o), nil
}
