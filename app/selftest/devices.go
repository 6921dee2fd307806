package selftest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/hbzk/kiosk/device/camera"
	"github.com/hbzk/kiosk/device/camera/camsim"
	"github.com/hbzk/kiosk/device/face"
	"github.com/hbzk/kiosk/device/hw"
	"github.com/hbzk/kiosk/device/idcard"
	"github.com/hbzk/kiosk/device/selftest"
	"github.com/hbzk/kiosk/device/sigpad"
	"github.com/hbzk/kiosk/drivers/opencv"
)

// opened returns a device given in Options.Devices, or opens it with open.
// release closes what was opened here (not what was given).
func opened[T io.Closer](spec string, given T, have bool, open func() (T, hw.Report)) (dev T, rep hw.Report, release func()) {
	if have {
		return given, hw.Report{Spec: spec + " (opened by the kiosk)", Status: hw.Loaded}, func() {}
	}
	dev, rep = open()
	if rep.Status != hw.Loaded {
		return dev, rep, func() {}
	}
	return dev, rep, func() { dev.Close() }
}

// openCheck turns a failed or skipped open into checks; ok is false when
// there is no device to test further.
func (t *tester) openCheck(name string, rep hw.Report, remedy string) (selftest.Check, bool) {
	switch rep.Status {
	case hw.Loaded:
		return selftest.Pass(name+" open", rep.Spec), true
	case hw.Skipped:
		if t.cfg.Hardware.IsRequired(rep.Kind) {
			return selftest.Fail(name+" open", "not fitted (\"none\") but required", "configure the device in [hardware] or remove it from hardware.required"), false
		}
		c := selftest.Pass(name+" open", "not fitted (\"none\")")
		c.Remedy = "not configured in [hardware]; nothing to test"
		return c, false
	}
	value := rep.Spec
	if rep.Err != nil {
		value = fmt.Sprintf("%s: %v", rep.Spec, rep.Err)
	}
	return selftest.Fail(name+" open", value, remedy), false
}

// idcardRemedy is the advice for a reader error.
func idcardRemedy(err error) string {
	switch {
	case errors.Is(err, idcard.ErrSAMFault):
		return "the reader's security module (SAM) refused: power-cycle the reader; if it persists the SAM needs authorisation from the reader's supplier"
	case errors.Is(err, idcard.ErrReaderGone), errors.Is(err, idcard.ErrTimeout):
		return "the reader does not answer: check its USB cable and power, and that /dev/idreader exists (udev rule)"
	case errors.Is(err, idcard.ErrFrame):
		return "corrupt frames from the reader: check the cable and the baud rate (115200), replace the cable"
	case errors.Is(err, idcard.ErrReadFailed), errors.Is(err, idcard.ErrBadData), errors.Is(err, idcard.ErrCardRemoved):
		return "the test card could not be read: lay it flat in the middle of the reader and keep it still; try another test card"
	}
	return "check the reader's cable and power and run the self-test again"
}

func (t *tester) idcard(ctx context.Context) []selftest.Check {
	var given idcard.Reader
	if t.o.Devices != nil {
		given = t.o.Devices.IDCard
	}
	rd, rep, release := opened(t.cfg.Hardware.IDCard, given, given != nil, func() (idcard.Reader, hw.Report) {
		return idcard.Backends.Open(ctx, t.cfg.Hardware.IDCard, t.env)
	})
	defer release()
	open, ok := t.openCheck("idcard", rep, idcardRemedy(rep.Err))
	out := []selftest.Check{open}
	if !ok {
		return out
	}
	if sam, ok := rd.(idcard.SAM); ok {
		if err := sam.SAMStatus(ctx); err != nil {
			out = append(out, selftest.Fail("idcard sam status", err.Error(), idcardRemedy(err)))
			return out
		}
		out = append(out, selftest.Pass("idcard sam status", "ready"))
		id, err := sam.SAMID(ctx)
		if err != nil {
			out = append(out, selftest.Fail("idcard sam id", err.Error(), idcardRemedy(err)))
			return out
		}
		out = append(out, selftest.Pass("idcard sam id", id))
	}
	return append(out, t.findCard(ctx, rd))
}

