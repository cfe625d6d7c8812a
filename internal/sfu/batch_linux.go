package sfu

import (
	"net"
	"net/netip"
	"sync"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// maxBatch is how many datagrams one sendmmsg(2) sends at most.
const maxBatch = 64

// batchConn is the media socket with its writes gathered: while a batch
// is open (an uptrack reader forwarding one packet to every subscriber,
// between begin and end), each write is copied and the lot leaves in one
// sendmmsg(2) when the last open batch ends (or maxBatch are waiting);
// outside a batch a write goes out at once. A datagram the kernel refuses
// is dropped, as the network could have dropped it.
type batchConn struct {
	*net.UDPConn
	rc    syscall.RawConn
	inet6 bool // the socket's family (a wildcard address is dual-stack)

	mu    sync.Mutex
	depth int // open batches
	n     int // datagrams waiting
	msgs  [maxBatch]mmsghdr
	iovs  [maxBatch]unix.Iovec
	addrs [maxBatch]unix.RawSockaddrInet6
	bufs  [maxBatch][1500]byte
}

// mmsghdr is struct mmsghdr of sendmmsg(2).
type mmsghdr struct {
	hdr unix.Msghdr
	n   uint32
	_   [4]byte
}

// newBatchConn wraps c; it returns nil when c is not a UDP socket whose
// family can be read.
func newBatchConn(c net.PacketConn) *batchConn {
	uc, ok := c.(*net.UDPConn)
	if !ok {
		return nil
	}
	rc, err := uc.SyscallConn()
	if err != nil {
		return nil
	}
	b := &batchConn{UDPConn: uc, rc: rc}
	var sa unix.Sockaddr
	var serr error
	if err := rc.Control(func(fd uintptr) { sa, serr = unix.Getsockname(int(fd)) }); err != nil || serr != nil {
		return nil
	}
	switch sa.(type) {
	case *unix.SockaddrInet4:
	case *unix.SockaddrInet6:
		b.inet6 = true
	default:
		return nil
	}
	for i := range b.msgs {
		b.iovs[i].Base = &b.bufs[i][0]
		b.msgs[i].hdr.Name = (*byte)(unsafe.Pointer(&b.addrs[i]))
		b.msgs[i].hdr.Iov = &b.iovs[i]
		b.msgs[i].hdr.SetIovlen(1)
	}
	return b
}

// begin opens a batch.
func (b *batchConn) begin() {
	if b == nil {
		return
	}
	b.mu.Lock()
	b.depth++
	b.mu.Unlock()
}

// end closes a batch; the last one open sends what waits.
func (b *batchConn) end() {
	if b == nil {
		return
	}
	b.mu.Lock()
	if b.depth--; b.depth == 0 {
		b.flush()
	}
	b.mu.Unlock()
}

// WriteTo implements net.PacketConn.
func (b *batchConn) WriteTo(p []byte, addr net.Addr) (int, error) {
	ua, ok := addr.(*net.UDPAddr)
	if !ok {
		return b.UDPConn.WriteTo(p, addr)
	}
	return b.WriteToAddrPort(p, ua.AddrPort())
}

// ReadFromAddrPort and WriteToAddrPort are the allocation-free reads and
// writes pion's mux uses when the socket has them.
func (b *batchConn) ReadFromAddrPort(p []byte) (int, netip.AddrPort, error) {
	return b.UDPConn.ReadFromUDPAddrPort(p)
}

func (b *batchConn) WriteToAddrPort(p []byte, ap netip.AddrPort) (int, error) {
	b.mu.Lock()
	if b.depth == 0 || len(p) > len(b.bufs[0]) || !b.setAddr(b.n, ap) {
		b.mu.Unlock()
		return b.UDPConn.WriteToUDPAddrPort(p, ap)
	}
	i := b.n
	copy(b.bufs[i][:], p)
	b.iovs[i].SetLen(len(p))
	if b.n++; b.n == maxBatch {
		b.flush()
	}
	b.mu.Unlock()
	return len(p), nil
}

// setAddr writes ap as the i-th destination in the socket's family.
func (b *batchConn) setAddr(i int, ap netip.AddrPort) bool {
	port := [2]byte{byte(ap.Port() >> 8), byte(ap.Port())} // network order
	ip := ap.Addr()
	if !b.inet6 {
		if ip = ip.Unmap(); !ip.Is4() {
			return false
		}
		sa := (*unix.RawSockaddrInet4)(unsafe.Pointer(&b.addrs[i]))
		*sa = unix.RawSockaddrInet4{Family: unix.AF_INET, Addr: ip.As4()}
		*(*[2]byte)(unsafe.Pointer(&sa.Port)) = port
		b.msgs[i].hdr.Namelen = unix.SizeofSockaddrInet4
		return true
	}
	if ip.Zone() != "" {
		return false // a scope id: left to the standard library
	}
	sa := &b.addrs[i]
	*sa = unix.RawSockaddrInet6{Family: unix.AF_INET6, Addr: ip.As16()} // IPv4 as ::ffff:a.b.c.d
	*(*[2]byte)(unsafe.Pointer(&sa.Port)) = port
	b.msgs[i].hdr.Namelen = unix.SizeofSockaddrInet6
	return true
}

// flush sends what waits; b.mu is held.
func (b *batchConn) flush() {
	for sent := 0; sent < b.n; {
		var n uintptr
		var errno syscall.Errno
		err := b.rc.Write(func(fd uintptr) bool {
			n, _, errno = unix.Syscall6(unix.SYS_SENDMMSG, fd, uintptr(unsafe.Pointer(&b.msgs[sent])), uintptr(b.n-sent), 0, 0, 0)
			return errno != unix.EAGAIN
		})
		switch {
		case err != nil: // closed
			sent = b.n
		case errno != 0: // the first datagram was refused: drop it
			sent++
		default:
			sent += int(n)
		}
	}
	b.n = 0
}
