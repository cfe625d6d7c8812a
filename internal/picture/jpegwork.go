package picture

import (
	"encoding/binary"
	"errors"
)

// Limits on the work a JPEG may ask of the decoder, checked by reading its
// markers before anything is decoded (issue 12 defect 5). Go's decoder
// visits every block of the components a scan covers, whatever the scan's
// size: a progressive JPEG of a few dozen bytes per scan and thousands of
// scans kept it busy for minutes. A real progressive picture needs about
// ten scans and eight to fifteen visits per luma block; the limits leave
// room for any encoder's script.
const (
	// maxScans bounds the scans (SOS markers) of one JPEG.
	maxScans = 64
	// maxBlockVisits bounds the blocks all scans together cover: 24 times
	// the luma blocks of the largest picture accepted.
	maxBlockVisits = 24 * (MaxSide / 8) * (MaxSide / 8)
)

var (
	errJPEGStructure = errors.New("jpeg: malformed marker structure")
	errJPEGTooMuch   = errors.New("jpeg: too many scans for its size")
)

// jpegComponent is what the frame header says of one component.
type jpegComponent struct {
	id     byte
	blocks int64 // 8×8 blocks that cover it
}

// checkJPEGWork walks the markers of a JPEG and fails when it has more
// than maxScans scans, or when its scans together cover more than
// maxBlockVisits blocks. It reads headers only (and skips entropy-coded
// data), so it costs next to nothing; what it cannot parse it refuses.
func checkJPEGWork(data []byte) error {
	if len(data) < 4 || data[0] != 0xff || data[1] != 0xd8 {
		return errJPEGStructure
	}
	var comps []jpegComponent
	scans := 0
	var visits int64
	i := 2
	for i < len(data) {
		if data[i] != 0xff {
			return errJPEGStructure
		}
		for i < len(data) && data[i] == 0xff { // fill bytes
			i++
		}
		if i >= len(data) {
			return errJPEGStructure
		}
		m := data[i]
		i++
		switch {
		case m == 0xd9: // EOI
			return nil
		case m >= 0xd0 && m <= 0xd7, m == 0x01: // RSTn, TEM: no length
			continue
		case m == 0x00:
			return errJPEGStructure
		}
		if i+2 > len(data) {
			return errJPEGStructure
		}
		n := int(binary.BigEndian.Uint16(data[i:]))
		if n < 2 || i+n > len(data) {
			return errJPEGStructure
		}
		p := data[i+2 : i+n]
		i += n
		switch {
		case m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc: // SOFn
			var err error
			if comps, err = frameComponents(p); err != nil {
				return err
			}
		case m == 0xda: // SOS, then entropy-coded data up to the next marker
			scans++
			if scans > maxScans {
				return errJPEGTooMuch
			}
			if len(p) < 1 || len(p) < 1+2*int(p[0]) {
				return errJPEGStructure
			}
			for k := 0; k < int(p[0]); k++ {
				for _, c := range comps {
					if c.id == p[1+2*k] {
						visits += c.blocks
					}
				}
			}
			if visits > maxBlockVisits {
				return errJPEGTooMuch
			}
			i = skipEntropyCoded(data, i)
		}
	}
	return nil // no EOI: the decoder decides
}

// frameComponents reads a frame header (SOFn payload).
func frameComponents(p []byte) ([]jpegComponent, error) {
	if len(p) < 6 {
		return nil, errJPEGStructure
	}
	h, w := int64(binary.BigEndian.Uint16(p[1:])), int64(binary.BigEndian.Uint16(p[3:]))
	n := int(p[5])
	if n < 1 || len(p) < 6+3*n {
		return nil, errJPEGStructure
	}
	var hmax, vmax int64 = 1, 1
	for k := 0; k < n; k++ {
		f := p[6+3*k+1]
		hmax, vmax = max(hmax, int64(f>>4)), max(vmax, int64(f&0x0f))
	}
	out := make([]jpegComponent, n)
	for k := range out {
		f := p[6+3*k+1]
		ch, cv := max(int64(f>>4), 1), max(int64(f&0x0f), 1)
		cw, ct := (w*ch+hmax-1)/hmax, (h*cv+vmax-1)/vmax
		out[k] = jpegComponent{id: p[6+3*k], blocks: ((cw + 7) / 8) * ((ct + 7) / 8)}
	}
	return out, nil
}

// skipEntropyCoded returns the index of the marker that ends the
// entropy-coded data starting at i: the first 0xFF followed by neither
// 0x00 (a stuffed byte) nor a restart marker.
func skipEntropyCoded(data []byte, i int) int {
	for ; i+1 < len(data); i++ {
		if data[i] != 0xff {
			continue
		}
		next := data[i+1]
		if next == 0x00 || (next >= 0xd0 && next <= 0xd7) || next == 0xff {
			continue
		}
		return i
	}
	return len(data)
}