// findCard reads a test card: on a simulated reader the first of its cards
// is laid on it; on a real one a card lying there is read, and none is a
// pass with a note.
func (t *tester) findCard(ctx context.Context, rd idcard.Reader) selftest.Check {
	const name = "idcard read card"
	sim, isSim := rd.(idcard.SimControl)
	wait := t.o.CardWait
	if isSim {
		if len(sim.Cards()) == 0 {
			return selftest.Fail(name, "the simulated reader has no cards", "add a card to the simulator's cards file ([hardware] idcard = \"sim:FILE\")")
		}
		if err := sim.Lay(0); err != nil {
			return selftest.Fail(name, "lay the simulated card: "+err.Error(), "check the simulator's cards file")
		}
		defer sim.Remove()
		wait = 10 * time.Second
	}
	wctx, cancel := context.WithTimeout(ctx, wait)
	err := rd.WaitCard(wctx)
	cancel()
	if err != nil {
		if !isSim && errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
			c := selftest.Pass(name, "no test card on the reader")
			c.Remedy = "lay a test card on the reader and run the self-test again to test reading"
			return c
		}
		return selftest.Fail(name, "find card: "+err.Error(), idcardRemedy(err))
	}
	card, err := rd.Read(ctx)
	if err != nil {
		return selftest.Fail(name, "read: "+err.Error(), idcardRemedy(err))
	}
	// Only what describes the read, never the card's personal data.
	value := fmt.Sprintf("%s card read, photo %d bytes", card.Type, len(card.Photo))
	if ok, applies := card.IDChecksumOK(); applies {
		if !ok {
			return selftest.Fail(name, value+", ID number check digit wrong", "the card's data was read wrongly or the test card is invalid: try another test card")
		}
		value += ", ID check digit ok"
	}
	if len(card.Photo) == 0 {
		return selftest.Fail(name, value, "the reader returned no chip photo: check the reader's firmware (30 01 read)")
	}
	if isSim {
		sim.Remove()
		rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if err := rd.WaitRemoved(rctx); err != nil {
			return selftest.Fail(name, value+"; card removal not seen: "+err.Error(), idcardRemedy(err))
		}
		value += ", removal seen"
	}
	return selftest.Pass(name, value)
}

func (t *tester) camera(ctx context.Context) []selftest.Check {
	var given camera.Camera
	if t.o.Devices != nil {
		given = t.o.Devices.Camera
	}
	cam, rep, release := opened(t.cfg.Hardware.Camera, given, given != nil, func() (camera.Camera, hw.Report) {
		return camera.Backends.Open(ctx, t.cfg.Hardware.Camera, t.env)
	})
	defer release()
	open, ok := t.openCheck("camera", rep, "check the camera's USB cable; /dev/video0 must exist and the kiosk user be in the video group")
	if ok {
		w, h := cam.Size()
		open.Value += fmt.Sprintf(" (%dx%d)", w, h)
	}
	out := []selftest.Check{open}
	if !ok {
		return out
	}
	fps, last, err := measureFPS(ctx, cam, time.Second)
	if err != nil {
		return append(out, selftest.Fail("camera frame rate", err.Error(), "the camera delivers no frames: replug it, check its cable, try another USB port"))
	}
	fc := selftest.Pass("camera frame rate", fmt.Sprintf("%.1f fps", fps))
	if fps < t.o.MinFPS {
		fc = selftest.Fail("camera frame rate", fmt.Sprintf("%.1f fps, want at least %.0f", fps, t.o.MinFPS),
			"the camera is too slow: use a USB 2.0/3.0 port of its own, improve the lighting (long exposures lower the rate), or lower the resolution")
	}
	out = append(out, fc)
	// A simulated camera always shows a face: not finding it is a fault.
	_, simulated := cam.(*camsim.Camera)
	return append(out, t.findFace(ctx, cam, last, simulated))
}

