// Package picturetest makes pictures for tests: hand-built JPEGs whose
// shape no ordinary encoder writes.
package picturetest

import (
	"bytes"
	"encoding/binary"
)

// bitWriter writes a JPEG entropy-coded segment: bits MSB first, 0xFF
// bytes stuffed with 0x00, the last byte padded with 1s.
type bitWriter struct {
	buf  bytes.Buffer
	acc  uint32
	bits uint
}

func (w *bitWriter) write(v uint32, n uint) {
	for i := int(n) - 1; i >= 0; i-- {
		w.acc = w.acc<<1 | (v>>uint(i))&1
		w.bits++
		if w.bits == 8 {
			w.flushByte()
		}
	}
}

func (w *bitWriter) flushByte() {
	b := byte(w.acc)
	w.buf.WriteByte(b)
	if b == 0xff {
		w.buf.WriteByte(0)
	}
	w.acc, w.bits = 0, 0
}

func (w *bitWriter) finish() []byte {
	for w.bits != 0 {
		w.write(1, 1)
	}
	return w.buf.Bytes()
}

// segment appends marker m with payload p (length prefixed).
func segment(out *bytes.Buffer, m byte, p []byte) {
	out.Write([]byte{0xff, m})
	binary.Write(out, binary.BigEndian, uint16(len(p)+2))
	out.Write(p)
}

// ProgressiveJPEG returns a valid grayscale progressive JPEG of side×side
// pixels made of one DC scan and acScans AC scans that each cover every
// block with a few end-of-band runs: a few dozen bytes per scan, each of
// which makes a decoder visit every block of the image (issue 12 defect 5:
// a 120 KB file kept Go's decoder busy for seconds to minutes).
func ProgressiveJPEG(side, acScans int) []byte {
	var out bytes.Buffer
	out.Write([]byte{0xff, 0xd8}) // SOI
	q := make([]byte, 65)         // DQT: table 0, 8-bit, all ones
	for i := 1; i < 65; i++ {
		q[i] = 1
	}
	segment(&out, 0xdb, q)
	// SOF2: 8-bit precision, side×side, one component (id 1, 1×1, table 0).
	sof := []byte{8, byte(side >> 8), byte(side), byte(side >> 8), byte(side), 1, 1, 0x11, 0}
	segment(&out, 0xc2, sof)
	// DHT: DC table 0 with one 1-bit code for category 0; AC table 0 with
	// one 1-bit code for EOB14 (0xE0: an end-of-band run of 2^14 + 14 bits).
	dc := append([]byte{0x00, 1}, make([]byte, 15)...)
	dc = append(dc, 0x00)
	segment(&out, 0xc4, dc)
	ac := append([]byte{0x10, 1}, make([]byte, 15)...)
	ac = append(ac, 0xe0)
	segment(&out, 0xc4, ac)

	blocks := (side / 8) * (side / 8)
	// DC first scan: component 1, tables 0/0, Ss=0 Se=0 Ah=0 Al=0.
	segment(&out, 0xda, []byte{1, 1, 0x00, 0, 0, 0x00})
	var w bitWriter
	for range blocks {
		w.write(0, 1) // category 0: no difference
	}
	out.Write(w.finish())
	// AC first scans over the whole band, each a handful of EOB14 runs.
	for range acScans {
		segment(&out, 0xda, []byte{1, 1, 0x00, 1, 63, 0x00})
		var w bitWriter
		for left := blocks; left > 0; left -= 32767 {
			w.write(0, 1)       // EOB14
			w.write(0x3fff, 14) // run = 2^14 + 0x3fff = 32767 blocks
		}
		out.Write(w.finish())
	}
	out.Write([]byte{0xff, 0xd9}) // EOI
	return out.Bytes()
}
