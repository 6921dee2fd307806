package app

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"log/slog"
	"strings"

	"github.com/hbzk/kiosk/app/selftest"
	"github.com/hbzk/kiosk/device/audio"
	"github.com/hbzk/kiosk/device/buildinfo"
	"github.com/hbzk/kiosk/device/clock"
	"github.com/hbzk/kiosk/device/config"
	"github.com/hbzk/kiosk/device/face"
	"github.com/hbzk/kiosk/device/flow"
	"github.com/hbzk/kiosk/device/hw"
	"github.com/hbzk/kiosk/device/idcard"
	"github.com/hbzk/kiosk/device/record"
	"github.com/hbzk/kiosk/device/sigpad"
	_ "github.com/hbzk/kiosk/drivers/all" // every hardware backend
	"github.com/hbzk/kiosk/drivers/systemd"
	"github.com/hbzk/kiosk/store"
	"github.com/hbzk/kiosk/syncclient"
	"github.com/hbzk/kiosk/ui"
)

// Kiosk is one kiosk, wired: devices, checks, store, sync, flow and UI.
type Kiosk struct {
	Cfg     *config.Config
	Log     *slog.Logger
	Clock   clock.Clock
	Rand    io.Reader
	Devices *Devices
	Store   *store.Store
	Sync    *syncclient.Client
	Runner  *Runner
	Face    *FaceServices
	// Voice speaks each screen's prompt; Mic is the microphone (nil when
	// not fitted or failed).
	Voice *Voice
	Mic   audio.Microphone

	onRestart func()

	notify *systemd.Notifier
	wd     *systemd.Watchdog
	cancel context.CancelFunc
}

// Build wires a kiosk from its configuration. Only what makes the kiosk
// unable to show anything (no state folder, no font) is an error; a device,
// the models or the store failing put the kiosk out of service with the
// reason on screen.
func Build(ctx context.Context, cfg *config.Config, log *slog.Logger, clk clock.Clock, rnd io.Reader) (*Kiosk, error) {
	if _, err := StateDir(cfg); err != nil {
		return nil, err
	}
	k := &Kiosk{Cfg: cfg, Log: log, Clock: clk, Rand: rnd, notify: systemd.FromEnv()}
	k.notify.Notify(systemd.Status("starting"))
	if wd, err := systemd.NewWatchdog(k.notify, clk); err == nil {
		k.wd = wd
	} else if !errors.Is(err, systemd.ErrWatchdogEnv) {
		log.Warn("watchdog", "err", err)
	}
	bg, cancel := context.WithCancel(context.Background())
	k.cancel = cancel

	font, err := ui.LoadFont(cfg.Path(cfg.Paths.Font))
	if err != nil {
		return nil, err
	}
	renderer, err := ui.NewRenderer(font, image.Pt(cfg.UI.Width, cfg.UI.Height), ui.DefaultTheme)
	if err != nil {
		return nil, err
	}
	large, err := ui.NewRenderer(font, image.Pt(cfg.UI.Width, cfg.UI.Height), ui.LargeText(ui.DefaultTheme))
	if err != nil {
		return nil, err
	}
	env := Env(cfg, log, clk, rnd)
	k.Devices = OpenDevices(ctx, cfg, env)
	var audioReports []hw.Report
	k.Voice, k.Mic, audioReports = OpenAudio(ctx, cfg, env)
	k.Devices.Reports = append(k.Devices.Reports, audioReports...)
	k.ping()

	var faults []flow.DeviceFault
	for _, r := range k.Devices.Reports {
		if r.Err != nil && cfg.Hardware.IsRequired(r.Kind) {
			// The flow derives the technician code (E-IDCARD, ...) from the kind.
			faults = append(faults, flow.DeviceFault{Device: r.Kind, Err: r.Err.Error()})
		}
	}

	st, err := store.OpenConfig(ctx, cfg, true, clk, rnd, log)
	if err != nil {
		log.Error("store", "err", err)
		faults = append(faults, flow.DeviceFault{Device: ui.DeviceStorage, Err: err.Error(), Code: "E-STORE"})
	} else {
		k.Store = st
		if c, err := syncclient.FromConfig(cfg, st, syncclient.Options{Software: buildinfo.Version,
			Clock: clk, Rand: rnd, Log: log, Health: k.health}); err == nil {
			k.Sync = c
			go func() {
				if err := c.Run(bg); err != nil && !errors.Is(err, context.Canceled) {
					log.Error("sync", "err", err)
				}
			}()
		} else if !errors.Is(err, syncclient.ErrOffline) {
			log.Error("sync", "err", err)
		} else {
			log.Info("sync: offline, no central configured")
		}
	}
	k.ping()

	fs, err := NewFaceServices(ctx, cfg, k.Devices.Camera, chipDecoder(ctx, cfg, k.Devices, env), log, clk)
	if err != nil {
		log.Error("face models", "err", err)
		faults = append(faults, flow.DeviceFault{Device: ui.DeviceModels, Err: err.Error(), Code: "E-MODELS"})
	} else {
		k.Face = fs
	}
	k.ping()

	var audit func(event, detail string)
	if k.Store != nil {
		audit = func(event, detail string) {
			if err := k.Store.Audit(context.Background(), event, detail); err != nil {
				log.Warn("audit", "err", err)
			}
		}
	}
	pin := newPINGuard(cfg, log, clk, audit)
	settings := flow.Settings{
		MatchAttempts: cfg.Flow.MatchAttempts, PhotoAttempts: cfg.Flow.PhotoAttempts, SignAttempts: cfg.Flow.SignAttempts,
		StepTimeout: cfg.Flow.StepTimeout.D(), DoneTimeout: cfg.Flow.DoneTimeout.D(), FailTimeout: cfg.Flow.FailTimeout.D(),
		RequireRoster: cfg.Flow.RequireRoster, Challenges: cfg.Liveness.Challenges, ChallengeSet: cfg.Liveness.ChallengeSet,
		PIN: pin, WarnBefore: cfg.Flow.WarnBefore.D(),
	}
	m := flow.New(settings, cfg.UI.Language, clk, rnd, roster{k})
	for _, f := range faults {
		m.Handle(f)
	}
	k.Runner = &Runner{
		Log: log, Clock: clk, Devices: k.Devices, Machine: m, Renderer: renderer, LargeRenderer: large,
		Site: cfg.Device.Site, PINLen: pin.Digits(), Audit: audit,
		Declaration: map[string]string{"zh": cfg.Signature.Declaration, "en": cfg.Signature.DeclarationEN},
		SigRules: sigpad.Rules{MinPoints: cfg.Signature.MinPoints, MinDuration: cfg.Signature.MinDuration.D(),
			MinInk: cfg.Signature.MinInk, MinBox: cfg.Signature.MinBox},
		OnLoop: k.ping,
	}
	k.Runner.TechMenu, k.Runner.TechAction = k.techMenu, k.techAction
	if k.Store != nil {
		dir := cfg.Path(cfg.Paths.StateDir)
		k.Runner.Watchers = append(k.Runner.Watchers, diskWatch(clk, func() (uint64, error) { return freeBytes(dir) }, MinFreeBytes))
	}
	k.Runner.Services = Services{Roster: roster{k}, Commit: k.commit}
	if k.Face != nil {
		k.Runner.Services.Liveness = k.Face.Liveness
		k.Runner.Services.Match = k.Face.Match
		k.Runner.Services.Photo = k.Face.Photo
	}
	// Each screen's instruction is spoken as it is shown (the voice stops
	// at Close).
	voice := k.Voice
	k.Runner.OnScreen = func(step flow.Step, lang string) {
		voice.Screen(context.Background(), step.String(), lang)
	}
	k.notify.Notify(systemd.Ready, systemd.Status("ready"))
	return k, nil
}

