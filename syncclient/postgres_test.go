package syncclient_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	_ "github.com/hbzk/kiosk/central" // registers the kiosk-pgx driver
	"github.com/hbzk/kiosk/central/centraltest"
	"github.com/hbzk/kiosk/syncclient"
)

// TestTwoCentralsOnePostgres: two central servers share one PostgreSQL
// database and one CA; a kiosk uploads the same records to both at once
// (a load balancer retrying on the other node); each is stored once.
func TestTwoCentralsOnePostgres(t *testing.T) {
	dsn := os.Getenv("KIOSK_TEST_POSTGRES")
	if dsn == "" {
		t.Skip("KIOSK_TEST_POSTGRES unset (eval \"$(build/ci/postgres.sh start)\")")
	}
	db := freshDB(t, dsn)
	a := centraltest.Start(t, centraltest.Options{DSN: db})
	b := centraltest.Start(t, centraltest.Options{DSN: db, TLSDir: a.TLSDir})
	k := newKiosk(t, a, a.URL, nil, 31)
	k.commit(t, 200, 31)
	batch, _ := k.store.Pending(context.Background(), 1000)
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for i, srv := range []*centraltest.Server{a, b, a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ob := syncclient.NewMemOutbox()
			for j := range batch {
				ob.Add(batch[(j+i*37)%len(batch)])
			}
			cfg := k.cfg
			cfg.Central = srv.URL
			c, _ := syncclient.New(cfg, ob)
			if _, err := c.SyncOnce(context.Background()); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	st := a.Stats(t)
	if st.Records != 200 || st.Duplicates != 600 {
		t.Errorf("stats %+v, want 200 records and 600 duplicates", st)
	}
}

// freshDB makes a database of its own on the test server (the driver
// "kiosk-pgx" is registered by package central).
func freshDB(t *testing.T, dsn string) string {
	admin, err := sql.Open("kiosk-pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	name := fmt.Sprintf("ks_%d_%d", os.Getpid(), time.Now().UnixNano()%1e9)
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if a, err := sql.Open("kiosk-pgx", dsn); err == nil {
			a.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
			a.Close()
		}
	})
	u, _ := url.Parse(dsn)
	u.Path = "/" + name
	return u.String()
}
