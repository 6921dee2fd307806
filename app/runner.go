package app

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/jpeg"
	"log/slog"
	"sync"
	"time"

	"github.com/hbzk/kiosk/device/camera"
	"github.com/hbzk/kiosk/device/clock"
	"github.com/hbzk/kiosk/device/flow"
	"github.com/hbzk/kiosk/device/gpio"
	"github.com/hbzk/kiosk/device/idcard"
	"github.com/hbzk/kiosk/device/sigpad"
	"github.com/hbzk/kiosk/ui"
	"github.com/hbzk/kiosk/ui/i18n"
)

// LiveProgress is what the liveness check shows while it runs.
type LiveProgress struct {
	Frame     *camera.Frame
	Face      image.Rectangle
	Guidance  string // a ui.Guide* key
	Challenge string // a ui.Challenge* key
	Index     int    // 1-based
	Count     int
	Passed    int
	Remaining time.Duration
	Limit     time.Duration
	// Countdown is the registration photo's 3-2-1 (0: none).
	Countdown int
}

// Services are the checks the session runs, each a port the wiring fills
// with the real engine (and tests with fakes). Each answers with the
// flow event that reports its outcome.
type Services struct {
	// Liveness runs the passive and active checks on the camera.
	Liveness func(ctx context.Context, challenges []string, digits string, progress func(LiveProgress)) flow.LivenessDone
	// Match compares the chip photo of card with the best live frame of
	// the liveness result.
	Match func(ctx context.Context, card *idcard.Card, liveness any) flow.MatchDone
	// Photo takes and checks a registration photo, showing progress.
	Photo func(ctx context.Context, liveness any, progress func(LiveProgress, []string)) (flow.PhotoDone, image.Image)
	// Commit builds, signs and stores the record; it returns its id.
	Commit func(ctx context.Context, s *flow.Session) (string, error)
	// Roster looks candidates up.
	Roster flow.Roster
}

// Runner drives one kiosk: it feeds the flow machine with device events
// and taps, carries out the machine's effects on the devices, and renders
// the screen for the presenter. One goroutine runs the loop; device work
// runs in goroutines that report back through events.
type Runner struct {
	Log      *slog.Logger
	Clock    clock.Clock
	Devices  *Devices
	Services Services
	Machine  *flow.Machine
	Renderer *ui.Renderer
	// LargeRenderer draws in the large-text theme (nil: Renderer).
	LargeRenderer *ui.Renderer
	Site          string
	PINLen        int
	// SigRules are the signature acceptance rules.
	SigRules sigpad.Rules
	// Declaration is what the candidate signs, by language ("zh", "en");
	// a missing one is the catalogue's default.
	Declaration map[string]string
	// OnState, when set, is called from the loop after every change of
	// step (the demo driver and tests watch it).
	OnState func(flow.State)
	// FrameEvery is the redraw interval (default 50 ms).
	FrameEvery time.Duration
	// OnScreen, when set, is called on the loop at every change of step or
	// language, with the step and the language: the voice prompts hook in
	// here (the screen's instruction spoken as it appears).
	OnScreen func(step flow.Step, lang string)
	// OnLoop, when set, is called on every turn of the loop (the systemd
	// watchdog ping: a hung loop gets the kiosk restarted).
	OnLoop func()
	// TechMenu fills the technician menu; TechAction runs one of its
	// actions (self-test, sync, restart) and returns the message to show.
	TechMenu   func() ui.TechMenu
	TechAction func(ctx context.Context, action string) (key string, args []any)
	// SimKey, when set, gets the keys that are no shortcut of the screen
	// (the simulator's keyboard control panel, kiosk --sim-keys).
	SimKey func(key string)
	// Audit, when set, records how sessions end (stable codes, no
	// personal data) for kioskctl status.
	Audit func(event, detail string)
	// Watchers run beside the loop for as long as it runs and post events
	// into it (the free-space watch: a device fault and its recovery).
	Watchers []func(ctx context.Context, post func(flow.Event))
	// ProbeEvery is how often a lost device is probed until it answers
	// again (default 2 s).
	ProbeEvery time.Duration

	events chan flow.Event

	mu   sync.Mutex
	live live
	// the session's artefacts that the flow carries as Raw values live in
	// the flow's Session; the runner keeps only the chip card for matching.
	card *idcard.Card

	wg sync.WaitGroup // every goroutine the runner started
	// rendering is the preview buffer being drawn; spare a free one.
	rendering, spare *image.RGBA
	op               context.CancelFunc // the capture running (liveness, photo, signature)
	// cardBusy: a goroutine drives the reader; cardGen numbers them.
	cardBusy bool
	cardGen  int
}

