// Package glfw shows ui frames in an OpenGL 3.3 core window (GLFW): each
// new frame is uploaded as a texture and drawn as one window-filling quad
// (letterboxed when the window's aspect differs), with vsync. Mouse clicks
// and touches (which X11 delivers as pointer events) are mapped back to
// frame coordinates and reported as ui.Tap events with the target hit;
// keys are reported as ui.Key events for development.
//
// It is the only package that imports GLFW and go-gl. GLFW must run on the
// main OS thread: this package locks the main goroutine to it in init, and
// the kiosk's main must call Presenter.Run itself (not from a goroutine).
package glfw

import (
	"context"
	"errors"
	"fmt"
	"image"
	"os"
	"runtime"
	"strings"
	"sync"

	"github.com/go-gl/gl/v3.3-core/gl"
	glfwlib "github.com/go-gl/glfw/v3.3/glfw"

	"github.com/hbzk/kiosk/ui"
)

func init() { runtime.LockOSThread() }

// ErrNoDisplay is returned (wrapped) by Run and CheckDisplay when there is
// no display to open a window on.
var ErrNoDisplay = errors.New("no display")

// CheckDisplay reports whether a window can be opened: DISPLAY (X11) or
// WAYLAND_DISPLAY must be set. glfw.Init without them logs, returns no
// error and fails later, so Run checks first.
func CheckDisplay() error {
	if os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		return fmt.Errorf("glfw: %w: neither DISPLAY nor WAYLAND_DISPLAY is set (run under xvfb-run -a, set DISPLAY=:0, or use the headless presenter)", ErrNoDisplay)
	}
	return nil
}

// Options configure the window.
type Options struct {
	Title      string
	Fullscreen bool // on the primary monitor, at its current mode
	// Width, Height are the windowed size (default: the first frame's).
	Width, Height int
	// OnPresent, if set, is called on the main thread after a new frame
	// was first swapped onto the screen (tests, start-up timing).
	OnPresent func(*ui.Frame)
}

// Presenter is a ui.Presenter showing frames in a GLFW window.
type Presenter struct {
	opts Options
}

var _ ui.Presenter = (*Presenter)(nil)

// New returns a presenter; the window opens in Run.
func New(opts Options) *Presenter {
	if opts.Title == "" {
		opts.Title = "kiosk"
	}
	return &Presenter{opts: opts}
}

// viewport is where a frame of size fw x fh lands in a framebuffer of
// size w x h: scaled to fit, centred (letterboxed or pillarboxed).
func viewport(w, h, fw, fh int) image.Rectangle {
	if fw <= 0 || fh <= 0 || w <= 0 || h <= 0 {
		return image.Rectangle{}
	}
	vw, vh := w, w*fh/fw
	if vh > h {
		vw, vh = h*fw/fh, h
	}
	x, y := (w-vw)/2, (h-vh)/2
	return image.Rect(x, y, x+vw, y+vh)
}

// toFrame maps a cursor position in window coordinates to frame pixels,
// given the window and framebuffer sizes (they differ on HiDPI screens)
// and the frame size. ok is false outside the frame (on the bars).
func toFrame(cx, cy float64, winW, winH, fbW, fbH, fw, fh int) (image.Point, bool) {
	if winW <= 0 || winH <= 0 {
		return image.Point{}, false
	}
	x := cx * float64(fbW) / float64(winW)
	y := cy * float64(fbH) / float64(winH)
	vp := viewport(fbW, fbH, fw, fh)
	if vp.Empty() {
		return image.Point{}, false
	}
	fx := (x - float64(vp.Min.X)) * float64(fw) / float64(vp.Dx())
	fy := (y - float64(vp.Min.Y)) * float64(fh) / float64(vp.Dy())
	p := image.Pt(int(fx), int(fy))
	return p, fx >= 0 && fy >= 0 && p.X < fw && p.Y < fh
}

const vertexShader = `#version 330 core
out vec2 uv;
void main() {
	// A full-viewport triangle strip from the vertex id; no buffers.
	vec2 p = vec2(float(gl_VertexID & 1), float((gl_VertexID >> 1) & 1));
	uv = vec2(p.x, 1.0 - p.y);
	gl_Position = vec4(p * 2.0 - 1.0, 0.0, 1.0);
}
` + "\x00"

const fragmentShader = `#version 330 core
in vec2 uv;
out vec4 colour;
uniform sampler2D frame;
void main() { colour = vec4(texture(frame, uv).rgb, 1.0); }
` + "\x00"

func compile(kind uint32, src string) (uint32, error) {
	s := gl.CreateShader(kind)
	cs, free := gl.Strs(src)
	gl.ShaderSource(s, 1, cs, nil)
	free()
	gl.CompileShader(s)
	var ok int32
	gl.GetShaderiv(s, gl.COMPILE_STATUS, &ok)
	if ok == gl.FALSE {
		var n int32
		gl.GetShaderiv(s, gl.INFO_LOG_LENGTH, &n)
		log := strings.Repeat("\x00", int(n+1))
		gl.GetShaderInfoLog(s, n, nil, gl.Str(log))
		return 0, fmt.Errorf("glfw: compile shader: %s", strings.TrimRight(log, "\x00"))
	}
	return s, nil
}

