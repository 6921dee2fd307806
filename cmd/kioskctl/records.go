package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/hbzk/kiosk/device/config"
	"github.com/hbzk/kiosk/device/record"
	"github.com/hbzk/kiosk/store"
)

func init() {
	register(command{name: "records list", summary: "list the local records (UUID, state, attempts; no personal data)", run: recordsList})
	register(command{name: "records show", summary: "show one local record (personal fields masked unless --personal)", run: recordsShow})
	register(command{name: "records export", summary: "write local records as JSON + images to a folder", run: recordsExport})
}

// systemConfig is where the .deb installs the appliance's configuration.
var systemConfig = "/etc/kiosk/kiosk.toml"

// configFlag adds --config to a command's flags.
func configFlag(fs *flag.FlagSet) *string {
	return fs.String("config", "", "kiosk.toml (default ./kiosk.toml if present, else "+systemConfig+" on an installed kiosk, else the defaults)")
}

// loadKioskConfig reads --config, or ./kiosk.toml when present, or the
// installed kiosk's configuration (with the appliance profile's defaults
// under it), or the defaults.
func loadKioskConfig(path string) (*config.Config, error) {
	profile := config.DefaultProfile
	if path == "" {
		if _, err := os.Stat("kiosk.toml"); err == nil {
			path = "kiosk.toml"
		} else if _, err := os.Stat(systemConfig); err == nil {
			path, profile = systemConfig, config.Appliance
		}
	}
	return config.Load(path, profile)
}

// openStore opens the kiosk's store for reading and syncing (no device
// key: kioskctl never signs records).
func openStore(ctx context.Context, cfg *config.Config) (*store.Store, error) {
	dbPath := cfg.StatePath(cfg.Store.DB)
	if _, err := os.Stat(dbPath); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no store at %s (the kiosk has not run yet, or --config names another state folder)", dbPath)
	}
	return store.OpenConfig(ctx, cfg, false, nil, nil, nil)
}

// withStore loads the config and opens the store for a command, runs it,
// and closes the store: a bad config is a usage error (2), a store that
// does not open a failure (1).
func withStore(c *cli, cfgPath string, run func(ctx context.Context, cfg *config.Config, st *store.Store) int) int {
	cfg, err := loadKioskConfig(cfgPath)
	if err != nil {
		return c.usagef("%v", err)
	}
	ctx := context.Background()
	st, err := openStore(ctx, cfg)
	if err != nil {
		return c.errorf("%v", err)
	}
	defer st.Close()
	return run(ctx, cfg, st)
}

func state(sm store.Summary) string {
	switch {
	case sm.Rejected != "":
		return "rejected"
	case sm.Pending:
		return "pending"
	case sm.Purged != nil:
		return "purged"
	case sm.Acked != nil:
		return "acked"
	}
	return "?"
}

func recordsList(c *cli, args []string) int {
	fs := flag.NewFlagSet("records list", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	cfgPath := configFlag(fs)
	limit := fs.Int("limit", 50, "newest N records (0 = all)")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil || fs.NArg() != 0 {
		return c.usagef("usage: kioskctl records list [--config FILE] [--limit N] [--json]")
	}
	return withStore(c, *cfgPath, func(ctx context.Context, cfg *config.Config, st *store.Store) int {
		list, err := st.List(ctx, *limit)
		if err != nil {
			return c.errorf("%v", err)
		}
		if *asJSON {
			if list == nil {
				list = []store.Summary{}
			}
			b, _ := json.MarshalIndent(list, "", "  ")
			fmt.Fprintln(c.stdout, string(b))
			return 0
		}
		tw := tabwriter.NewWriter(c.stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "SEQ\tUUID\tCREATED\tSTATE\tATTEMPTS\tHASH")
		for _, sm := range list {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%.16s\n", sm.Seq, sm.UUID, sm.Created.Local().Format("2006-01-02 15:04:05"),
				state(sm), sm.Attempts, sm.Hash.String())
		}
		tw.Flush()
		return 0
	})
}

// mask keeps the first and last character of personal text.
func mask(s string) string {
	n := utf8.RuneCountInString(s)
	if n <= 2 {
		return strings.Repeat("*", n)
	}
	r := []rune(s)
	return string(r[0]) + strings.Repeat("*", n-2) + string(r[n-1])
}

// showRecord is a record for printing: images as sizes.
type showRecord struct {
	Summary store.Summary   `json:"summary"`
	Record  *record.Record  `json:"record"`
	Images  map[string]blob `json:"images"`
}

type blob struct {
	Type  string `json:"type"`
	Bytes int    `json:"bytes"`
}

func stripImages(r *record.Record) map[string]blob {
	out := map[string]blob{}
	for _, nb := range r.Images.Named() {
		if !nb.Blob.Empty() {
			out[nb.Name] = blob{nb.Blob.Type, len(nb.Blob.Data)}
		}
	}
	r.Images = record.Images{}
	return out
}

func maskCard(cd *record.Card) {
	for _, p := range []*string{&cd.Name, &cd.NameEN, &cd.Birth, &cd.Address, &cd.IDNumber, &cd.PermitNumber} {
		*p = mask(*p)
	}
}