// Post sends an event to the loop (from any goroutine).
func (r *Runner) Post(ev flow.Event) {
	r.events <- ev
}

// Run runs the loop until ctx ends, rendering frames to frames and reading
// input from input.
func (r *Runner) Run(ctx context.Context, frames chan *ui.Frame, input <-chan ui.Event) error {
	if r.events == nil {
		r.events = make(chan flow.Event, 64)
	}
	if r.FrameEvery == 0 {
		r.FrameEvery = 50 * time.Millisecond
	}
	// On the way out, stop the captures and wait for every device
	// goroutine: nothing may use a device or the engine after Run returns.
	ctx, cancelRun := context.WithCancel(ctx)
	defer r.wg.Wait()
	defer cancelRun()
	if r.Devices.GPIO != nil {
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			r.watchPresence(ctx)
		}()
	}
	for _, w := range r.Watchers {
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			w(ctx, func(ev flow.Event) { r.send(ctx, ev) })
		}()
	}
	last := flow.Step(-1)
	lastLang := ""
	tick := time.NewTicker(r.FrameEvery)
	defer tick.Stop()
	defer r.stopOps()
	r.apply(ctx, []flow.Effect{flow.Status{Light: "ready"}})
	r.ensureCardWait(ctx)
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case ev := <-r.events:
			r.deviceEvent(ev)
			r.apply(ctx, r.Machine.Handle(ev))
			if _, ok := ev.(flow.CardGone); ok {
				if st := r.Machine.State().Step; st == flow.Attract || st == flow.PlaceCard {
					r.ensureCardWait(ctx)
				}
			}
		case in, ok := <-input:
			if !ok {
				return nil
			}
			switch in.Kind {
			case ui.Close:
				return nil
			case ui.Tap, ui.Key:
				if r.Machine.State().Step == flow.TechMenu && r.techTap(ctx, in.Action) {
					// a menu action, run beside the loop
				} else if in.Action != "" {
					r.auditTap(in.Action)
					r.apply(ctx, r.Machine.Handle(flow.Tap{Action: in.Action}))
				} else if in.Kind == ui.Key && r.SimKey != nil {
					r.SimKey(in.Key)
				}
			}
		case <-tick.C:
			r.apply(ctx, r.Machine.Handle(flow.Tick{}))
		}
		if r.OnLoop != nil {
			r.OnLoop()
		}
		st := r.Machine.State()
		if st.Step != last || st.Lang != lastLang {
			last, lastLang = st.Step, st.Lang
			r.Log.Info("screen", "step", st.Step.String())
			r.screenChanged(st)
			if st.Step == flow.Attract || st.Step == flow.PlaceCard {
				r.ensureCardWait(ctx)
			}
			if st.Step == flow.TechMenu && r.TechMenu != nil {
				m := r.TechMenu()
				r.mu.Lock()
				r.live.tech = m
				r.mu.Unlock()
			}
			r.mu.Lock()
			onState := r.OnState
			r.mu.Unlock()
			if onState != nil {
				onState(st)
			}
		}
		r.render(st, frames)
	}
}

// techTap handles the technician menu's own buttons: self-test and sync
// run at once, restart asks first. It reports whether the tap was one.
func (r *Runner) techTap(ctx context.Context, action string) bool {
	if r.TechAction == nil {
		return false
	}
	switch action {
	case ui.ActionSelfTest, ui.ActionSync:
		r.techAction(ctx, action)
	case ui.ActionRestart, ui.ActionRestartNo:
		r.mu.Lock()
		r.live.tech.ConfirmRestart = action == ui.ActionRestart
		r.mu.Unlock()
	case ui.ActionRestartYes:
		r.mu.Lock()
		r.live.tech.ConfirmRestart = false
		r.mu.Unlock()
		r.techAction(ctx, ui.ActionRestart)
	default:
		return false
	}
	return true
}