func program() (uint32, error) {
	vs, err := compile(gl.VERTEX_SHADER, vertexShader)
	if err != nil {
		return 0, err
	}
	fs, err := compile(gl.FRAGMENT_SHADER, fragmentShader)
	if err != nil {
		return 0, err
	}
	p := gl.CreateProgram()
	gl.AttachShader(p, vs)
	gl.AttachShader(p, fs)
	gl.LinkProgram(p)
	var ok int32
	gl.GetProgramiv(p, gl.LINK_STATUS, &ok)
	if ok == gl.FALSE {
		return 0, errors.New("glfw: link shader program failed")
	}
	gl.DeleteShader(vs)
	gl.DeleteShader(fs)
	return p, nil
}

var keyNames = map[glfwlib.Key]string{
	glfwlib.KeyEscape: "escape", glfwlib.KeyEnter: "enter", glfwlib.KeyKPEnter: "enter",
	glfwlib.KeyBackspace: "backspace", glfwlib.KeySpace: "space", glfwlib.KeyTab: "tab",
	glfwlib.KeyUp: "up", glfwlib.KeyDown: "down", glfwlib.KeyLeft: "left", glfwlib.KeyRight: "right",
	glfwlib.KeyF1: "f1", glfwlib.KeyF2: "f2", glfwlib.KeyF3: "f3", glfwlib.KeyF4: "f4",
}

func keyName(k glfwlib.Key) string {
	if n, ok := keyNames[k]; ok {
		return n
	}
	switch {
	case k >= glfwlib.Key0 && k <= glfwlib.Key9:
		return string(rune('0' + k - glfwlib.Key0))
	case k >= glfwlib.KeyKP0 && k <= glfwlib.KeyKP9:
		return string(rune('0' + k - glfwlib.KeyKP0))
	case k >= glfwlib.KeyA && k <= glfwlib.KeyZ:
		return string(rune('a' + k - glfwlib.KeyA))
	}
	return ""
}