func recordsShow(c *cli, args []string) int {
	fs := flag.NewFlagSet("records show", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	cfgPath := configFlag(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	personal := fs.Bool("personal", false, "show personal fields unmasked")
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 {
		return c.usagef("usage: kioskctl records show [--config FILE] [--json] [--personal] UUID")
	}
	return withStore(c, *cfgPath, func(ctx context.Context, cfg *config.Config, st *store.Store) int {
		r, sm, err := st.Get(ctx, fs.Arg(0))
		if errors.Is(err, store.ErrPurged) {
			fmt.Fprintf(c.stdout, "uuid      %s\nhash      %s\nstate     %s\nacked     %s\npurged    %s\n(personal data purged after acknowledgement)\n",
				sm.UUID, sm.Hash, state(sm), sm.Acked.Format(time.RFC3339), sm.Purged.Format(time.RFC3339))
			return 0
		}
		if err != nil {
			return c.errorf("%v", err)
		}
		if !*personal {
			maskCard(&r.Card)
		}
		out := showRecord{Summary: sm, Record: r, Images: stripImages(r)}
		if *asJSON {
			b, _ := json.MarshalIndent(out, "", "  ")
			fmt.Fprintln(c.stdout, string(b))
			return 0
		}
		tw := tabwriter.NewWriter(c.stdout, 2, 4, 2, ' ', 0)
		row := func(k string, v any) { fmt.Fprintf(tw, "%s\t%v\n", k, v) }
		row("uuid", sm.UUID)
		row("hash", sm.Hash)
		row("state", state(sm))
		if sm.Rejected != "" {
			row("rejected", sm.Rejected)
		}
		row("device", r.DeviceID)
		row("site", r.Site)
		row("simulated", r.Simulated)
		row("confirmed", r.Times.Confirmed.Local().Format(time.RFC3339))
		row("card type", fmt.Sprintf("%q", r.Card.Type))
		row("name", r.Card.Name)
		row("id number", r.Card.IDNumber+r.Card.PermitNumber)
		row("scores", fmt.Sprintf("match %.3f (>= %.3f), liveness %.3f (>= %.3f), photo %.3f (>= %.3f)",
			r.Scores.Match, r.Scores.MatchThreshold, r.Scores.Liveness, r.Scores.LivenessThreshold, r.Scores.PhotoMatch, r.Scores.PhotoMatchThreshold))
		row("attempts", fmt.Sprintf("face %d, photo %d, signature %d", r.Attempts.Face, r.Attempts.Photo, r.Attempts.Signature))
		for _, nb := range []string{"chip_photo_wlt", "chip_photo", "live_frame", "reg_photo", "signature_png", "signature_iso", "signature_strokes"} {
			if b, ok := out.Images[nb]; ok {
				row(nb, fmt.Sprintf("%s, %d bytes", b.Type, b.Bytes))
			}
		}
		tw.Flush()
		return 0
	})
}

var extensions = map[string]string{
	record.TypePNG: ".png", record.TypeJPEG: ".jpg", record.TypeWLT: ".wlt",
	record.TypeISOSig: ".iso", record.TypeStrokes: ".json",
}

// exportRecord writes dir/UUID/record.json and one file per image (the
// same layout as centrald export).
func exportRecord(dir string, r *record.Record, sm store.Summary) (int, error) {
	rd := filepath.Join(dir, r.UUID)
	if err := os.MkdirAll(rd, 0o700); err != nil {
		return 0, err
	}
	files := map[string]string{}
	for _, nb := range r.Images.Named() {
		if nb.Blob.Empty() {
			continue
		}
		ext := extensions[nb.Blob.Type]
		if ext == "" {
			ext = ".bin"
		}
		if err := os.WriteFile(filepath.Join(rd, nb.Name+ext), nb.Blob.Data, 0o600); err != nil {
			return 0, err
		}
		files[nb.Name] = nb.Name + ext
	}
	r.Images = record.Images{}
	b, _ := json.MarshalIndent(map[string]any{"record": r, "files": files, "hash": sm.Hash, "summary": sm}, "", "  ")
	return len(files), os.WriteFile(filepath.Join(rd, "record.json"), append(b, '\n'), 0o600)
}

func recordsExport(c *cli, args []string) int {
	fs := flag.NewFlagSet("records export", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	cfgPath := configFlag(fs)
	out := fs.String("out", "", "folder to write UUID/record.json and images into")
	if err := fs.Parse(args); err != nil || *out == "" {
		return c.usagef("usage: kioskctl records export [--config FILE] --out DIR [UUID...]")
	}
	return withStore(c, *cfgPath, func(ctx context.Context, cfg *config.Config, st *store.Store) int {
		ids := fs.Args()
		if len(ids) == 0 {
			list, err := st.List(ctx, 0)
			if err != nil {
				return c.errorf("%v", err)
			}
			for _, sm := range list {
				if sm.Purged == nil {
					ids = append(ids, sm.UUID)
				}
			}
		}
		n, files := 0, 0
		for _, id := range ids {
			r, sm, err := st.Get(ctx, id)
			if err != nil {
				return c.errorf("%v", err)
			}
			k, err := exportRecord(*out, r, sm)
			if err != nil {
				return c.errorf("export %s: %v", id, err)
			}
			n, files = n+1, files+k
		}
		fmt.Fprintf(c.stdout, "exported %d records, %d files to %s\n", n, files, *out)
		return 0
	})
}
