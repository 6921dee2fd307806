package opencv

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	"gocv.io/x/gocv"
)

// A model whose bytes match its manifest pin can still make OpenCV throw a
// C++ exception that nothing catches (a corrupt graph whose pin was updated
// along with it, a model of another opset): the process aborts before any
// screen, and under systemd the kiosk restarts in a loop instead of showing
// out of service. So every model is first loaded and run once on a zero
// input in a child process (this same executable, re-run with
// guardEnv set); only a model the child survives is loaded here. The result
// is kept per content hash for the life of the process.

// guardEnv is set in the child: its value is the input shape ("1,3,112,112");
// the model comes on standard input.
const guardEnv = "KIOSK_OPENCV_MODEL_GUARD"

// guardTimeout bounds one child (a load plus one forward pass takes well
// under a second; a hung child is treated as a failure).
const guardTimeout = 60 * time.Second

var guarded sync.Map // [32]byte -> error (nil when the model passed)

func init() {
	shape, ok := os.LookupEnv(guardEnv)
	if !ok {
		return
	}
	// The child: load, run once, exit 0; a crash is seen by the parent.
	data, err := io.ReadAll(os.Stdin)
	if err == nil {
		err = guardChild(data, shape)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	os.Exit(0)
}

func guardChild(data []byte, shape string) error {
	var sizes []int
	for _, f := range strings.Split(shape, ",") {
		n, err := strconv.Atoi(f)
		if err != nil || n <= 0 || n > 4096 {
			return fmt.Errorf("bad input shape %q", shape)
		}
		sizes = append(sizes, n)
	}
	net, err := gocv.ReadNetFromONNXBytes(data)
	if err != nil {
		return err
	}
	defer net.Close()
	if net.Empty() {
		return errors.New("OpenCV loaded an empty network")
	}
	net.SetPreferableBackend(gocv.NetBackendOpenCV)
	net.SetPreferableTarget(gocv.NetTargetCPU)
	in := gocv.NewMatWithSizes(sizes, gocv.MatTypeCV32F)
	defer in.Close()
	net.SetInput(in, "input")
	out := net.Forward("")
	defer out.Close()
	if out.Empty() {
		return errors.New("the forward pass gave no output")
	}
	return nil
}

// guardModel runs the child check for one model's bytes, once per content.
func guardModel(data []byte, input []int) error {
	sum := sha256.Sum256(data)
	if v, ok := guarded.Load(sum); ok {
		err, _ := v.(error)
		return err
	}
	err := runGuard(data, input)
	guarded.Store(sum, err)
	return err
}

func runGuard(data []byte, input []int) error {
	if len(input) == 0 {
		return errors.New("the manifest gives no input shape to test the model with")
	}
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("cannot re-run this program to test the model: %w", err)
	}
	shape := make([]string, len(input))
	for i, n := range input {
		shape[i] = strconv.Itoa(n)
	}
	ctx, cancel := context.WithTimeout(context.Background(), guardTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, self)
	cmd.Env = append(os.Environ(), guardEnv+"="+strings.Join(shape, ","), "OPENCV_LOG_LEVEL=ERROR")
	cmd.Stdin = bytes.NewReader(data)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err = cmd.Run()
	if err == nil {
		return nil
	}
	// The first line says what happened (OpenCV's exception, or the
	// runtime's "SIGSEGV: segmentation violation"); a register dump follows.
	msg := strings.TrimSpace(stderr.String())
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		msg = msg[:i]
	}
	if len(msg) > 300 {
		msg = msg[:300]
	}
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("a test load did not finish in %s", guardTimeout)
	case errors.As(err, &exit) && exit.ExitCode() == 3:
		return fmt.Errorf("OpenCV refused it in a test load: %s", msg)
	case errors.As(err, &exit):
		return fmt.Errorf("OpenCV crashed on it in a test load (%v): %s", exit.ProcessState, msg)
	}
	return fmt.Errorf("cannot run the test load: %w", err)
}