// auditTap records the taps that end a session early (cancel, not me) and
// the technician leaving the menu: stable words, no personal data.
func (r *Runner) auditTap(action string) {
	if r.Audit == nil {
		return
	}
	st := r.Machine.State()
	switch {
	case (action == ui.ActionCancel || action == ui.ActionNotMe) && st.Session != nil:
		r.Audit("session", "cancelled at "+st.Step.String())
	case action == ui.ActionExit && st.Step == flow.TechMenu:
		r.Audit("tech", "menu closed")
	}
}

// techAction runs a technician menu action in the background and shows its
// result on the menu.
func (r *Runner) techAction(ctx context.Context, action string) {
	r.mu.Lock()
	r.live.tech.Message, r.live.tech.MessageArgs = "tech.working", nil
	r.mu.Unlock()
	if r.Audit != nil {
		r.Audit("tech", action)
	}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		key, args := r.TechAction(ctx, action)
		var m ui.TechMenu
		if r.TechMenu != nil {
			m = r.TechMenu()
		}
		m.Message, m.MessageArgs = key, args
		r.mu.Lock()
		r.live.tech = m
		r.mu.Unlock()
	}()
}

func (r *Runner) render(st flow.State, frames chan *ui.Frame) {
	r.mu.Lock()
	r.live.declaration = r.Declaration[st.Lang]
	s := screen(st, &r.live, r.Clock.Now(), r.Site, r.PINLen)
	// The preview drawn now must not be written by the camera meanwhile.
	r.rendering = r.live.preview
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		r.rendering = nil
		r.mu.Unlock()
	}()
	lang := i18n.ZH
	if st.Lang == "en" {
		lang = i18n.EN
	}
	rd := r.Renderer
	if st.LargeText && r.LargeRenderer != nil {
		rd = r.LargeRenderer
	}
	f := rd.Render(s, lang)
	select {
	case frames <- f:
	default:
		// The presenter is behind: drop the older frame it has not taken.
		select {
		case <-frames:
		default:
		}
		select {
		case frames <- f:
		default:
		}
	}
}

// apply carries out the machine's effects.
func (r *Runner) apply(ctx context.Context, effects []flow.Effect) {
	for _, e := range effects {
		switch e := e.(type) {
		case flow.Show:
			if r.Audit != nil {
				st := r.Machine.State()
				switch e.Step {
				case flow.Done:
					r.Audit("session", "completed")
				case flow.Failed:
					r.Audit("session", "failed "+string(st.Problem))
				case flow.CardProblem:
					r.Audit("session", "refused "+string(st.Problem))
				case flow.OutOfService:
					r.Audit("service", "out of service "+st.Fault+" "+st.FaultCode)
				case flow.TechMenu:
					r.Audit("tech", "menu opened")
				}
			}
		case flow.WaitCard:
			r.ensureCardWait(ctx)
		case flow.WaitCardRemoved:
			r.waitCardRemoved(ctx)
		case flow.StartLiveness:
			r.startLiveness(ctx, e)
		case flow.StartMatch:
			r.startMatch(ctx)
		case flow.StartPhoto:
			r.startPhoto(ctx)
		case flow.StartSignature:
			r.startSignature(ctx)
		case flow.ClearSignature:
			if r.Devices.Sigpad != nil {
				r.Devices.Sigpad.Clear()
			}
			r.mu.Lock()
			r.live.strokes = nil
			r.mu.Unlock()
		case flow.CheckSignature:
			r.checkSignature()
		case flow.Commit:
			r.commit(ctx, e.Session)
		case flow.Wipe:
			r.wipe()
		case flow.StopDevices:
			r.stopOps()
		case flow.Light:
			if r.Devices.GPIO != nil {
				if err := r.Devices.GPIO.SetLight(e.On); err != nil {
					r.Log.Warn("gpio light", "err", err)
				}
			}
		case flow.Status:
			if r.Devices.GPIO != nil {
				if s, err := gpio.ParseStatus(e.Light); err == nil {
					r.Devices.GPIO.SetStatus(s)
				}
			}
		}
	}
}

// wipe drops every piece of personal data the runner holds.
func (r *Runner) wipe() {
	r.mu.Lock()
	tech := r.live.tech
	r.live = live{tech: tech}
	r.card = nil
	r.mu.Unlock()
	if r.Devices.Sigpad != nil {
		r.Devices.Sigpad.Clear()
	}
}

func (r *Runner) stopOps() {
	r.mu.Lock()
	op := r.op
	r.op = nil
	r.mu.Unlock()
	if op != nil {
		op()
	}
}

