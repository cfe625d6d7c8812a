package sfu

import (
	"bytes"
	"fmt"
	"net"
	"testing"
	"time"
)

// TestBatchedWritesArriveWhole sends more than one sendmmsg's worth of
// datagrams inside a batch, from an IPv4 and from a dual-stack socket,
// and checks every one arrives, in order and intact (":0" is dual-stack
// where the machine has IPv6: IPv4 destinations as ::ffff:a.b.c.d).
func TestBatchedWritesArriveWhole(t *testing.T) {
	for _, local := range []string{"127.0.0.1:0", ":0"} {
		t.Run(local, func(t *testing.T) {
			c, err := net.ListenPacket("udp", local)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			b := newBatchConn(c)
			if b == nil {
				t.Fatal("newBatchConn refused a UDP socket")
			}
			rx, err := net.ListenPacket("udp4", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer rx.Close()
			const n = maxBatch + 10
			b.begin()
			for i := range n {
				p := bytes.Repeat([]byte{byte(i)}, 100+i)
				if got, err := b.WriteTo(p, rx.LocalAddr()); err != nil || got != len(p) {
					t.Fatalf("write %d: %d, %v", i, got, err)
				}
			}
			b.end()
			// Outside a batch a write goes out at once.
			if _, err := b.WriteTo([]byte("after"), rx.LocalAddr()); err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, 2000)
			_ = rx.SetReadDeadline(time.Now().Add(10 * time.Second))
			for i := range n {
				m, _, err := rx.ReadFrom(buf)
				if err != nil {
					t.Fatalf("datagram %d: %v", i, err)
				}
				if want := bytes.Repeat([]byte{byte(i)}, 100+i); !bytes.Equal(buf[:m], want) {
					t.Fatalf("datagram %d: %d bytes starting %v, want %d of %d", i, m, buf[:min(m, 4)], len(want), i)
				}
			}
			m, _, err := rx.ReadFrom(buf)
			if err != nil || string(buf[:m]) != "after" {
				t.Fatalf("last datagram %q, %v", buf[:m], err)
			}
		})
	}
}

// TestARefusedDatagramDoesNotStopTheBatch: a destination the kernel
// refuses (port 0) loses its datagram, the others still go.
func TestARefusedDatagramDoesNotStopTheBatch(t *testing.T) {
	c, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	b := newBatchConn(c)
	rx, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer rx.Close()
	bad := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 0}
	b.begin()
	for i := range 3 {
		_, _ = b.WriteTo([]byte(fmt.Sprint("bad", i)), bad)
		_, _ = b.WriteTo([]byte(fmt.Sprint("good", i)), rx.LocalAddr())
	}
	b.end()
	buf := make([]byte, 100)
	_ = rx.SetReadDeadline(time.Now().Add(10 * time.Second))
	for i := range 3 {
		m, _, err := rx.ReadFrom(buf)
		if err != nil || string(buf[:m]) != fmt.Sprint("good", i) {
			t.Fatalf("datagram %d: %q, %v", i, buf[:m], err)
		}
	}
}
