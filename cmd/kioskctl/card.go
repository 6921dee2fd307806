package main

import (
	"bufio"
	"context"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"image/png"
	"io"
	"os"
	"strings"
	"time"

	"github.com/hbzk/kiosk/device/clock"
	"github.com/hbzk/kiosk/device/idcard"
	"github.com/hbzk/kiosk/drivers/idcard/sam"
	"github.com/hbzk/kiosk/drivers/idcard/samsim"
	"github.com/hbzk/kiosk/drivers/idcard/wlt"
)

func init() {
	register(command{name: "card parse", summary: "decode a 30 01 / 30 10 answer frame and print the card", run: cardParse})
	register(command{name: "card read", summary: "read a card from a SAM reader (--port DEV)", run: cardRead})
	register(command{name: "card sam", summary: "print a SAM reader's status and SAM id (--port DEV)", run: cardSAM})
	register(command{name: "card sim-frame", summary: "write the 30 01 answer frame of a simulated card", run: cardSimFrame})
	register(command{name: "card sim", summary: "run a simulated reader on a pty, driven from stdin", run: cardSim})
	register(command{name: "card photo", summary: "decode the chip photo of an answer frame to PNG", run: cardPhoto})
}

// cardJSON is the card as "card parse --json" and "card read --json" print
// it; keys a card type does not have are left out.
type cardJSON struct {
	Type         string `json:"type"`
	Name         string `json:"name,omitempty"`
	NameEN       string `json:"name_en,omitempty"`
	Sex          string `json:"sex"`
	Nation       string `json:"nation,omitempty"`
	NationName   string `json:"nation_name,omitempty"`
	Birth        string `json:"birth"`
	Address      string `json:"address,omitempty"`
	IDNumber     string `json:"id_number,omitempty"`
	Authority    string `json:"authority,omitempty"`
	ValidFrom    string `json:"valid_from"`
	ValidTo      string `json:"valid_to"`
	PermitNumber string `json:"permit_number,omitempty"`
	IssueCount   string `json:"issue_count,omitempty"`
	Nationality  string `json:"nationality,omitempty"`
	PhotoSHA256  string `json:"photo_sha256"`
	IDChecksumOK *bool  `json:"id_checksum_ok,omitempty"`
	Expired      bool   `json:"expired"`
}

func toJSON(c *idcard.Card, today idcard.Date) cardJSON {
	j := cardJSON{
		Type: c.Type.String(), Name: c.Name, NameEN: c.NameEN, Sex: c.Sex.String(),
		Nation: c.Nation, NationName: c.NationName(), Birth: c.Birth.String(), Address: c.Address,
		IDNumber: c.IDNumber, Authority: c.Authority, ValidFrom: c.ValidFrom.String(),
		PermitNumber: c.PermitNumber, IssueCount: c.IssueCount, Nationality: c.Nationality,
		PhotoSHA256: hex.EncodeToString(c.PhotoSHA256[:]), Expired: c.Expired(today),
	}
	j.ValidTo = "long-term"
	if !c.NoExpiry {
		j.ValidTo = c.ValidTo.String()
	}
	if ok, applies := c.IDChecksumOK(); applies {
		j.IDChecksumOK = &ok
	}
	return j
}

func printCard(w io.Writer, c *idcard.Card, asJSON bool, today idcard.Date) {
	j := toJSON(c, today)
	if asJSON {
		e := json.NewEncoder(w)
		e.SetIndent("", "  ")
		e.SetEscapeHTML(false)
		e.Encode(j)
		return
	}
	row := func(label, v string) {
		if v != "" {
			fmt.Fprintf(w, "%s%s  %s\n", label, strings.Repeat(" ", max(0, 24-displayWidth(label))), v)
		}
	}
	typeNames := map[idcard.Type]string{idcard.Resident: "居民身份证 resident ID card",
		idcard.HMTPermit:        "港澳台居民居住证 HK/Macau/Taiwan residence permit",
		idcard.ForeignPermanent: "外国人永久居留身份证 foreign permanent resident ID card"}
	row("类型 type", typeNames[c.Type])
	row("姓名 name", c.Name)
	row("英文名 English name", c.NameEN)
	row("性别 sex", c.Sex.Chinese()+" "+c.Sex.String())
	if c.Nation != "" {
		row("民族 nation", c.Nation+" "+c.NationName())
	}
	row("国籍 nationality", c.Nationality)
	row("出生 birth", j.Birth)
	row("住址 address", c.Address)
	row("公民身份号码 ID number", c.IDNumber)
	row("证件号码 permit number", c.PermitNumber)
	row("签发次数 issue count", c.IssueCount)
	row("签发机关 authority", c.Authority)
	row("证件版本 version", c.Version)
	row("有效期限 validity", j.ValidFrom+" .. "+j.ValidTo)
	if j.IDChecksumOK != nil {
		row("号码校验 ID check digit", map[bool]string{true: "ok", false: "WRONG"}[*j.IDChecksumOK])
	}
	row("已过期 expired", map[bool]string{true: "YES", false: "no"}[j.Expired])
	row("照片 photo sha256", j.PhotoSHA256)
}