// startOp cancels the running capture and starts fn as the new one.
func (r *Runner) startOp(ctx context.Context, fn func(ctx context.Context)) {
	r.stopOps()
	octx, cancel := context.WithCancel(ctx)
	r.mu.Lock()
	r.op = cancel
	r.mu.Unlock()
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		fn(octx)
	}()
}

// send posts an event unless ctx ended (the operation was cancelled: its
// outcome no longer matters).
func (r *Runner) send(ctx context.Context, ev flow.Event) {
	select {
	case r.events <- ev:
	case <-ctx.Done():
	}
}

// ensureCardWait keeps one goroutine driving the reader while the kiosk is
// idle or asks for a card: it waits for a card, reads it, reports it, and
// then waits for that card to leave the field (flow.CardGone), so that the
// reader is free for the next card however the session ended. The loop
// calls it again after every change of step and after CardGone.
func (r *Runner) ensureCardWait(ctx context.Context) {
	rd := r.Devices.IDCard
	r.mu.Lock()
	if rd == nil || r.cardBusy {
		r.mu.Unlock()
		return
	}
	r.cardBusy = true
	r.cardGen++
	gen := r.cardGen
	cctx, cancel := context.WithCancel(ctx)
	r.mu.Unlock()
	release := func() {
		r.mu.Lock()
		if r.cardGen == gen {
			r.cardBusy = false
		}
		r.mu.Unlock()
	}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		defer cancel()
		defer release()
		for {
			found, err := r.readCard(cctx, rd)
			if err == nil && found {
				// The card (or what is left of a failed read) must leave
				// the field before the next one is looked for.
				if err = rd.WaitRemoved(cctx); err == nil {
					release()
					r.send(cctx, flow.CardGone{})
					return
				}
			}
			if cctx.Err() != nil {
				return
			}
			if err == nil {
				return
			}
			// The reader failed: out of service until it answers again,
			// then look for cards again.
			if !r.cardFault(cctx, rd, err) {
				return
			}
		}
	}()
}

// readCard waits for a card and reads it, posting the outcome. It reports
// whether a card was found (and so must be waited away), or the reader's
// failure.
func (r *Runner) readCard(ctx context.Context, rd idcard.Reader) (bool, error) {
	if err := rd.WaitCard(ctx); err != nil {
		return false, err
	}
	r.send(ctx, flow.CardReading{})
	c, err := rd.Read(ctx)
	if err != nil {
		r.Log.Info("card read failed", "err", err)
		if errors.Is(err, idcard.ErrReaderGone) || errors.Is(err, idcard.ErrSAMFault) {
			return false, err
		}
		r.send(ctx, flow.CardError{Removed: errors.Is(err, idcard.ErrCardRemoved)})
		return true, nil
	}
	fc := flow.Card{IDNumber: c.Number(), Name: c.Name, Valid: true, Raw: c}
	if !c.ValidTo.IsZero() {
		fc.ValidTo = time.Date(c.ValidTo.Year, c.ValidTo.Month, c.ValidTo.Day, 0, 0, 0, 0, time.UTC)
	}
	if c.Name == "" {
		fc.Name = c.NameEN
	}
	if cerr := c.Check(r.Clock); cerr != nil {
		for _, ref := range idcard.Refusals(cerr) {
			switch {
			case errors.Is(ref, idcard.ErrExpired), errors.Is(ref, idcard.ErrNotYetValid):
				fc.Expired = true
			default:
				fc.Valid = false
			}
		}
	}
	r.mu.Lock()
	r.card = c
	r.live.name = fc.Name
	r.mu.Unlock()
	r.send(ctx, flow.CardRead{Card: fc})
	return true, nil
}

// cardFault reports the reader lost, then probes it until it answers again
// and reports it recovered (flow.DeviceFault with no error).
func (r *Runner) cardFault(ctx context.Context, rd idcard.Reader, err error) bool {
	r.send(ctx, flow.DeviceFault{Device: "idcard", Err: err.Error(), Code: "E-IDCARD"})
	for {
		select {
		case <-ctx.Done():
			return false
		case <-r.Clock.After(r.probeEvery()):
		}
		if probeReader(ctx, rd) {
			r.send(ctx, flow.DeviceFault{Device: "idcard"})
			return true
		}
	}
}

