// Command uigallery shows every kiosk screen with invented sample data:
// in a window (-window, through ui/glfw; Right/Space next, Left previous,
// L language, Esc quit; taps print the action they hit) or written as PNGs
// (-out DIR, through the headless presenter). A developer tool.
package main

import (
	"context"
	"flag"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/signal"

	"github.com/hbzk/kiosk/ui"
	uiglfw "github.com/hbzk/kiosk/ui/glfw"
	"github.com/hbzk/kiosk/ui/i18n"
)

const astronaut = "/usr/lib/python3/dist-packages/imageio/resources/images/astronaut.png"

func main() {
	font := flag.String("font", ui.DefaultFontPath, "CJK font file")
	out := flag.String("out", "", "write NN-name.png of every screen here (headless)")
	window := flag.Bool("window", false, "show the screens in a window")
	full := flag.Bool("fullscreen", false, "with -window: fullscreen")
	w := flag.Int("w", 1280, "frame width")
	h := flag.Int("h", 800, "frame height")
	flag.Parse()
	if err := run(*font, *out, *window, *full, image.Pt(*w, *h)); err != nil {
		fmt.Fprintln(os.Stderr, "uigallery:", err)
		os.Exit(1)
	}
}

func run(fontPath, out string, window, full bool, size image.Point) error {
	if (out == "") == !window {
		return fmt.Errorf("give either -out DIR or -window")
	}
	f, err := ui.LoadFont(fontPath)
	if err != nil {
		return err
	}
	r, err := ui.NewRenderer(f, size, ui.DefaultTheme)
	if err != nil {
		return err
	}
	var face image.Image
	box := image.Rect(163, 52, 287, 198)
	if fh, err := os.Open(astronaut); err == nil {
		face, _ = png.Decode(fh)
		fh.Close()
	}
	if face == nil {
		box = image.Rectangle{}
	}
	samples := ui.Samples(face, box)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	frames := make(chan *ui.Frame, 1)
	events := make(chan ui.Event, 16)
	if out != "" {
		h := ui.NewHeadless(out)
		go func() {
			for _, lang := range i18n.Langs {
				for _, s := range samples {
					frames <- r.Render(s.Screen, lang)
				}
			}
			close(frames)
		}()
		go func() {
			for range events {
			}
		}()
		err := h.Run(ctx, frames, events)
		for _, p := range h.Saved() {
			fmt.Println(p)
		}
		return err
	}
	i, lang := 0, i18n.Default
	frames <- r.Render(samples[i].Screen, lang)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		for ev := range events {
			switch {
			case ev.Kind == ui.Close || ev.Key == "escape":
				cancel()
				return
			case ev.Kind == ui.Tap:
				fmt.Printf("%s: tap %v -> %q\n", ev.Screen, ev.Pos, ev.Action)
				if ev.Action != ui.ActionLang {
					continue
				}
				lang = lang.Other()
			case ev.Key == "right" || ev.Key == "space":
				i = (i + 1) % len(samples)
			case ev.Key == "left":
				i = (i + len(samples) - 1) % len(samples)
			case ev.Key == "l":
				lang = lang.Other()
			default:
				continue
			}
			frames <- r.Render(samples[i].Screen, lang)
		}
	}()
	return uiglfw.New(uiglfw.Options{Title: "kiosk screens", Fullscreen: full}).Run(ctx, frames, events)
}
