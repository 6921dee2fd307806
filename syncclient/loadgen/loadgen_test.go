package loadgen

import (
	"context"
	"net"
	"strings"
	"testing"

	"github.com/hbzk/kiosk/central/centraltest"
	"github.com/hbzk/kiosk/device/entropy"
)

func TestRunOptions(t *testing.T) {
	for _, tc := range []struct {
		o    Options
		want string
	}{
		{Options{Devices: 0}, "at least one device"},
		{Options{Devices: 1, Records: -1}, "negative"},
		{Options{Devices: 2, Tokens: []string{"a"}}, "1 tokens for 2 devices"},
	} {
		if _, err := Run(context.Background(), tc.o); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v", tc.o, err)
		}
	}
}

// TestRunOutage: central is down when the run starts; the simulated kiosks
// retry until it comes up and every record is acknowledged once.
func TestRunOutage(t *testing.T) {
	srv := centraltest.Start(t, centraltest.Options{})
	srv.SetDemo(t, centraltest.Site, true) // loadgen records are simulated
	toks := srv.Tokens(t, 2)
	srv.Stop()
	done := make(chan struct{})
	var rep *Report
	var err error
	go func() {
		defer close(done)
		rep, err = Run(context.Background(), Options{Central: srv.URL, CA: srv.CA, Tokens: toks, Devices: 2, Records: 40,
			Batch: 8, Rand: entropy.Seeded(3)})
	}()
	// Stand in for the dead central: accept and hang up, until the
	// first kiosk has tried.
	ln, lerr := net.Listen("tcp", srv.Addr)
	if lerr != nil {
		t.Fatal(lerr)
	}
	conn, lerr := ln.Accept()
	if lerr != nil {
		t.Fatal(lerr)
	}
	conn.Close()
	ln.Close()
	srv.Restart(t)
	<-done
	if err != nil {
		t.Fatal(err)
	}
	if rep.Retries == 0 {
		t.Error("no retry through the outage")
	}
	if rep.Acknowledged != 80 || rep.Rejected != 0 || rep.Requests < 10 || rep.P50ms <= 0 || rep.P99ms < rep.P50ms {
		t.Errorf("report %+v", rep)
	}
	if st := srv.Stats(t); st.Records != 80 {
		t.Errorf("central holds %d", st.Records)
	}
}
