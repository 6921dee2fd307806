package app

import (
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/hbzk/kiosk/device/clock"
	"github.com/hbzk/kiosk/device/config"
	"github.com/hbzk/kiosk/device/entropy"
	"github.com/hbzk/kiosk/device/flow"
	"github.com/hbzk/kiosk/device/techpin"
)

// pinGuard is the flow's PINGuard: the kiosk's own PIN from the state
// folder (kioskctl pin set), checked as a slow hash, with the lockout's
// state saved after every entry and every entry audited.
type pinGuard struct {
	log     *slog.Logger
	clk     clock.Clock
	dir     string // "" when the state is kept in memory only
	audit   func(event, detail string)
	mu      sync.Mutex
	file    techpin.File
	missing bool // no PIN set: the menu cannot be opened
}

var _ flow.PINGuard = (*pinGuard)(nil)

// newPINGuard loads the kiosk's PIN. Without a PIN file the development
// profile hashes kiosk.toml's ui.tech_pin (kept in memory, same checks and
// lockout); the appliance has no shared default PIN and keeps the menu
// closed until a technician sets one.
func newPINGuard(cfg *config.Config, log *slog.Logger, clk clock.Clock, audit func(event, detail string)) *pinGuard {
	g := &pinGuard{log: log, clk: clk, dir: cfg.Path(cfg.Paths.StateDir), audit: audit}
	f, err := techpin.Load(g.dir)
	switch {
	case err == nil:
		g.file = f
		return g
	case !errors.Is(err, techpin.ErrNoPIN):
		log.Error("technician PIN file unreadable: the technician menu stays closed", "err", err)
	case cfg.Profile != config.Appliance && cfg.UI.TechPIN != "":
		h, herr := techpin.Hash(cfg.UI.TechPIN, entropy.System)
		if herr == nil {
			log.Warn("technician PIN from kiosk.toml (development profile); set this kiosk's own with: kioskctl pin set")
			g.file, g.dir = techpin.File{Hash: h, Digits: len(cfg.UI.TechPIN)}, ""
			return g
		}
		log.Error("technician PIN in kiosk.toml refused", "err", herr)
	default:
		log.Warn("no technician PIN set on this kiosk: the technician menu stays closed (set one with: kioskctl pin set)")
	}
	g.missing = true
	g.file.Digits = techpin.MinLength
	return g
}

func (g *pinGuard) Digits() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.file.Digits
}

func (g *pinGuard) Check(pin string) (bool, time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.missing {
		g.record("refused: no PIN set")
		return false, 0
	}
	out, st, wait, err := techpin.Check(g.file.Hash, pin, g.file.State, g.clk.Now())
	if err != nil {
		g.log.Error("technician PIN check", "err", err)
	}
	g.file.State = st
	if g.dir != "" {
		if err := techpin.Save(g.dir, g.file); err != nil {
			// The lockout must not be lost: refuse while it cannot be kept.
			g.log.Error("technician PIN state not saved", "err", err)
			g.record("refused: state not saved")
			return false, wait
		}
	}
	detail := out.String()
	if wait > 0 {
		detail += ", locked for " + wait.Round(time.Second).String()
	}
	g.record(detail)
	return out == techpin.Accepted, wait
}

func (g *pinGuard) record(detail string) {
	g.log.Info("technician PIN entry", "outcome", detail)
	if g.audit != nil {
		g.audit("tech_pin", detail)
	}
}
