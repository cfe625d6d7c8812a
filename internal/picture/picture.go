package picture

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"

	"golang.org/x/image/draw"
	"golang.org/x/image/webp"

	"github.com/parleychat/parley/internal/errs"
)

// Limits of an accepted picture.
const (
	// MaxBytes is the largest picture file accepted (5 MiB).
	MaxBytes = 5 << 20
	// MaxSide is the largest width or height accepted; it is checked from
	// the header, before the image is decoded.
	MaxSide = 4096
	// Side is the largest width or height stored: bigger pictures are
	// scaled down to fit, keeping their proportions.
	Side = 512
	// quality is the JPEG quality of stored opaque pictures.
	quality = 85
)

// Gate bounds how many pictures are decoded at once (a 4096×4096 decode
// holds 64 MiB): Process takes one slot for the decode. A nil Gate does
// not bound anything.
type Gate chan struct{}

// NewGate returns a Gate of n slots (at least 1).
func NewGate(n int) Gate { return make(Gate, max(1, n)) }

// format is an image format the pipeline accepts.
type format struct {
	name   string
	magic  func([]byte) bool
	config func(io.Reader) (image.Config, error)
	decode func(io.Reader) (image.Image, error)
}

var formats = []format{
	{"PNG", func(b []byte) bool { return bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) }, png.DecodeConfig, png.Decode},
	{"JPEG", func(b []byte) bool { return bytes.HasPrefix(b, []byte("\xff\xd8\xff")) }, jpeg.DecodeConfig, jpeg.Decode},
	{"GIF", func(b []byte) bool {
		return bytes.HasPrefix(b, []byte("GIF87a")) || bytes.HasPrefix(b, []byte("GIF89a"))
	}, gif.DecodeConfig, gif.Decode},
	{"WebP", func(b []byte) bool { return len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP" }, webp.DecodeConfig, webp.Decode},
}

func errNotImage(why string) error {
	return errs.Field("picture", why)
}

// Process checks that data is a PNG, JPEG, GIF (first frame) or WebP image
// of at most MaxSide pixels a side, by its content and never by a name or
// a declared type; reads its size from the header before decoding it;
// decodes it fully, holding a slot of gate meanwhile; scales it to fit
// Side; and re-encodes it, as PNG when it has transparent pixels and as
// JPEG otherwise. It returns the new bytes and their content type. Nothing
// of the upload but its pixels survives (no metadata, no trailing bytes).
// Data over MaxBytes is errs.TooLarge; anything that is not such an image
// is errs.Invalid (field "picture"); a ctx that ends while waiting for the
// gate returns ctx.Err().
func Process(ctx context.Context, gate Gate, data []byte) ([]byte, string, error) {
	if len(data) > MaxBytes {
		return nil, "", errs.E(errs.TooLarge, "picture: larger than %d bytes", MaxBytes)
	}
	var f *format
	for i := range formats {
		if formats[i].magic(data) {
			f = &formats[i]
			break
		}
	}
	if f == nil {
		return nil, "", errNotImage("must be a PNG, JPEG, GIF or WebP image")
	}
	cfg, err := f.config(bytes.NewReader(data))
	if err != nil {
		return nil, "", errNotImage("is not a valid " + f.name + " image")
	}
	if cfg.Width < 1 || cfg.Height < 1 || cfg.Width > MaxSide || cfg.Height > MaxSide {
		return nil, "", errNotImage(fmt.Sprintf("must be at most %d×%d pixels (this one is %d×%d)", MaxSide, MaxSide, cfg.Width, cfg.Height))
	}
	if f.name == "JPEG" {
		switch err := checkJPEGWork(data); {
		case errors.Is(err, errJPEGTooMuch):
			return nil, "", errNotImage(fmt.Sprintf("is a JPEG with more scans than a picture needs (at most %d, and %d block visits)", maxScans, maxBlockVisits))
		case err != nil:
			return nil, "", errNotImage("is not a valid JPEG image")
		}
	}
	if gate != nil {
		select {
		case gate <- struct{}{}:
			defer func() { <-gate }()
		case <-ctx.Done():
			return nil, "", ctx.Err()
		}
	}
	src, err := safeDecode(f, ctxReader{ctx, bytes.NewReader(data)})
	if err := ctx.Err(); err != nil {
		return nil, "", err // the caller went away: the decode stopped at its next read
	}
	if err != nil {
		return nil, "", errNotImage("is not a valid " + f.name + " image")
	}
	b := src.Bounds()
	if b.Dx() != cfg.Width || b.Dy() != cfg.Height {
		return nil, "", errNotImage("is not a valid " + f.name + " image")
	}
	dst := scale(src, Side)
	var out bytes.Buffer
	if dst.Opaque() {
		if err := jpeg.Encode(&out, dst, &jpeg.Options{Quality: quality}); err != nil {
			return nil, "", fmt.Errorf("encode picture: %w", err)
		}
		return out.Bytes(), "image/jpeg", nil
	}
	if err := png.Encode(&out, dst); err != nil {
		return nil, "", fmt.Errorf("encode picture: %w", err)
	}
	return out.Bytes(), "image/png", nil
}

// safeDecode decodes data, turning a panic of a decoder on hostile input
// into an error.
func safeDecode(f *format, r io.Reader) (img image.Image, err error) {
	defer func() {
		if p := recover(); p != nil {
			img, err = nil, fmt.Errorf("%s decoder panicked: %v", f.name, p)
		}
	}()
	return f.decode(r)
}

// ctxReader fails once its context is done, so that a decoder reading
// from it stops at its next read when the upload's request is cancelled,
// and frees its decode slot for others.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// scale returns src scaled down, proportions kept, to fit side×side, or
// copied when it fits already. A much larger src is first halved as often
// as it stays at least twice the target size: bilinear sampling at
// exactly half size averages each 2×2 block, which is a box filter, fast
// and free of aliasing. Catmull-Rom then makes the last, fractional step.
func scale(src image.Image, side int) *image.RGBA {
	b := src.Bounds()
	w, h := fit(b.Dx(), b.Dy(), side)
	for max(b.Dx(), b.Dy())/2 >= 2*side {
		half := image.NewRGBA(image.Rect(0, 0, max(1, b.Dx()/2), max(1, b.Dy()/2)))
		draw.ApproxBiLinear.Scale(half, half.Bounds(), src, b, draw.Src, nil)
		src, b = half, half.Bounds()
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	if w == b.Dx() && h == b.Dy() {
		draw.Draw(dst, dst.Bounds(), src, b.Min, draw.Src)
	} else {
		draw.CatmullRom.Scale(dst, dst.Bounds(), src, b, draw.Src, nil)
	}
	return dst
}

// fit returns the size of a w×h picture scaled down, proportions kept, to
// at most side pixels a side; smaller pictures keep their size.
func fit(w, h, side int) (int, int) {
	if w <= side && h <= side {
		return w, h
	}
	if w >= h {
		return side, max(1, (h*side+w/2)/w)
	}
	return max(1, (w*side+h/2)/h), side
}