// Run opens the window and shows frames until ctx ends, frames is closed
// or the window is closed (in the last two cases it sends a ui.Close event
// first). It must be called from the main goroutine (see the package doc).
func (p *Presenter) Run(ctx context.Context, frames <-chan *ui.Frame, events chan<- ui.Event) error {
	if err := CheckDisplay(); err != nil {
		return err
	}
	if err := glfwlib.Init(); err != nil {
		return fmt.Errorf("glfw: init: %w", err)
	}
	defer glfwlib.Terminate()

	// Wait for the first frame to know the size (or give up).
	var cur *ui.Frame
	select {
	case <-ctx.Done():
		return nil
	case f, ok := <-frames:
		if !ok {
			return nil
		}
		cur = f
	}
	fw, fh := cur.Image.Rect.Dx(), cur.Image.Rect.Dy()

	glfwlib.WindowHint(glfwlib.ContextVersionMajor, 3)
	glfwlib.WindowHint(glfwlib.ContextVersionMinor, 3)
	glfwlib.WindowHint(glfwlib.OpenGLProfile, glfwlib.OpenGLCoreProfile)
	glfwlib.WindowHint(glfwlib.OpenGLForwardCompatible, glfwlib.True)
	glfwlib.WindowHint(glfwlib.Resizable, glfwlib.True)
	var mon *glfwlib.Monitor
	w, h := p.opts.Width, p.opts.Height
	if w <= 0 || h <= 0 {
		w, h = fw, fh
	}
	if pm := glfwlib.GetPrimaryMonitor(); pm != nil {
		if m := pm.GetVideoMode(); m != nil {
			if p.opts.Fullscreen {
				mon, w, h = pm, m.Width, m.Height
			} else if w > m.Width || h > m.Height {
				// A development window larger than the screen: shrink it,
				// keeping the frame's aspect.
				vp := viewport(m.Width*9/10, m.Height*9/10, w, h)
				w, h = vp.Dx(), vp.Dy()
			}
		}
	}
	win, err := glfwlib.CreateWindow(w, h, p.opts.Title, mon, nil)
	if err != nil {
		return fmt.Errorf("glfw: create %dx%d window (OpenGL 3.3 core): %w", w, h, err)
	}
	defer win.Destroy()
	if mon == nil {
		win.SetPos(0, 0)
	}
	win.MakeContextCurrent()
	if err := gl.Init(); err != nil {
		return fmt.Errorf("glfw: OpenGL init: %w", err)
	}
	glfwlib.SwapInterval(1)
	if p.opts.Fullscreen {
		win.SetInputMode(glfwlib.CursorMode, glfwlib.CursorHidden)
	}

	prog, err := program()
	if err != nil {
		return err
	}
	var vao, tex uint32
	gl.GenVertexArrays(1, &vao)
	gl.GenTextures(1, &tex)
	gl.BindTexture(gl.TEXTURE_2D, tex)
	gl.TexParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.LINEAR)
	gl.TexParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.LINEAR)
	gl.TexParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE)
	gl.TexParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE)
	texW, texH := 0, 0
	upload := func(f *ui.Frame) {
		img := f.Image
		iw, ih := img.Rect.Dx(), img.Rect.Dy()
		gl.BindTexture(gl.TEXTURE_2D, tex)
		gl.PixelStorei(gl.UNPACK_ROW_LENGTH, int32(img.Stride/4))
		gl.PixelStorei(gl.UNPACK_ALIGNMENT, 4)
		if iw != texW || ih != texH {
			gl.TexImage2D(gl.TEXTURE_2D, 0, gl.RGBA8, int32(iw), int32(ih), 0, gl.RGBA, gl.UNSIGNED_BYTE, gl.Ptr(img.Pix))
			texW, texH = iw, ih
		} else {
			gl.TexSubImage2D(gl.TEXTURE_2D, 0, 0, 0, int32(iw), int32(ih), gl.RGBA, gl.UNSIGNED_BYTE, gl.Ptr(img.Pix))
		}
		fw, fh = iw, ih
	}

	// A goroutine receives frames and wakes the event loop; it must not
	// touch GLFW once Run returns (alive is cleared before Terminate).
	var mu sync.Mutex
	var next *ui.Frame
	closed, alive := false, true
	stop := make(chan struct{})
	defer func() {
		mu.Lock()
		alive = false
		mu.Unlock()
		close(stop)
	}()
	wake := func() {
		mu.Lock()
		if alive {
			glfwlib.PostEmptyEvent()
		}
		mu.Unlock()
	}
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-ctx.Done():
				wake()
				return
			case f, ok := <-frames:
				mu.Lock()
				if ok {
					next = f
				} else {
					closed = true
				}
				mu.Unlock()
				wake()
				if !ok {
					return
				}
			}
		}
	}()

	var pending []ui.Event
	win.SetMouseButtonCallback(func(w *glfwlib.Window, b glfwlib.MouseButton, a glfwlib.Action, _ glfwlib.ModifierKey) {
		if b != glfwlib.MouseButtonLeft || a != glfwlib.Press {
			return
		}
		cx, cy := w.GetCursorPos()
		ww, wh := w.GetSize()
		bw, bh := w.GetFramebufferSize()
		pt, ok := toFrame(cx, cy, ww, wh, bw, bh, fw, fh)
		if !ok {
			return
		}
		pending = append(pending, ui.Event{Kind: ui.Tap, Pos: pt, Action: cur.Hit(pt), Screen: cur.Screen})
	})
	win.SetKeyCallback(func(_ *glfwlib.Window, k glfwlib.Key, _ int, a glfwlib.Action, _ glfwlib.ModifierKey) {
		if a != glfwlib.Press {
			return
		}
		if n := keyName(k); n != "" {
			pending = append(pending, ui.Event{Kind: ui.Key, Key: n, Action: ui.KeyAction(cur, n), Screen: cur.Screen})
		}
	})
	send := func(ev ui.Event) bool {
		select {
		case events <- ev:
			return true
		case <-ctx.Done():
			return false
		}
	}

	upload(cur)
	fresh := true
	for {
		if win.ShouldClose() {
			send(ui.Event{Kind: ui.Close, Screen: cur.Screen})
			return nil
		}
		if ctx.Err() != nil {
			return nil
		}
		mu.Lock()
		f, end := next, closed
		next = nil
		mu.Unlock()
		if end && f == nil {
			send(ui.Event{Kind: ui.Close, Screen: cur.Screen})
			return nil
		}
		if f != nil {
			cur = f
			upload(f)
			fresh = true
		}
		bw, bh := win.GetFramebufferSize()
		vp := viewport(bw, bh, fw, fh)
		gl.Viewport(0, 0, int32(bw), int32(bh))
		gl.ClearColor(0, 0, 0, 1)
		gl.Clear(gl.COLOR_BUFFER_BIT)
		// GL's viewport origin is bottom-left.
		gl.Viewport(int32(vp.Min.X), int32(bh-vp.Max.Y), int32(vp.Dx()), int32(vp.Dy()))
		gl.UseProgram(prog)
		gl.BindVertexArray(vao)
		gl.ActiveTexture(gl.TEXTURE0)
		gl.BindTexture(gl.TEXTURE_2D, tex)
		gl.DrawArrays(gl.TRIANGLE_STRIP, 0, 4)
		win.SwapBuffers()
		if fresh {
			fresh = false
			if p.opts.OnPresent != nil {
				gl.Finish()
				p.opts.OnPresent(cur)
			}
		}
		for _, ev := range pending {
			if !send(ev) {
				return nil
			}
		}
		pending = pending[:0]
		glfwlib.WaitEvents()
	}
}
