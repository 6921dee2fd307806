// Package opencv is the kiosk's only user of OpenCV (through gocv): the face
// engine (device/face.Engine) on OpenCV's DNN module, and the cameras that
// need OpenCV's video I/O or image codecs ("v4l2", "file", "dir" in
// camera.Backends).
//
// # Face engine
//
// The networks are the ONNX models of the npm package
// faceplugin-face-recognition-js@0.0.1, named with their pre- and
// post-processing in the model manifest (models/manifest.toml, see
// face.Manifest). Each file is checked (exists, ONNX header, sha256) before
// it is handed to OpenCV, which aborts the process on a bad model, and the
// checked bytes are what OpenCV loads. The processing follows the package's
// own JavaScript (lib/fr_detect.js, fr_landmark.js, fr_feature.js), with
// the corrections measured on this build (see DESIGN.md, "Face models"):
//
//   - detection, fr_detect.onnx (UltraFace RFB-320): the picture is padded
//     to 4:3 (chip photos on white), resized to 320x240 and fed BGR as
//     (x-127)/128, NCHW. Outputs "scores" (N x 2, softmaxed) and "boxes"
//     (N x 4, decoded corners in 0..1) are decoded in Go
//     (face.DecodeUltraFace): score >= 0.65, IoU NMS 0.4, minimum size.
//   - landmarks, fr_landmark.onnx: the square crop of side = box height
//     centred on the box, resized to 64x64, grey (weights applied as the
//     JavaScript's BGR2GRAY on RGBA data does, i.e. RGB2GRAY on BGR),
//     divided by 256. Output: 68 (x, y) in 0..1 of the crop.
//   - alignment: the 5 points (eye centres, nose tip, mouth corners) from
//     the 68, a least-squares similarity (face.Similarity; the JavaScript's
//     3-point getAffineTransform raises the error rate several-fold) onto
//     the ArcFace 112x112 template, warpAffine bilinear.
//   - embedding, fr_feature.onnx: the aligned face fed RGB as (x-127)/128;
//     the 512 outputs are L2-normalised; cosine similarity against the
//     manifest's calibrated threshold.
//
// The engine keeps its Mats from call to call (inputs, blobs, crops); only
// the output Mats that gocv's Forward allocates are made per call, and are
// closed at once. Build the tests with -tags matprofile to check that no
// Mat leaks.
//
// # Pictures from files
//
// ReadImage and DecodeImage read JPEG, PNG, BMP, WebP and PNM pictures.
// OpenCV 4.6's imdecode aborts the process on a header claiming a huge
// size (found by fuzzing), so every header is parsed in Go first
// (checkImageHeader) and other formats and sizes beyond MaxImageSide and
// MaxImagePixels are refused with face.ErrBadImage.
//
// # Extending the per-frame analysis
//
// Liveness and photo checks add a Stage (pose, eyes, anti-spoof): after
// detection and landmarks, Engine.Analyze hands every stage a State with the
// frame's BGR Mat, the detections, the chosen face's landmarks and the
// aligned face, all owned by the engine and valid during the call. LoadNet
// loads another model of the manifest with the same checks.
//
// # Cameras
//
// "v4l2:/dev/video0" or "v4l2:0" opens a V4L2 device (options size, fps,
// mjpg) and reopens it when it is unplugged; "file:clip.mp4" plays a video
// file and "dir:frames/" the images of a folder in name order, both paced
// on the injected clock (options fps, loop, size).
package opencv
