//go:build !linux

package sfu

import "net"

// batchConn gathers writes on Linux only (sendmmsg); elsewhere every
// write goes out at once.
type batchConn struct{ net.PacketConn }

func newBatchConn(net.PacketConn) *batchConn { return nil }
func (b *batchConn) begin()                  {}
func (b *batchConn) end()                    {}
