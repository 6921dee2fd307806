package liveness

// Reason is why a check ended (or what the screen asks of the candidate
// while it runs): a stable code for logs, records and tests, and the text
// the candidate sees.
type Reason struct {
	Code string `json:"code"`
	ZH   string `json:"zh"`
	EN   string `json:"en"`
}

// Reason and guidance codes.
const (
	CodeOK            = "ok"
	CodeNoFace        = "no_face"
	CodeFaceCamera    = "face_camera"
	CodeMoveCloser    = "move_closer"
	CodeMoveBack      = "move_back"
	CodeCentre        = "centre_face"
	CodeTooDark       = "too_dark"
	CodeTooBright     = "too_bright"
	CodeHoldStill     = "hold_still"
	CodeSpoof         = "spoof"
	CodeSecondFace    = "second_face"
	CodeOtherPerson   = "different_person"
	CodeFaceLost      = "face_lost"
	CodeNoBlink       = "no_blink"
	CodeNoTurnLeft    = "no_turn_left"
	CodeNoTurnRight   = "no_turn_right"
	CodeNoNod         = "no_nod"
	CodeNoReadDigits  = "no_read_digits"
	CodeCameraProblem = "camera_problem"
	CodeCancelled     = "cancelled"
)

var reasons = map[string]Reason{
	CodeOK:            {CodeOK, "验证通过", "Verified"},
	CodeNoFace:        {CodeNoFace, "请站到摄像头前，让我们看到您的脸", "Please stand in front of the camera so we can see your face"},
	CodeFaceCamera:    {CodeFaceCamera, "请正对摄像头", "Please face the camera"},
	CodeMoveCloser:    {CodeMoveCloser, "请靠近一点", "Please move a little closer"},
	CodeMoveBack:      {CodeMoveBack, "请离远一点", "Please move back a little"},
	CodeCentre:        {CodeCentre, "请把脸移到画面中间", "Please move your face to the middle of the picture"},
	CodeTooDark:       {CodeTooDark, "光线太暗", "It is too dark"},
	CodeTooBright:     {CodeTooBright, "光线太亮", "It is too bright"},
	CodeHoldStill:     {CodeHoldStill, "请保持不动", "Please hold still"},
	CodeSpoof:         {CodeSpoof, "未能确认是真人，请本人直接面对摄像头", "We could not confirm a live person: please face the camera yourself"},
	CodeSecondFace:    {CodeSecondFace, "画面中只能有一个人", "Only one person may be in the picture"},
	CodeOtherPerson:   {CodeOtherPerson, "验证过程中人员发生了变化", "The person changed during the check"},
	CodeFaceLost:      {CodeFaceLost, "我们看不到您的脸了", "We lost sight of your face"},
	CodeNoBlink:       {CodeNoBlink, "我们没有看到您眨眼", "We could not see you blink"},
	CodeNoTurnLeft:    {CodeNoTurnLeft, "我们没有看到您向左转头", "We could not see you turn your head to the left"},
	CodeNoTurnRight:   {CodeNoTurnRight, "我们没有看到您向右转头", "We could not see you turn your head to the right"},
	CodeNoNod:         {CodeNoNod, "我们没有看到您点头", "We could not see you nod"},
	CodeNoReadDigits:  {CodeNoReadDigits, "我们没有看到您读出数字", "We could not see you read the digits aloud"},
	CodeCameraProblem: {CodeCameraProblem, "摄像头故障，请联系工作人员", "Camera problem: please ask the staff"},
	CodeCancelled:     {CodeCancelled, "已取消", "Cancelled"},
}

// ReasonFor returns the reason of a code; an unknown code gives a generic
// failure text that still carries the code.
func ReasonFor(code string) Reason {
	if r, ok := reasons[code]; ok {
		return r
	}
	return Reason{code, "验证未通过", "The check did not pass"}
}

// Codes lists every reason code.
func Codes() []string {
	out := make([]string, 0, len(reasons))
	for c := range reasons {
		out = append(out, c)
	}
	return out
}

// failCode is the reason given when a challenge runs out of time.
func failCode(c Challenge) string {
	switch c {
	case Blink:
		return CodeNoBlink
	case TurnLeft:
		return CodeNoTurnLeft
	case TurnRight:
		return CodeNoTurnRight
	case Nod:
		return CodeNoNod
	case ReadDigits:
		return CodeNoReadDigits
	}
	return "no_" + string(c)
}
