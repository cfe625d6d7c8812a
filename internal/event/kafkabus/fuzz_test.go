package kafkabus_test

import (
	"net"
	"testing"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/event/kafkabus"
)

// FuzzParseURL: any events_url is read or refused (errs.Invalid) without
// a panic; an accepted one names at least one broker, each as host:port,
// and no non-positive partition count.
func FuzzParseURL(f *testing.F) {
	for _, s := range []string{
		"kafka://k1:9092,k2:9092?prefix=parley.&partitions=16&replication=3&client_id=parley", "kafka://k1", "kafka://[::1]",
		"kafka://,,,", "kafka://k1?partitions=0", "kafka://k1?partitions=99999999999", "kafka://k1?replication=-1",
		"kafka://k1?bogus=1", "kafka://k1?%zz", "kafka://[::1:9092", "kafka:// k1 , k2 /", "mem://",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		c, err := kafkabus.ParseURL(raw)
		if err != nil {
			if !errs.Is(err, errs.Invalid) {
				t.Fatalf("%q refused with %v, want Invalid", raw, err)
			}
			return
		}
		if len(c.Brokers) == 0 {
			t.Fatalf("%q accepted without a broker", raw)
		}
		for _, b := range c.Brokers {
			if _, _, err := net.SplitHostPort(b); err != nil {
				t.Fatalf("%q gave broker %q: %v", raw, b, err)
			}
		}
		if c.Partitions < 0 {
			t.Fatalf("%q gave partitions %d", raw, c.Partitions)
		}
	})
}
