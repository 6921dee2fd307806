package app

import (
	"time"

	"github.com/hbzk/kiosk/device/camera/camsim"
	"github.com/hbzk/kiosk/device/flow"
	"github.com/hbzk/kiosk/device/gpio"
	"github.com/hbzk/kiosk/device/idcard"
	"github.com/hbzk/kiosk/device/sigpad"
)

// SimKeysHelp says what the simulator keys do (kiosk --sim-keys).
const SimKeysHelp = `simulator keys: 1-5 lay card 1-5 of the cards file, 0 take the card away,
p presence sensor, s sign on the pad, x pull the pad's cable (again: plug it in);
the simulated candidate performs each liveness challenge by itself`

// SimKeys makes the keyboard a control panel for the simulated devices,
// for development with a window: keys that are not a shortcut of the
// screen lay cards, trigger the presence sensor, sign, and so on. Only
// simulated devices answer (through their SimControl interfaces).
func (k *Kiosk) SimKeys() {
	cut := false
	k.Runner.SimKey = func(key string) {
		switch {
		case len(key) == 1 && key[0] >= '1' && key[0] <= '9':
			if sim, ok := k.Devices.IDCard.(idcard.SimControl); ok {
				if err := sim.Lay(int(key[0] - '1')); err != nil {
					k.Log.Warn("sim keys: lay card", "err", err)
				}
			}
		case key == "0":
			if sim, ok := k.Devices.IDCard.(idcard.SimControl); ok {
				sim.Remove()
			}
		case key == "p":
			if sim, ok := k.Devices.GPIO.(gpio.Simulator); ok {
				// Someone stands there for two seconds (longer than the
				// sensor's debounce), then walks on.
				sim.SetPresence(true)
				time.AfterFunc(2*time.Second, func() { sim.SetPresence(false) })
			}
		case key == "s":
			if sim, ok := k.Devices.Sigpad.(sigpad.SimControl); ok {
				if err := sim.Sign(); err != nil {
					k.Log.Warn("sim keys: sign", "err", err)
				}
			}
		case key == "x":
			if sim, ok := k.Devices.Sigpad.(sigpad.SimControl); ok {
				if cut {
					sim.Reconnect()
				} else {
					sim.Disconnect()
				}
				cut = !cut
			}
		}
	}
	// The simulated candidate performs whatever the flow asks for.
	if performer, ok := camsim.PerformerOf(k.Devices.Camera); ok {
		prev := k.Runner.OnState
		k.Runner.OnState = func(st flow.State) {
			if prev != nil {
				prev(st)
			}
			switch {
			case st.Step == flow.Liveness && st.Session != nil:
				performer.Perform(st.Session.Challenges, st.Session.Digits)
			case st.Step != flow.Liveness:
				performer.Perform(nil, "")
			}
		}
	}
}