// chipDecoder is the configured chip photo decoder, or the reader's own
// (the simulated reader decodes its cards' photos), or nil.
func chipDecoder(ctx context.Context, cfg *config.Config, d *Devices, env hw.Env) idcard.PhotoDecoder {
	if cfg.Hardware.IDCardPhoto != "" {
		dec, rep := idcard.PhotoDecoders.Open(ctx, cfg.Hardware.IDCardPhoto, env)
		if rep.Err != nil {
			env.Log.Error("chip photo decoder", "spec", rep.Spec, "err", rep.Err)
		}
		if dec != nil {
			return dec
		}
	}
	if dec, ok := d.IDCard.(idcard.PhotoDecoder); ok {
		return dec
	}
	return nil
}

func (k *Kiosk) ping() {
	if k.wd != nil {
		k.wd.Ping()
	}
}

// health is the heartbeat's device summary (no personal data).
func (k *Kiosk) health() map[string]string {
	out := map[string]string{}
	for _, r := range k.Devices.Reports {
		out[r.Kind] = r.Status.String()
	}
	return out
}

// Close stops the background work and closes everything.
func (k *Kiosk) Close() error {
	k.notify.Notify(systemd.Stopping)
	k.cancel()
	var errs []error
	if k.Face != nil {
		errs = append(errs, k.Face.Close())
	}
	if k.Store != nil {
		errs = append(errs, k.Store.Close())
	}
	if k.Devices != nil {
		errs = append(errs, k.Devices.Close())
	}
	errs = append(errs, k.Voice.Close())
	if k.Mic != nil {
		errs = append(errs, k.Mic.Close())
	}
	return errors.Join(errs...)
}

