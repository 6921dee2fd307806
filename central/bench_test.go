package central

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/hbzk/kiosk/device/entropy"
	"github.com/hbzk/kiosk/device/record"
)

// The ingest benchmarks report records/s for central's whole ingest path
// (hash, signature, canonical decode, exactly-once insert in one
// transaction per batch) and, as the baseline of the same run, for plain
// INSERTs of the same rows into a table of the same shape without checks
// or ON CONFLICT. Run on SQLite always, on PostgreSQL with
// KIOSK_TEST_POSTGRES:
//
//	go test -run '^$' -bench 'Ingest|RawInsert' ./central/

const benchBatch = 50

func benchRecords(b *testing.B, key ed25519.PrivateKey, id string, n int) []record.Signed {
	out := make([]record.Signed, n)
	rnd := entropy.Seeded(uint64(n))
	photo := make([]byte, 4096)
	for i := range out {
		r, _ := record.New(rnd, id)
		r.Card.IDNumber = fmt.Sprintf("B%08d", i)
		r.Images.RegPhoto = record.Blob{Type: record.TypeJPEG, Data: photo}
		s, err := record.Sign(r, key)
		if err != nil {
			b.Fatal(err)
		}
		out[i] = *s
	}
	return out
}

func benchBackends(b *testing.B, f func(b *testing.B, dsn string)) {
	for name, mk := range backends(b) {
		b.Run(name, func(b *testing.B) { f(b, mk(b)) })
	}
}

func BenchmarkIngest(b *testing.B) {
	benchBackends(b, func(b *testing.B, dsn string) {
		ctx := context.Background()
		st := openStorage(b, dsn)
		ca, cert, err := LoadOrCreateTLS(filepath.Join(b.TempDir(), "tls"), nil, t0, entropy.Seeded(1))
		if err != nil {
			b.Fatal(err)
		}
		srv, err := NewServer(Config{Storage: st, CA: ca, ServerCert: cert})
		if err != nil {
			b.Fatal(err)
		}
		d, key := testDevice(1, "")
		recs := benchRecords(b, key, d.ID, b.N)
		b.SetBytes(int64(len(recs[0].Body)))
		b.ResetTimer()
		for lo := 0; lo < len(recs); lo += benchBatch {
			res, err := srv.Ingest(ctx, &d, recs[lo:min(lo+benchBatch, len(recs))])
			if err != nil {
				b.Fatal(err)
			}
			if res[0].Status != record.StatusStored {
				b.Fatalf("%+v", res[0])
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
	})
}

func BenchmarkRawInsert(b *testing.B) {
	benchBackends(b, func(b *testing.B, dsn string) {
		ctx := context.Background()
		st := openStorage(b, dsn).(*sqlStorage)
		serial := "INTEGER PRIMARY KEY"
		if st.pg {
			serial = "BIGSERIAL PRIMARY KEY"
		}
		if _, err := st.db.ExecContext(ctx, `CREATE TABLE raw_records(seq `+serial+`, uuid TEXT NOT NULL UNIQUE, device_id TEXT NOT NULL,
			hash `+st.blob()+` NOT NULL, sig `+st.blob()+` NOT NULL, body `+st.blob()+` NOT NULL, received_at BIGINT NOT NULL)`); err != nil {
			b.Fatal(err)
		}
		d, key := testDevice(1, "")
		recs := benchRecords(b, key, d.ID, b.N)
		b.SetBytes(int64(len(recs[0].Body)))
		b.ResetTimer()
		for lo := 0; lo < len(recs); lo += benchBatch {
			tx, err := st.db.BeginTx(ctx, nil)
			if err != nil {
				b.Fatal(err)
			}
			for _, r := range recs[lo:min(lo+benchBatch, len(recs))] {
				if _, err := tx.ExecContext(ctx, st.q(`INSERT INTO raw_records(uuid, device_id, hash, sig, body, received_at) VALUES($1, $2, $3, $4, $5, $6)`),
					r.UUID, d.ID, r.Hash[:], r.Sig, r.Body, ms(t0)); err != nil {
					b.Fatal(err)
				}
			}
			if err := tx.Commit(); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
	})
}
