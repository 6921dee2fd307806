// Package liveness decides whether a live person is in front of the kiosk's
// camera, from a stream of per-frame measurements. It is pure Go: the
// networks that measure a frame (face detector, 68 landmarks, head pose,
// eye state, anti-spoof, embedding) run behind the Analyzer interface,
// implemented in drivers/opencv.
//
// Two checks run together on the same frames:
//
//   - Passive: the anti-spoof network's live probability of each analysed
//     face, smoothed by an exponential moving average. A smoothed score that
//     stays below the minimum for a run of frames fails at once; the mean
//     over the whole check must reach the minimum too.
//   - Active: a sequence of challenges chosen by the caller (drawn from an
//     injected random source with Draw): blink, turn_left, turn_right, nod,
//     read_digits. Each has a time limit. They are judged against the
//     candidate's own neutral pose, measured while the candidate holds still
//     facing the camera before the first challenge:
//     blink: both eyes open, then both closed (eye network), then open again;
//     turn_left / turn_right: yaw moves by TurnDegrees towards the candidate's
//     own left / right (the picture's right / left: the camera faces them);
//     nod: pitch moves down by NodDegrees and comes back;
//     read_digits: the inner-lip mouth aspect ratio (landmarks 60..67) rises
//     above the neutral value and falls back at least MinSyllables times,
//     each opening lasting like a spoken syllable (80 ms .. 1.2 s).
//
// The same person throughout: the face box is followed from frame to frame
// (a jump that no head movement explains fails), a second sizeable face
// fails, and the face is re-embedded every EmbedEvery analysed frames (and
// after the face was lost) and compared with the first embedding.
//
// Head pose comes from the pose network (fr_pose.onnx), not the landmarks:
// the 64x64 landmark model keeps the jaw outline symmetric on turned faces,
// which makes a landmark yaw estimate shrink and saturate near 20 degrees,
// while the pose network was trained for angles up to +-99 degrees.
//
// Time is the frames' own timestamps, so a check runs the same on the real
// camera, a video file, a folder of frames or the simulator under a fake
// clock. The result carries the reason the candidate is shown (Chinese and
// English), the scores, the challenge outcomes and the best frame: the
// sharpest frontal face with open eyes, kept for the face match and the
// record.
package liveness
