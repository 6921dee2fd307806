package flow

// Event is something that happened: a device result, a tap, a tick.
type Event interface{ isEvent() }

// Tick is the passing of time; the runner sends one every few hundred ms.
type Tick struct{}

// Presence: the presence sensor saw someone.
type Presence struct{}

// Tap: the candidate touched a button; Action is the button's action name
// ("cancel", "retry", "ok", "lang", "use_photo", "retake", "clear",
// "confirm", "tech", "exit", "back", or a digit on the PIN pad).
type Tap struct{ Action string }

// CardReading: a card was found and is being read.
type CardReading struct{}

// CardRead: a card was read.
type CardRead struct{ Card Card }

// CardError: the read failed; Removed when the card left mid-read.
type CardError struct {
	Removed bool
	Reason  string
}

// CardGone: the card that was read (or failed to read) left the reader.
type CardGone struct{}

// LivenessDone: the liveness check ended. Reason is candidate-facing.
type LivenessDone struct {
	Passed bool
	Reason string
	Raw    any
}

// MatchDone: the face match ended.
type MatchDone struct {
	Score, Threshold float64
	Match            bool
	Reason           string
	Raw              any
}

// PhotoDone: a registration photo was taken and checked; Failed names the
// quality checks that failed.
type PhotoDone struct {
	OK     bool
	Failed []string
	Raw    any
}

// PenActivity: the pen moved on the pad (keeps the step alive).
type PenActivity struct{}

// Working: the liveness check or the photo step analysed another frame
// (keeps the step alive: those steps end by their own time limits, on
// the camera's frames, and the step timeout only catches a check that
// stopped making progress).
type Working struct{}

// SignatureDone: the signature was checked after Confirm.
type SignatureDone struct {
	Valid   bool
	Reasons []string
	Reason  string
	Raw     any
}

// Saved: the record was committed (Err empty) or not.
type Saved struct {
	RecordID string
	Err      string
}

// DeviceFault: a device failed (Err set) or recovered (Err empty).
type DeviceFault struct {
	Device, Err, Code string
}

func (Tick) isEvent()          {}
func (Presence) isEvent()      {}
func (Tap) isEvent()           {}
func (CardReading) isEvent()   {}
func (CardRead) isEvent()      {}
func (CardError) isEvent()     {}
func (CardGone) isEvent()      {}
func (LivenessDone) isEvent()  {}
func (MatchDone) isEvent()     {}
func (PhotoDone) isEvent()     {}
func (PenActivity) isEvent()   {}
func (Working) isEvent()       {}
func (SignatureDone) isEvent() {}
func (Saved) isEvent()         {}
func (DeviceFault) isEvent()   {}

// Effect is something the runner must do.
type Effect interface{ isEffect() }

// Show: the screen changes to Step.
type Show struct{ Step Step }

// WaitCard: wait for a card on the reader and read it.
type WaitCard struct{}

// WaitCardRemoved: wait until the card leaves the reader.
type WaitCardRemoved struct{}

// StartLiveness: run the liveness check with these challenges in order.
type StartLiveness struct {
	Challenges []string
	Digits     string
}

// StartMatch: match the best live frame against the chip photo.
type StartMatch struct{}

// StartPhoto: take and check a registration photo.
type StartPhoto struct{}

// StartSignature: clear the pad and collect a signature.
type StartSignature struct{}

// ClearSignature: clear the strokes collected so far.
type ClearSignature struct{}

// CheckSignature: validate the strokes collected so far and answer with
// SignatureDone.
type CheckSignature struct{}

// Commit: build, sign and store the record of Session; answer with Saved.
type Commit struct{ Session *Session }

// Wipe: drop every piece of personal data the runner holds (frames, photos,
// strokes, card) and clear it from the screen.
type Wipe struct{}

// StopDevices: stop whatever capture is running.
type StopDevices struct{}

// Light switches the illumination LED.
type Light struct{ On bool }

// Status sets the status light: "ready", "busy" or "fault".
type Status struct{ Light string }

func (Show) isEffect()            {}
func (WaitCard) isEffect()        {}
func (WaitCardRemoved) isEffect() {}
func (StartLiveness) isEffect()   {}
func (StartMatch) isEffect()      {}
func (StartPhoto) isEffect()      {}
func (StartSignature) isEffect()  {}
func (ClearSignature) isEffect()  {}
func (CheckSignature) isEffect()  {}
func (Commit) isEffect()          {}
func (Wipe) isEffect()            {}
func (StopDevices) isEffect()     {}
func (Light) isEffect()           {}
func (Status) isEffect()          {}