// displayWidth counts wide (CJK) characters as two columns.
func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r >= 0x1100 && (r <= 0x115F || r >= 0x2E80 && r <= 0xA4CF || r >= 0xAC00 && r <= 0xD7A3 || r >= 0xF900 && r <= 0xFAFF || r >= 0xFF00 && r <= 0xFF60) {
			n++
		}
	}
	return n
}

// readFrameInput reads FILE or - (stdin), as binary or, with isHex, as hex
// text (whitespace, ':' and "0x" ignored).
func readFrameInput(c *cli, name string, isHex bool) ([]byte, error) {
	var data []byte
	var err error
	if name == "-" {
		data, err = io.ReadAll(c.stdin)
	} else {
		data, err = os.ReadFile(name)
	}
	if err != nil {
		return nil, err
	}
	if !isHex {
		return data, nil
	}
	s := strings.NewReplacer("0x", "", "0X", "", ":", "", ",", "").Replace(string(data))
	s = strings.Join(strings.Fields(s), "")
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("not hex: %w", err)
	}
	return b, nil
}

// parseAnswerFrame decodes a read answer frame into a card.
func parseAnswerFrame(b []byte) (*idcard.Card, error) {
	body, err := sam.Decode(b)
	if err != nil {
		return nil, err
	}
	r, err := sam.ParseResponse(body)
	if err != nil {
		return nil, err
	}
	if r.Status != sam.StatusOK {
		return nil, fmt.Errorf("answer status %v: not a successful read", r.Status)
	}
	// 30 01 data is 4 + 256 + 1024 bytes; 30 10 data has a third length.
	fp := len(r.Data) != 4+idcard.TextSize+idcard.PhotoSize
	c, err := idcard.ParseChipData(r.Data, fp)
	if err != nil {
		return nil, err
	}
	return c, nil
}