// roster adapts the store's roster to the flow's.
type roster struct{ k *Kiosk }

func (r roster) Lookup(id string) (flow.RosterEntry, error) {
	if r.k.Store == nil {
		return flow.RosterEntry{}, errors.New("app: roster: no store")
	}
	e, err := r.k.Store.Lookup(context.Background(), id)
	if err != nil {
		return flow.RosterEntry{}, fmt.Errorf("app: roster: %w", err)
	}
	out := flow.RosterEntry{ConfirmedAt: e.ConfirmedAt, Registration: flow.Registration{Name: e.Name,
		RegistrationNo: e.RegistrationNo, ExamPeriod: e.ExamPeriod, Subjects: e.Subjects, Site: e.Site, Photo: e.Photo}}
	switch e.State {
	case record.Pending:
		out.Status = flow.RosterPending
	case record.Confirmed:
		out.Status = flow.RosterConfirmed
	}
	return out, nil
}

// techMenu is what the technician menu shows: identity, queue, devices.
func (k *Kiosk) techMenu() ui.TechMenu {
	m := ui.TechMenu{DeviceID: k.Cfg.Device.ID, Site: k.Cfg.Device.Site, Version: buildinfo.Version}
	if k.Store != nil {
		if n, err := k.Store.QueueDepth(context.Background()); err == nil {
			m.Pending = n
		}
	}
	for _, r := range k.Devices.Reports {
		// The status as a word of the catalogue; an error as the
		// technician's detail (device errors hold no personal data).
		ds := ui.DeviceStatus{Device: r.Kind, OK: r.Status != hw.Failed, Detail: "tech.detail." + r.Status.String()}
		if r.Err != nil {
			ds.Detail = r.Err.Error()
		}
		m.Devices = append(m.Devices, ds)
	}
	ok := k.Face != nil
	m.Devices = append(m.Devices, ui.DeviceStatus{Device: ui.DeviceModels, OK: ok, Detail: map[bool]string{true: "tech.detail.loaded", false: "tech.detail.models_failed"}[ok]})
	if k.Sync != nil {
		st := k.Sync.Status()
		d := ui.DeviceStatus{Device: ui.DeviceNetwork, OK: st.LastError == "", Detail: syncStateKey(st.State)}
		if st.LastError != "" {
			d.Detail = st.LastError
		}
		m.Devices = append(m.Devices, d)
	} else {
		m.Devices = append(m.Devices, ui.DeviceStatus{Device: ui.DeviceNetwork, OK: true, Detail: "tech.sync.offline"})
	}
	return m
}

// syncStateKey is the catalogue key of a sync state ("idle", "syncing",
// "backoff", "never synced"), or the state as it is.
func syncStateKey(state string) string {
	switch state {
	case "idle", "syncing", "backoff", "offline":
		return "tech.sync." + state
	case "never synced":
		return "tech.sync.never"
	}
	return state
}

// techAction runs a technician menu action and returns its outcome as a
// catalogue key and its arguments, formatted for people (no Go values).
func (k *Kiosk) techAction(ctx context.Context, action string) (string, []any) {
	switch action {
	case ui.ActionSync:
		if k.Sync == nil {
			return "tech.msg.offline", nil
		}
		res, err := k.Sync.SyncOnce(ctx)
		if err != nil {
			return "tech.msg.sync_failed", []any{err.Error()}
		}
		return "tech.msg.synced", []any{res.Uploaded, res.Duplicates, res.Rejected, res.RosterEntries}
	case ui.ActionSelfTest:
		rep := selftest.Run(ctx, k.Cfg, selftest.Options{Clock: k.Clock, Rand: k.Rand, Log: k.Log,
			Devices: &selftest.Devices{IDCard: k.Devices.IDCard, Camera: k.Devices.Camera, Sigpad: k.Devices.Sigpad, GPIO: k.Devices.GPIO, Microphone: k.Mic},
			Engine:  k.faceEngine()})
		failed := rep.Failed()
		if len(failed) == 0 {
			return "tech.msg.selftest_ok", []any{len(rep.Checks)}
		}
		names := make([]string, len(failed))
		for i, c := range failed {
			names[i] = c.Name
		}
		return "tech.msg.selftest_fail", []any{len(rep.Checks), len(failed), strings.Join(names, ", ")}
	case ui.ActionRestart:
		k.Log.Info("restart requested from the technician menu")
		k.restart()
		return "tech.restarting", nil
	}
	return "", nil
}

func (k *Kiosk) faceEngine() face.Engine {
	if k.Face == nil {
		return nil
	}
	return k.Face.eng
}

// restart ends the kiosk's run; under systemd (Restart=always) it starts
// again.
func (k *Kiosk) restart() {
	if k.onRestart != nil {
		k.onRestart()
	}
}
