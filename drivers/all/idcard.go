package all

// ID card readers: "sam" (SAM reader on a serial port) and "sim" (a
// simulated reader answering SAM frames over a pty to the real driver);
// chip photo decoders: "wlt" (the vendor's libwlt2bmp.so, loaded at run
// time) and "sim" (the simulator's photo format).
import (
	_ "github.com/hbzk/kiosk/drivers/idcard/sam"
	_ "github.com/hbzk/kiosk/drivers/idcard/samsim"
	_ "github.com/hbzk/kiosk/drivers/idcard/wlt"
)
