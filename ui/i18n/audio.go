package i18n

// The sound devices' names in the technician menu (their hw registry kinds,
// device/audio).
func init() {
	zh["device.audio out"] = "扬声器"
	en["device.audio out"] = "Speaker"
	zh["device.audio in"] = "麦克风"
	en["device.audio in"] = "Microphone"
}
