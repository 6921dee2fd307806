package all

// Sound: "alsa" (drivers/alsa, cgo on libasound2) and "sim" for the speaker
// and the microphone.
import (
	_ "github.com/hbzk/kiosk/device/audio/audiosim"
	_ "github.com/hbzk/kiosk/drivers/alsa"
)
