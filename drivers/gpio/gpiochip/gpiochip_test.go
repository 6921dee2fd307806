package gpiochip

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"periph.io/x/conn/v3/gpio"

	"github.com/hbzk/kiosk/device/clock"
	"github.com/hbzk/kiosk/device/config"
	devgpio "github.com/hbzk/kiosk/device/gpio"
	"github.com/hbzk/kiosk/device/hw"
	"github.com/hbzk/kiosk/device/logx"
	"github.com/hbzk/kiosk/drivers/gpio/fakepin"
)

func env() hw.Env { return hw.Env{Clock: clock.Real{}, Log: logx.Discard()} }

// TestNoChipIsAFailedDeviceWithAHint opens the real backend on a machine
// without GPIO chips (the CI machine; skipped where chips exist).
func TestNoChipIsAFailedDeviceWithAHint(t *testing.T) {
	if m, _ := filepath.Glob("/dev/gpiochip*"); len(m) > 0 {
		t.Skipf("this machine has GPIO chips (%v): the no-chip case cannot be tested here", m)
	}
	p, rep := devgpio.Open(context.Background(), "gpiochip:", config.Defaults(config.Appliance).GPIO, env())
	if rep.Status != hw.Failed || p != nil {
		t.Fatalf("report %v, panel %v; want failed", rep, p)
	}
	t.Logf("report: %v", rep)
	if !errors.Is(rep.Err, ErrNoChip) {
		t.Fatalf("error %v is not ErrNoChip", rep.Err)
	}
	for _, want := range []string{"gpio group", "udev", "root", "light=GPIO17", "presence=GPIO27"} {
		if !strings.Contains(rep.Err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, rep.Err)
		}
	}
}

func TestNoChipInAnEmptyDev(t *testing.T) {
	err := (&chardev{dev: t.TempDir()}).Init()
	if !errors.Is(err, ErrNoChip) || !strings.Contains(err.Error(), "no ") {
		t.Fatalf("empty /dev: %v", err)
	}
}

// fakeLines is a chip with named fake lines.
type fakeLines map[string]*fakepin.Pin

func (f fakeLines) Init() error { return nil }
func (f fakeLines) ByName(name string) gpio.PinIO {
	if p, ok := f[name]; ok {
		return p
	}
	return nil
}
func (f fakeLines) Names() []string {
	var out []string
	for n := range f {
		out = append(out, n)
	}
	return out
}

func TestOpenFindsPins(t *testing.T) {
	lines := fakeLines{}
	for i, n := range []string{"GPIO17", "GPIO27", "GPIO22", "GPIO23", "GPIO24"} {
		lines[n] = fakepin.New(n, i)
	}
	cfg, err := devgpio.ParsePins("light=!GPIO17,debounce=0s", devgpio.DefaultPins())
	if err != nil {
		t.Fatal(err)
	}
	p, err := Open(cfg, env(), lines)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if lines["GPIO17"].Level() != gpio.High {
		t.Fatal("active-low LED not high (off) at start")
	}
	p.SetLight(true)
	p.SetStatus(devgpio.Ready)
	if lines["GPIO17"].Level() != gpio.Low || lines["GPIO23"].Level() != gpio.High || lines["GPIO22"].Level() != gpio.Low {
		t.Fatal("LED or green light not on")
	}
}

func TestOpenMissingPins(t *testing.T) {
	lines := fakeLines{"GPIO17": fakepin.New("GPIO17", 17), "GPIO4": fakepin.New("GPIO4", 4)}
	_, err := Open(devgpio.DefaultPins(), env(), lines)
	if !errors.Is(err, ErrPinNotFound) {
		t.Fatalf("err %v", err)
	}
	for _, want := range []string{"presence=GPIO27", "red=GPIO22", "GPIO17, GPIO4", "gpioinfo"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
	if strings.Contains(err.Error(), "light=GPIO17") {
		t.Errorf("error names a pin that was found: %v", err)
	}
}

type failingLines struct{ fakeLines }

func (failingLines) Init() error { return ErrNoChip }

func TestOpenInitFails(t *testing.T) {
	_, err := Open(devgpio.DefaultPins(), env(), failingLines{})
	if !errors.Is(err, ErrNoChip) {
		t.Fatalf("err %v", err)
	}
}
