// Package ui draws the kiosk's touch screens in pure Go into *image.RGBA
// frames and maps touches on them to named actions.
//
// The parts:
//
//   - Screens: one type per screen (Attract, PlaceCard, Liveness, Signature,
//     ...), each a plain view-model struct of strings, numbers and images that
//     the flow fills in. Screen.Name is stable and names screenshot files.
//   - Renderer: draws a Screen in a language into a Frame (the image plus the
//     touch targets it shows). Layout is relative to the frame size (designed
//     at 1280x800, scaled by min(w/1280, h/800)); text is anti-aliased
//     (golang.org/x/image/font/opentype, a CJK font from the system) and
//     shapes and icons are vectors (golang.org/x/image/vector).
//   - Frame.Hit: what a touch at a point hits: "cancel", "retry", "lang",
//     "confirm", "clear", "use_photo", "retake", "0".."9" on the PIN pad, ...
//     (the Action* constants).
//   - Presenter: shows frames and reports input events. Headless (this
//     package) renders off-screen and saves each distinct screen as
//     NN-name.png; package ui/glfw shows frames in an OpenGL window.
//
// Texts come from the catalogues in package ui/i18n (Simplified Chinese by
// default, English on the language button of every screen). View models
// carry catalogue keys for reasons, hints and challenges (the Reason*,
// Hint*, Guide*, Challenge* constants) and personal data as plain strings;
// the package never logs them.
package ui
