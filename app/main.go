package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/hbzk/kiosk/device/buildinfo"
	"github.com/hbzk/kiosk/device/clock"
	"github.com/hbzk/kiosk/device/config"
	"github.com/hbzk/kiosk/device/entropy"
	"github.com/hbzk/kiosk/device/logx"
	"github.com/hbzk/kiosk/ui"
	uiglfw "github.com/hbzk/kiosk/ui/glfw"
)

// Options are the kiosk binary's flags.
type Options struct {
	Config  string
	Profile string
	// Demo plays one simulated candidate through the whole flow and exits
	// when central has the record (simulated hardware only).
	Demo bool
	// Screens, when set, receives a PNG of every screen shown.
	Screens string
	// Headless draws off-screen even when a display is there.
	Headless bool
	// SimKeys makes the keyboard a control panel of the simulators.
	SimKeys bool
	// DemoTimeout bounds a demo run.
	DemoTimeout time.Duration
}

// Exit statuses.
const (
	ExitOK     = 0
	ExitFailed = 1
	ExitConfig = 2
)

// Main is the kiosk binary: it returns the exit status.
func Main(args []string, stdout, stderr io.Writer) int {
	var o Options
	fs := flag.NewFlagSet("kiosk", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.Config, "config", "", "kiosk.toml (default: ./kiosk.toml when present, else the profile's defaults)")
	fs.StringVar(&o.Profile, "profile", string(config.DefaultProfile), "defaults: dev (simulated hardware) or appliance")
	fs.BoolVar(&o.Demo, "demo", false, "play one simulated candidate end to end, exit when central has the record")
	fs.StringVar(&o.Screens, "screens", "", "folder for a PNG of every screen shown")
	fs.BoolVar(&o.Headless, "headless", false, "draw off-screen even when there is a display")
	fs.BoolVar(&o.SimKeys, "sim-keys", false, "keyboard control of the simulated devices (lay a card, sign, ...)")
	fs.DurationVar(&o.DemoTimeout, "demo-timeout", 5*time.Minute, "give up a demo run after this long")
	version := fs.Bool("version", false, "print the version and exit")
	if err := fs.Parse(args); err != nil {
		return ExitConfig
	}
	if *version {
		fmt.Fprintln(stdout, buildinfo.Version)
		return ExitOK
	}
	if o.Config == "" {
		if _, err := os.Stat("kiosk.toml"); err == nil {
			o.Config = "kiosk.toml"
		}
	}
	p, err := config.ParseProfile(o.Profile)
	if err != nil {
		fmt.Fprintln(stderr, "kiosk:", err)
		return ExitConfig
	}
	cfg, err := config.Load(o.Config, p)
	if err != nil {
		// One line, however many keys are wrong.
		fmt.Fprintln(stderr, "kiosk: "+strings.ReplaceAll(err.Error(), "\n", "; "))
		return ExitConfig
	}
	log, err := logx.New(stderr, logx.Options{Format: cfg.Log.Format, Level: cfg.Log.Level})
	if err != nil {
		fmt.Fprintln(stderr, "kiosk:", err)
		return ExitConfig
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if o.Demo {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.DemoTimeout)
		defer cancel()
	}
	return run(ctx, cfg, o, log, stdout)
}

func run(ctx context.Context, cfg *config.Config, o Options, log *slog.Logger, stdout io.Writer) int {
	start := time.Now()
	log.Info("kiosk starting", "version", buildinfo.Version, "profile", string(cfg.Profile), "config", cfg.File)
	k, err := Build(ctx, cfg, log, clock.Real{}, entropy.System)
	if err != nil {
		log.Error("kiosk: start", "err", err)
		return ExitFailed
	}
	defer k.Close()
	if o.SimKeys {
		k.SimKeys()
		fmt.Fprintln(stdout, SimKeysHelp)
	}

	useWindow := !o.Headless && uiglfw.CheckDisplay() == nil
	var headless *ui.Headless
	if o.Screens != "" || o.Demo || !useWindow {
		headless = ui.NewHeadless(o.Screens)
	}
	frames := make(chan *ui.Frame, 1)
	input := make(chan ui.Event, 16)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	k.onRestart = cancel

	// Fan the runner's frames out to the window and the headless saver.
	var outs []chan *ui.Frame
	presenters := 0
	errc := make(chan error, 3)
	if headless != nil {
		hf := make(chan *ui.Frame, 1)
		outs = append(outs, hf)
		presenters++
		go func() { errc <- headless.Run(ctx, hf, input) }()
	}
	var window *uiglfw.Presenter
	var wf chan *ui.Frame
	if useWindow {
		window = uiglfw.New(uiglfw.Options{Title: "kiosk", Fullscreen: cfg.UI.Fullscreen,
			OnPresent: firstPresent(log, start)})
		wf = make(chan *ui.Frame, 1)
		outs = append(outs, wf)
	}
	go fanOut(ctx, frames, outs)

	runErr := make(chan error, 1)
	go func() { runErr <- k.Runner.Run(ctx, frames, input) }()
	result := make(chan int, 1)
	go func() {
		defer cancel()
		if o.Demo {
			result <- k.Demo(ctx, headless, stdout)
			return
		}
		if err := <-runErr; err != nil && !errors.Is(err, context.Canceled) {
			log.Error("kiosk: run", "err", err)
			result <- ExitFailed
			return
		}
		result <- ExitOK
	}()
	if window != nil {
		// The window's loop must run on the main thread (this one).
		if err := window.Run(ctx, wf, input); err != nil {
			log.Error("kiosk: window", "err", err)
			if !o.Demo && headless == nil {
				cancel()
				return ExitFailed
			}
		}
		if !o.Demo {
			cancel()
		}
	}
	code := <-result
	log.Info("kiosk stopping", "ran", time.Since(start).Round(time.Millisecond).String(), "peak_rss", peakRSS())
	if headless != nil && o.Screens != "" {
		log.Info("screens saved", "count", len(headless.Saved()), "dir", o.Screens)
	}
	return code
}

func firstPresent(log *slog.Logger, start time.Time) func(*ui.Frame) {
	done := false
	return func(f *ui.Frame) {
		if !done {
			done = true
			log.Info("first frame on screen", "screen", f.Screen, "since_start", time.Since(start).Round(time.Millisecond).String())
		}
	}
}

// fanOut copies each frame to every output, newest wins.
func fanOut(ctx context.Context, in <-chan *ui.Frame, outs []chan *ui.Frame) {
	for {
		select {
		case <-ctx.Done():
			return
		case f := <-in:
			for _, o := range outs {
				select {
				case o <- f:
				default:
					select {
					case <-o:
					default:
					}
					select {
					case o <- f:
					default:
					}
				}
			}
		}
	}
}

// peakRSS is the process's peak resident set size as the kernel reports it
// ("" where /proc is not there).
func peakRSS() string {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
