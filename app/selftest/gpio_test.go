package selftest

import (
	"context"
	"strings"
	"testing"
	"time"

	"periph.io/x/conn/v3/gpio"

	"github.com/hbzk/kiosk/device/clock"
	"github.com/hbzk/kiosk/drivers/gpio/fakepin"
	"github.com/hbzk/kiosk/drivers/gpio/pinpanel"
)

// waver is the technician: when asked to wave, it raises the sensor pin.
type waver struct {
	sensor *fakepin.Pin
	wave   bool
	asked  []string
}

func (w *waver) Write(p []byte) (int, error) {
	w.asked = append(w.asked, string(p))
	if w.wave && strings.Contains(string(p), "Wave") {
		w.sensor.Set(gpio.High)
	}
	return len(p), nil
}

// TestGPIORealPanel runs the GPIO probe on a real panel driver over fake
// pins (not a simulator): the technician is asked to watch the light and
// to wave at the sensor.
func TestGPIORealPanel(t *testing.T) {
	for _, tc := range []struct {
		name   string
		wave   bool
		ok     bool
		value  string
		remedy string
	}{
		{"someone waves", true, true, "someone seen", ""},
		{"nobody waves", false, false, "nobody seen", "wave at the sensor"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			light, red, green, blue, sensor := fakepin.New("L", 1), fakepin.New("R", 2), fakepin.New("G", 3), fakepin.New("B", 4), fakepin.New("P", 5)
			panel, err := pinpanel.New(pinpanel.Pins{Light: light, Red: red, Green: green, Blue: blue, Presence: sensor}, pinpanel.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer panel.Close()
			w := &waver{sensor: sensor, wave: tc.wave}
			tt := newTester(t, nil, Options{Clock: clock.Real{}, Prompt: w, LightDwell: time.Millisecond,
				PresenceWait: 200 * time.Millisecond, Devices: &Devices{GPIO: panel}})
			if !tc.wave {
				tt.o.PresenceWait = 30 * time.Millisecond
			}
			m := byName(tt.gpio(context.Background()))
			if c := m["gpio light"]; !c.OK || light.Level() != gpio.Low {
				t.Errorf("light %+v, pin %v", c, light.Level())
			}
			if c := m["gpio status light"]; !c.OK || !strings.Contains(c.Value, "showed green, blue, yellow, red, off, green") {
				t.Errorf("status light %+v", c)
			}
			if green.Level() != gpio.High || red.Level() != gpio.Low {
				t.Errorf("the light does not end on ready: green %v red %v", green.Level(), red.Level())
			}
			c := m["gpio presence sensor"]
			if c.OK != tc.ok || !strings.Contains(c.Value, tc.value) || !strings.Contains(c.Remedy, tc.remedy) {
				t.Errorf("sensor %+v", c)
			}
			if len(w.asked) != 2 || !strings.Contains(w.asked[0], "status light") {
				t.Errorf("prompts %q", w.asked)
			}
		})
	}
}
