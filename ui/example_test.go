package ui_test

import (
	"context"
	"fmt"
	"log"

	"github.com/hbzk/kiosk/ui"
	"github.com/hbzk/kiosk/ui/i18n"
)

// The flow renders view models into frames, a presenter shows them and
// reports taps as actions.
func Example() {
	font, err := ui.LoadFont(ui.DefaultFontPath)
	if err != nil {
		log.Fatal(err) // names the path and the Debian package
	}
	r, err := ui.NewRenderer(font, ui.DesignSize, ui.DefaultTheme)
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	frames := make(chan *ui.Frame, 1)
	events := make(chan ui.Event, 8)
	h := ui.NewHeadless("var/screens") // or glfw.New(...) from main
	go h.Run(ctx, frames, events)

	lang := i18n.Default
	frames <- r.Render(ui.MatchFailed{AttemptsLeft: 2}, lang)
	if _, err := h.WaitScreen(ctx, "match-failed"); err != nil {
		log.Fatal(err)
	}
	h.Press(ui.ActionRetry) // a test taps; a candidate touches the screen
	ev := <-events
	fmt.Println(ev.Kind, ev.Action) // tap retry
}
