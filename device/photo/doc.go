// Package photo makes the registration photo printed on the admission
// ticket from a camera frame, and says why it refuses one. It is pure Go:
// the face measurements and the person segmentation come from an Analyzer
// (drivers/opencv.PhotoAnalyzer runs the networks and GrabCut).
//
// A photo goes through named checks, each with the value it measured, in
// this order: one_face, frontal_yaw, frontal_pitch, frontal_roll,
// eyes_open, mouth_closed, sharpness, exposure, contrast, even_lighting,
// framing, face_size, background (replaced when it is not a uniform light
// blue and the segmentation is trustworthy; otherwise segmentation names
// why not), file_size and, when the session's live face is given,
// matches_live. Every failed check is reported, not only the first.
//
// Framing follows the Hubei self-study examination photo guide: the top of
// the head about 1/10 of the height below the top edge, the head (crown to
// chin) about 7/10 of the height, the shoulders the remaining 1/5. The top
// of the head is found where the backdrop ends above the face (on a
// uniform backdrop or in the segmentation mask), or estimated from the
// brows and the chin (crown = brows - 0.9 x brow-to-chin) when neither is
// available.
//
// The picture is cropped and scaled to the spec's size (default 360x480)
// and encoded as JPEG with the highest quality whose file fits the byte
// limit (default 40 KB), found by bisection over qualities 30..95.
package photo
