//go:build linux

package ws

import (
	"errors"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// poller waits, on one epoll instance for the whole process, until an
// idle connection's socket becomes readable, and then starts a short-lived
// goroutine that reads the frames that arrived (conn.readable). A
// connection is registered EPOLLONESHOT: after an event it is disarmed
// until its reader has drained what it could read and re-arms it, so at
// most one goroutine reads a connection at a time and an idle one has
// none. The fd is only touched inside syscall.RawConn.Control, which keeps
// it from being closed (and its number reused) meanwhile.
type poller struct {
	epfd int

	mu    sync.Mutex
	conns map[uint64]*conn
	next  uint64
}

var (
	pollOnce sync.Once
	thePoll  *poller
	pollErr  error
)

// getPoller returns the process's poller, started on first use, or nil
// when epoll is unavailable (then connections read with a goroutine).
func getPoller() *poller {
	pollOnce.Do(func() {
		fd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
		if err != nil {
			pollErr = err
			return
		}
		thePoll = &poller{epfd: fd, conns: make(map[uint64]*conn)}
		go thePoll.loop()
	})
	return thePoll
}

const pollEvents = unix.EPOLLIN | unix.EPOLLRDHUP | unix.EPOLLONESHOT

func eventFor(id uint64) unix.EpollEvent {
	return unix.EpollEvent{Events: pollEvents, Fd: int32(uint32(id)), Pad: int32(uint32(id >> 32))}
}

// add registers c, armed when armed (else the caller reads first and
// re-arms). It fails when c's connection has no fd (net.Pipe, TLS).
func (p *poller) add(c *conn, armed bool) error {
	sc, ok := c.nc.(syscall.Conn)
	if !ok {
		return errors.New("no fd")
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return err
	}
	p.mu.Lock()
	p.next++
	id := p.next
	p.conns[id] = c
	p.mu.Unlock()
	c.pollID, c.rc = id, rc
	ev := eventFor(id)
	if !armed {
		ev.Events = unix.EPOLLONESHOT // registered, no event until re-armed
	}
	var cerr error
	err = rc.Control(func(fd uintptr) { cerr = unix.EpollCtl(p.epfd, unix.EPOLL_CTL_ADD, int(fd), &ev) })
	if err = errors.Join(err, cerr); err != nil {
		p.mu.Lock()
		delete(p.conns, id)
		p.mu.Unlock()
		c.pollID, c.rc = 0, nil
	}
	return err
}

// rearm asks for c's next readable event. Level-triggered: data that
// arrived since the reader stopped gives an event at once.
func (p *poller) rearm(c *conn) error {
	ev := eventFor(c.pollID)
	var cerr error
	err := c.rc.Control(func(fd uintptr) { cerr = unix.EpollCtl(p.epfd, unix.EPOLL_CTL_MOD, int(fd), &ev) })
	return errors.Join(err, cerr)
}

// remove forgets c; call before closing its connection.
func (p *poller) remove(c *conn) {
	_ = c.rc.Control(func(fd uintptr) { _ = unix.EpollCtl(p.epfd, unix.EPOLL_CTL_DEL, int(fd), nil) })
	p.mu.Lock()
	delete(p.conns, c.pollID)
	p.mu.Unlock()
}

func (p *poller) loop() {
	events := make([]unix.EpollEvent, 256)
	for {
		n, err := unix.EpollWait(p.epfd, events, -1)
		if err != nil {
			if err != unix.EINTR { // cannot happen with a valid epfd and buffer
				time.Sleep(10 * time.Millisecond)
			}
			continue
		}
		p.mu.Lock()
		for i := range n {
			id := uint64(uint32(events[i].Fd)) | uint64(uint32(events[i].Pad))<<32
			if c := p.conns[id]; c != nil {
				go c.readable()
			}
		}
		p.mu.Unlock()
	}
}