// measureFPS reads frames for about d (by the frames' own time stamps) and
// returns the rate and the last frame.
func measureFPS(ctx context.Context, cam camera.Camera, d time.Duration) (float64, camera.Frame, error) {
	first, err := cam.Next(ctx)
	if err != nil {
		return 0, first, fmt.Errorf("first frame: %w", err)
	}
	if err := first.Check(); err != nil {
		return 0, first, err
	}
	last, n := first, 0
	for last.Time.Sub(first.Time) < d {
		f, err := cam.Next(ctx)
		if err != nil {
			return 0, last, fmt.Errorf("frame %d: %w", n+1, err)
		}
		if err := f.Check(); err != nil {
			return 0, last, err
		}
		last = f
		n++
	}
	return float64(n) / last.Time.Sub(first.Time).Seconds(), last, nil
}

// findFace runs the face engine of the manifest on the frame.
func (t *tester) findFace(ctx context.Context, cam camera.Camera, frame camera.Frame, mustFind bool) selftest.Check {
	const name = "camera face"
	eng := t.o.Engine
	if eng == nil {
		man, err := face.LoadManifest(t.cfg.Path(t.cfg.Paths.Models))
		if err != nil {
			return selftest.Fail(name, "face engine: "+err.Error(), "see the model checks below")
		}
		e, err := opencv.New(man, opencv.Options{Threads: t.cfg.Face.Threads, MinFacePx: t.cfg.Face.MinFacePx})
		if err != nil {
			return selftest.Fail(name, "face engine: "+err.Error(), "see the model checks below; run `make deps` or reinstall the kiosk package")
		}
		defer e.Close()
		eng = e
	}
	var err error
	// A few frames: a person may be turning away in one of them.
	for i := 0; i < 5; i++ {
		if i > 0 {
			if frame, err = cam.Next(ctx); err != nil {
				return selftest.Fail(name, err.Error(), "the camera stopped delivering frames: replug it")
			}
		}
		dets, err := eng.Detect(&frame, face.Live)
		if err != nil {
			return selftest.Fail(name, "face engine: "+err.Error(), "report this with the kiosk's log to the software maintainers")
		}
		if len(dets) > 0 {
			d := dets[0]
			return selftest.Pass(name, fmt.Sprintf("face found (score %.2f, %.0fx%.0f px)", d.Score, d.Box.W(), d.Box.H()))
		}
	}
	if mustFind {
		return selftest.Fail(name, "no face found in the simulated camera's picture", "the simulator's photo shows no face the detector finds: check [hardware] camera's photo and the detector model")
	}
	c := selftest.Pass(name, "no face in view")
	c.Remedy = "stand in front of the camera and run the self-test again to test face detection"
	return c
}

func (t *tester) sigpad(ctx context.Context) []selftest.Check {
	var given sigpad.Pad
	if t.o.Devices != nil {
		given = t.o.Devices.Sigpad
	}
	pad, rep, release := opened(t.cfg.Hardware.Sigpad, given, given != nil, func() (sigpad.Pad, hw.Report) {
		return sigpad.Backends.Open(ctx, t.cfg.Hardware.Sigpad, t.env)
	})
	defer release()
	open, ok := t.openCheck("sigpad", rep, "check the signature pad's cable; /dev/sigpad must exist (udev rule) and the kiosk user be in the dialout group")
	if ok {
		info := pad.Info()
		open.Value += fmt.Sprintf(" (%s, %dx%d)", orUnknown(info.Model), info.MaxX, info.MaxY)
	}
	out := []selftest.Check{open}
	if !ok {
		return out
	}
	return append(out, t.padStrokes(ctx, pad)...)
}

func orUnknown(s string) string {
	if s == "" {
		return "model unknown"
	}
	return s
}
