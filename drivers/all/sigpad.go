package all

// Signature pads: "topaz", "wacom4" (serial protocols) and "sim" (a
// simulated pad replaying a strokes file over a pty to the real drivers).
import (
	_ "github.com/hbzk/kiosk/drivers/sigpad/padsim"
	_ "github.com/hbzk/kiosk/drivers/sigpad/topaz"
	_ "github.com/hbzk/kiosk/drivers/sigpad/wacom4"
)
