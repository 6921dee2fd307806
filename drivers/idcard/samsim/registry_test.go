package samsim

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hbzk/kiosk/device/clock"
	"github.com/hbzk/kiosk/device/entropy"
	"github.com/hbzk/kiosk/device/hw"
	"github.com/hbzk/kiosk/device/idcard"
	"github.com/hbzk/kiosk/device/logx"
	_ "github.com/hbzk/kiosk/drivers/idcard/sam" // "sam" scheme
)

func TestRegistry(t *testing.T) {
	dir := t.TempDir()
	writeFace(t, dir)
	os.WriteFile(filepath.Join(dir, "cards.toml"), []byte(testCards), 0o644)
	env := hw.Env{Clock: clock.Real{}, Rand: entropy.Seeded(2), Log: logx.Discard(), ConfigDir: dir}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	r, rep := idcard.Backends.Open(ctx, "sim:cards.toml", env)
	if rep.Status != hw.Loaded {
		t.Fatalf("sim: %v", rep)
	}
	defer r.Close()
	sc, ok := r.(idcard.SimControl)
	if !ok {
		t.Fatal("the sim reader does not implement idcard.SimControl")
	}
	if len(sc.Cards()) != 3 || len(sc.FaultKinds()) < 5 {
		t.Errorf("cards %v faults %v", sc.Cards(), sc.FaultKinds())
	}
	sc.Lay(2)
	if err := r.WaitCard(ctx); err != nil {
		t.Fatal(err)
	}
	c, err := r.Read(ctx)
	if err != nil || c.Type != idcard.ForeignPermanent {
		t.Fatalf("read: %v", err)
	}
	if _, err := r.(idcard.PhotoDecoder).DecodePhoto(c.Photo); err != nil {
		t.Errorf("the reader's own decoder: %v", err)
	}
	d, rep := idcard.PhotoDecoders.Open(ctx, "sim:", env)
	if rep.Status != hw.Loaded {
		t.Fatalf("photo decoder: %v", rep)
	}
	if _, err := d.DecodePhoto(c.Photo); err != nil {
		t.Errorf("decode: %v", err)
	}

	for spec, want := range map[string]string{
		"sim:":                     "no cards file",
		"sim:absent.toml":          "absent.toml",
		"sam:":                     "no serial device",
		"sam:/dev/nonexistent-rdr": "/dev/nonexistent-rdr",
		"sam:/dev/x?baud=9600":     "unknown option",
	} {
		_, rep := idcard.Backends.Open(ctx, spec, env)
		if rep.Status != hw.Failed || !strings.Contains(rep.Err.Error(), want) {
			t.Errorf("%s: %v, want failed with %q", spec, rep, want)
		}
	}
}