func cardParse(c *cli, args []string) int {
	fs := flag.NewFlagSet("card parse", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	asJSON := fs.Bool("json", false, "print JSON")
	isHex := fs.Bool("hex", false, "the input is hex text")
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 {
		return c.usagef("usage: kioskctl card parse [--json] [--hex] FILE|-")
	}
	b, err := readFrameInput(c, fs.Arg(0), *isHex)
	if err != nil {
		return c.errorf("card parse: %v", err)
	}
	card, err := parseAnswerFrame(b)
	if err != nil {
		return c.errorf("card parse: %s: %v", fs.Arg(0), err)
	}
	printCard(c.stdout, card, *asJSON, idcard.DateOf(clock.Real{}.Now()))
	return 0
}

func cardPhoto(c *cli, args []string) int {
	fs := flag.NewFlagSet("card photo", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	isHex := fs.Bool("hex", false, "the input is hex text")
	lib := fs.String("lib", "", "decode with the vendor library at this path (default: the simulator's format)")
	if err := fs.Parse(args); err != nil || fs.NArg() != 2 {
		return c.usagef("usage: kioskctl card photo [--hex] [--lib libwlt2bmp.so] FILE|- OUT.png")
	}
	b, err := readFrameInput(c, fs.Arg(0), *isHex)
	if err != nil {
		return c.errorf("card photo: %v", err)
	}
	card, err := parseAnswerFrame(b)
	if err != nil {
		return c.errorf("card photo: %s: %v", fs.Arg(0), err)
	}
	var dec idcard.PhotoDecoder = samsim.Decoder{}
	if *lib != "" {
		if dec, err = wlt.Open(*lib, ""); err != nil {
			return c.errorf("card photo: %v", err)
		}
	}
	img, err := dec.DecodePhoto(card.Photo)
	if err != nil {
		return c.errorf("card photo: %v", err)
	}
	f, err := os.Create(fs.Arg(1))
	if err != nil {
		return c.errorf("card photo: %v", err)
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return c.errorf("card photo: %v", err)
	}
	if err := f.Close(); err != nil {
		return c.errorf("card photo: %v", err)
	}
	return 0
}

func cardRead(c *cli, args []string) int {
	fs := flag.NewFlagSet("card read", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	port := fs.String("port", "", "serial device of the reader")
	asJSON := fs.Bool("json", false, "print JSON")
	wait := fs.Duration("wait", 30*time.Second, "how long to wait for a card")
	fp := fs.Bool("fingerprint", false, "read with 30 10 (text, photo and fingerprint)")
	if err := fs.Parse(args); err != nil || *port == "" || fs.NArg() != 0 {
		return c.usagef("usage: kioskctl card read --port DEV [--json] [--wait 30s] [--fingerprint]")
	}
	r, err := sam.Open(*port, sam.ReaderOptions{Options: sam.Options{Fingerprint: *fp}})
	if err != nil {
		return c.errorf("card read: %v", err)
	}
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), *wait)
	defer cancel()
	fmt.Fprintf(c.stderr, "kioskctl: waiting up to %v for a card on %s\n", *wait, *port)
	if err := r.WaitCard(ctx); err != nil {
		return c.errorf("card read: waiting for a card: %v", err)
	}
	card, err := r.Read(ctx)
	if err != nil {
		return c.errorf("card read: %v", err)
	}
	printCard(c.stdout, card, *asJSON, idcard.DateOf(clock.Real{}.Now()))
	return 0
}

func cardSAM(c *cli, args []string) int {
	fs := flag.NewFlagSet("card sam", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	port := fs.String("port", "", "serial device of the reader")
	if err := fs.Parse(args); err != nil || *port == "" || fs.NArg() != 0 {
		return c.usagef("usage: kioskctl card sam --port DEV")
	}
	r, err := sam.Open(*port, sam.ReaderOptions{})
	if err != nil {
		return c.errorf("card sam: %v", err)
	}
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := r.SAMStatus(ctx); err != nil {
		return c.errorf("card sam: status: %v", err)
	}
	fmt.Fprintln(c.stdout, "SAM status: ok")
	id, err := r.SAMID(ctx)
	if err != nil {
		return c.errorf("card sam: id: %v", err)
	}
	fmt.Fprintln(c.stdout, "SAM id:", id)
	return 0
}

func cardSimFrame(c *cli, args []string) int {
	fs := flag.NewFlagSet("card sim-frame", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	n := fs.Int("card", 0, "index of the card in the file (kioskctl card sim-frame --list shows them)")
	list := fs.Bool("list", false, "list the cards instead")
	asHex := fs.Bool("hex", false, "write hex text instead of binary")
	fp := fs.Bool("fingerprint", false, "write the 30 10 answer instead of 30 01")
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 {
		return c.usagef("usage: kioskctl card sim-frame [--card N] [--hex] [--fingerprint] [--list] CARDS.toml")
	}
	cards, err := samsim.LoadCards(fs.Arg(0))
	if err != nil {
		return c.errorf("card sim-frame: %v", err)
	}
	sim := samsim.New(cards, samsim.Options{})
	if *list {
		for i, l := range sim.Cards() {
			fmt.Fprintf(c.stdout, "%d\t%s\n", i, l)
		}
		return 0
	}
	if err := sim.Lay(*n); err != nil {
		return c.usagef("card sim-frame: %v", err)
	}
	para := byte(sam.ParaRead)
	if *fp {
		para = sam.ParaReadFP
	}
	frame := sim.Answer([]byte{sam.CmdRead, para})
	if *asHex {
		for len(frame) > 0 {
			k := min(32, len(frame))
			fmt.Fprintln(c.stdout, hex.EncodeToString(frame[:k]))
			frame = frame[k:]
		}
		return 0
	}
	c.stdout.Write(frame)
	return 0
}

const cardSimHelp = `commands: cards | lay N | remove | fault KIND | faults | quit (or end of input)`

// cardSim runs the simulator on a pty so that "card read --port", the
// kiosk ("sam:/dev/pts/N") or a vendor tool can talk to it; stdin lays and
// removes cards and scripts faults.
func cardSim(c *cli, args []string) int {
	fs := flag.NewFlagSet("card sim", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	n := fs.Int("card", -1, "card to lay at start (-1: none)")
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 {
		return c.usagef("usage: kioskctl card sim [--card N] CARDS.toml")
	}
	cards, err := samsim.LoadCards(fs.Arg(0))
	if err != nil {
		return c.errorf("card sim: %v", err)
	}
	sim := samsim.New(cards, samsim.Options{})
	if *n >= 0 {
		if err := sim.Lay(*n); err != nil {
			return c.usagef("card sim: %v", err)
		}
	}
	p, err := samsim.OpenPTY()
	if err != nil {
		return c.errorf("card sim: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { sim.Serve(ctx, p); close(done) }()
	defer func() { cancel(); p.Close(); <-done }()
	fmt.Fprintf(c.stdout, "simulated reader on %s\n%s\n", p.SlavePath, cardSimHelp)
	sc := bufio.NewScanner(c.stdin)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		var err error
		switch {
		case f[0] == "quit" || f[0] == "exit":
			return 0
		case f[0] == "cards":
			for i, l := range sim.Cards() {
				fmt.Fprintf(c.stdout, "%d\t%s\n", i, l)
			}
		case f[0] == "faults":
			for _, k := range samsim.FaultKinds() {
				fmt.Fprintf(c.stdout, "%-17s %s\n", k, samsim.FaultHelp(k))
			}
		case f[0] == "lay" && len(f) == 2:
			var i int
			if _, err = fmt.Sscan(f[1], &i); err == nil {
				err = sim.Lay(i)
			}
		case f[0] == "remove":
			err = sim.Remove()
		case f[0] == "fault" && len(f) == 2:
			err = sim.Fault(f[1])
		default:
			err = fmt.Errorf("%q: %s", sc.Text(), cardSimHelp)
		}
		if err != nil {
			fmt.Fprintf(c.stdout, "error: %v\n", err)
		} else {
			fmt.Fprintln(c.stdout, "ok")
		}
	}
	return 0
}