// probeReader asks the reader whether it works: its SAM's status where it
// has one, else a short look for a card (a reader that answers "no card"
// works).
func probeReader(ctx context.Context, rd idcard.Reader) bool {
	pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if s, ok := rd.(idcard.SAM); ok {
		return s.SAMStatus(pctx) == nil
	}
	err := rd.WaitCard(pctx)
	return err == nil || errors.Is(err, context.DeadlineExceeded)
}

func (r *Runner) probeEvery() time.Duration {
	if r.ProbeEvery > 0 {
		return r.ProbeEvery
	}
	return 2 * time.Second
}

// waitCardRemoved makes sure the reader is driven: the card goroutine
// waits for the card to leave before it looks for the next one.
func (r *Runner) waitCardRemoved(ctx context.Context) {
	r.ensureCardWait(ctx)
}

func (r *Runner) watchPresence(ctx context.Context) {
	for ctx.Err() == nil {
		if err := r.Devices.GPIO.WaitPresence(ctx); err != nil {
			return
		}
		r.send(ctx, flow.Presence{})
		// Wait for the person to leave before the next wake-up.
		for r.Devices.GPIO.Present() {
			select {
			case <-ctx.Done():
				return
			case <-r.Clock.After(500 * time.Millisecond):
			}
		}
	}
}

func (r *Runner) progress(p LiveProgress) {
	var buf *image.RGBA
	if p.Frame != nil {
		// Convert outside the lock into a buffer the renderer is not
		// reading (see render).
		r.mu.Lock()
		buf, r.spare = r.spare, nil
		r.mu.Unlock()
		buf = p.Frame.ToRGBA(buf)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if buf != nil {
		old := r.live.preview
		r.live.preview = buf
		if old != nil && old != r.rendering {
			r.spare = old
		}
	}
	r.live.face, r.live.guidance, r.live.challenge = p.Face, p.Guidance, p.Challenge
	r.live.index, r.live.count, r.live.passed = p.Index, p.Count, p.Passed
	r.live.remaining, r.live.limit = p.Remaining, p.Limit
	r.live.countdown = p.Countdown
}

// working shows a check's progress and tells the flow, once a second,
// that the check is still at work (flow.Working): the check keeps its own
// time on the camera's frames, however slowly they are analysed.
func (r *Runner) working(ctx context.Context) func(LiveProgress) {
	var last time.Time
	return func(p LiveProgress) {
		r.progress(p)
		if now := r.Clock.Now(); now.Sub(last) >= time.Second {
			last = now
			r.send(ctx, flow.Working{})
		}
	}
}

func (r *Runner) startLiveness(ctx context.Context, e flow.StartLiveness) {
	if r.Services.Liveness == nil {
		r.Post(flow.DeviceFault{Device: "camera", Err: "no liveness check", Code: "E-CAMERA"})
		return
	}
	r.startOp(ctx, func(ctx context.Context) {
		res := r.Services.Liveness(ctx, e.Challenges, e.Digits, r.working(ctx))
		r.send(ctx, res)
	})
}

func (r *Runner) startMatch(ctx context.Context) {
	st := r.Machine.State()
	r.mu.Lock()
	card := r.card
	r.mu.Unlock()
	if st.Session == nil || card == nil || r.Services.Match == nil {
		return
	}
	liveness := st.Session.Liveness
	r.startOp(ctx, func(ctx context.Context) {
		r.send(ctx, r.Services.Match(ctx, card, liveness))
	})
}

func (r *Runner) startPhoto(ctx context.Context) {
	st := r.Machine.State()
	if st.Session == nil || r.Services.Photo == nil {
		return
	}
	liveness := st.Session.Liveness
	r.startOp(ctx, func(ctx context.Context) {
		work := r.working(ctx)
		res, img := r.Services.Photo(ctx, liveness, func(p LiveProgress, _ []string) { work(p) })
		if img != nil {
			r.mu.Lock()
			r.live.photo = img
			r.mu.Unlock()
		}
		r.send(ctx, res)
	})
}

func (r *Runner) startSignature(ctx context.Context) {
	pad := r.Devices.Sigpad
	if pad == nil {
		r.Post(flow.DeviceFault{Device: "sigpad", Err: "no signature pad", Code: "E-SIGPAD"})
		return
	}
	pad.Clear()
	info := pad.Info()
	r.mu.Lock()
	r.live.strokes = nil
	r.live.pad = image.Rect(0, 0, info.MaxX, info.MaxY)
	r.mu.Unlock()
	runCtx := ctx
	r.startOp(ctx, func(ctx context.Context) {
		lastPost := time.Time{}
		for {
			s, err := pad.Next(ctx)
			if err != nil {
				if ctx.Err() == nil && sigpad.IsGone(err) {
					r.send(ctx, flow.DeviceFault{Device: "sigpad", Err: err.Error(), Code: "E-SIGPAD"})
					// The session ends (StopDevices cancels ctx): the pad
					// is probed on the run's context until it is back.
					r.wg.Add(1)
					go func() {
						defer r.wg.Done()
						r.probePad(runCtx, pad)
					}()
				}
				return
			}
			r.mu.Lock()
			if s.Down {
				n := len(r.live.strokes)
				if n == 0 || r.live.lift {
					r.live.strokes = append(r.live.strokes, nil)
					n++
				}
				r.live.strokes[n-1] = append(r.live.strokes[n-1], image.Pt(s.X, s.Y))
				r.live.lift = false
			} else {
				r.live.lift = true
			}
			r.mu.Unlock()
			if now := r.Clock.Now(); now.Sub(lastPost) > time.Second {
				lastPost = now
				r.send(ctx, flow.PenActivity{})
			}
		}
	})
}

func (r *Runner) checkSignature() {
	pad := r.Devices.Sigpad
	if pad == nil {
		return
	}
	sig := pad.Signature()
	reasons := r.SigRules.Validate(sig)
	if len(reasons) == 0 {
		r.Post(flow.SignatureDone{Valid: true, Raw: sig})
		return
	}
	ev := flow.SignatureDone{Reason: reasons[0].Zh}
	for _, rs := range reasons {
		ev.Reasons = append(ev.Reasons, rs.Code)
	}
	r.Post(ev)
}

func (r *Runner) commit(ctx context.Context, s *flow.Session) {
	r.stopOps()
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		id, err := r.Services.Commit(ctx, s)
		if err != nil {
			r.Log.Error("commit", "err", err)
			r.send(ctx, flow.Saved{Err: err.Error()})
			return
		}
		r.mu.Lock()
		// The exam office's time, whatever zone the device is set to.
		r.live.at = r.Clock.Now().In(idcard.ChinaZone)
		r.mu.Unlock()
		r.send(ctx, flow.Saved{RecordID: id})
	}()
}

