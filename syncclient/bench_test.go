package syncclient_test

import (
	"context"
	"testing"

	"github.com/hbzk/kiosk/central/centraltest"
	"github.com/hbzk/kiosk/syncclient"
)

// BenchmarkOutboxDrain10k measures the time to drain an outbox of 10,000
// committed records (4 KB photo each) from the kiosk's SQLite store to an
// in-process central on SQLite over mutual TLS, batch 20 and batch 100.
// The commits happen before the timer starts.
//
//	go test -run '^$' -bench OutboxDrain -benchtime 1x ./syncclient/
func BenchmarkOutboxDrain10k(b *testing.B) {
	for _, batch := range []int{20, 100} {
		b.Run(map[int]string{20: "batch20", 100: "batch100"}[batch], func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				srv := centraltest.Start(b, centraltest.Options{})
				k := newKiosk(b, srv, srv.URL, nil, uint64(40+i))
				k.cfg.Batch = batch
				k.commitB(b, 10000, uint64(40+i))
				c, _ := syncclient.New(k.cfg, k.store)
				b.StartTimer()
				res, err := c.SyncOnce(context.Background())
				b.StopTimer()
				if err != nil || res.Uploaded != 10000 {
					b.Fatalf("%+v %v", res, err)
				}
				b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/10k")
				b.ReportMetric(10000*float64(b.N)/b.Elapsed().Seconds(), "records/s")
				srv.Stop()
			}
		})
	}
}
