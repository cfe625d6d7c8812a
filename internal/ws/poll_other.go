//go:build !linux

package ws

import "errors"

// poller is Linux only; elsewhere every connection reads with a goroutine.
type poller struct{}

func getPoller() *poller { return nil }

func (p *poller) add(c *conn, armed bool) error { return errors.New("no poller") }
func (p *poller) rearm(c *conn) error           { return errors.New("no poller") }
func (p *poller) remove(c *conn)                {}