// deviceEvent logs and audits a device's loss and recovery (the device
// kind and code only: a device's error never carries personal data, but
// the audit keeps to stable words).
func (r *Runner) deviceEvent(ev flow.Event) {
	f, ok := ev.(flow.DeviceFault)
	if !ok {
		return
	}
	if f.Err != "" {
		r.Log.Warn("device lost", "device", f.Device, "code", f.Code, "err", f.Err)
		if r.Audit != nil {
			r.Audit("device", "lost "+f.Device)
		}
		return
	}
	r.Log.Warn("device recovered", "device", f.Device)
	if r.Audit != nil {
		r.Audit("device", "recovered "+f.Device)
	}
}

// screenChanged runs once per change of step or language, on the loop:
// the place where the screen's prompt is spoken (OnScreen) and where the
// registration screen's photo is decoded.
func (r *Runner) screenChanged(st flow.State) {
	if st.Step == flow.RegistrationInfo && st.Session != nil && st.Session.Registration != nil {
		if b := st.Session.Registration.Photo; len(b) > 0 {
			img, err := jpeg.Decode(bytes.NewReader(b))
			if err != nil {
				r.Log.Warn("registration photo", "err", err)
			} else {
				r.mu.Lock()
				r.live.regPhoto = img
				r.mu.Unlock()
			}
		}
	}
	if r.OnScreen != nil {
		r.OnScreen(st.Step, st.Lang)
	}
}

// probePad waits until the pad answers again after it went away (cable
// plugged back, adapter back): a short Next that ends by its own time-out
// or with a sample, not with ErrPadGone. Then it reports the pad
// recovered.
func (r *Runner) probePad(ctx context.Context, pad sigpad.Pad) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-r.Clock.After(r.probeEvery()):
		}
		pctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		_, err := pad.Next(pctx)
		cancel()
		if ctx.Err() != nil {
			return
		}
		if err == nil || (!sigpad.IsGone(err) && !errors.Is(err, sigpad.ErrClosed)) {
			pad.Clear()
			r.send(ctx, flow.DeviceFault{Device: "sigpad"})
			return
		}
	}
}
