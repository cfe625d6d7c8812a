package picture

import (
	"bytes"
	"context"
	"errors"
	"image/jpeg"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/picture/picturetest"
)

// TestProgressiveJPEGWithTooManyScansIsRefusedBeforeDecoding is issue 12
// defect 5: a ~110 KB progressive JPEG of 3000 scans, each covering every
// block of a 4096×4096 picture, is refused from its markers alone (Go's
// decoder would spend over a minute on it).
func TestProgressiveJPEGWithTooManyScansIsRefusedBeforeDecoding(t *testing.T) {
	t.Parallel()
	bomb := picturetest.ProgressiveJPEG(4096, 3000)
	if len(bomb) > 150<<10 {
		t.Fatalf("bomb is %d bytes", len(bomb))
	}
	_, _, err := Process(context.Background(), NewGate(1), bomb)
	if e := errs.As(err); e == nil || e.Kind != errs.Invalid || !strings.Contains(e.Fields["picture"], "scans") {
		t.Fatalf("err = %v, want a picture field error about scans", err)
	}
	// Fewer scans that still cover too many blocks are refused too.
	if err := checkJPEGWork(picturetest.ProgressiveJPEG(4096, 30)); !errors.Is(err, errJPEGTooMuch) {
		t.Fatalf("30 full scans of 4096×4096: %v, want too much work", err)
	}
}

// TestProgressiveJPEGOfUsualShapeIsAccepted checks the limits leave room
// for real pictures: testdata/progressive.jpg is what libjpeg-turbo's
// cjpeg -progressive writes (colour, 4:2:0, its standard ten-scan
// script), and a progressive JPEG of ten full scans decodes too.
func TestProgressiveJPEGOfUsualShapeIsAccepted(t *testing.T) {
	t.Parallel()
	real, err := os.ReadFile("testdata/progressive.jpg")
	if err != nil {
		t.Fatal(err)
	}
	for name, img := range map[string][]byte{"cjpeg -progressive": real, "ten full scans": picturetest.ProgressiveJPEG(512, 9)} {
		if err := checkJPEGWork(img); err != nil {
			t.Fatalf("%s: checkJPEGWork: %v", name, err)
		}
		if _, err := jpeg.Decode(bytes.NewReader(img)); err != nil {
			t.Fatalf("%s: not a valid JPEG: %v", name, err)
		}
		out, ct, err := Process(context.Background(), NewGate(1), img)
		if err != nil || ct != "image/jpeg" || len(out) == 0 {
			t.Fatalf("%s: Process = %d bytes %q, %v", name, len(out), ct, err)
		}
	}
}

// cancelAfter reads from r and cancels after n bytes were handed out.
type cancelAfter struct {
	r      io.Reader
	n      int
	read   int
	cancel context.CancelFunc
}

func (c *cancelAfter) Read(p []byte) (int, error) {
	k, err := c.r.Read(p)
	c.read += k
	if c.read >= c.n {
		c.cancel()
	}
	return k, err
}

// TestDecodeStopsWhenTheRequestIsCancelled checks that the decoder, fed
// through ctxReader, stops reading at its next read once the upload's
// context is done, instead of decoding the rest.
func TestDecodeStopsWhenTheRequestIsCancelled(t *testing.T) {
	t.Parallel()
	img := picturetest.ProgressiveJPEG(2048, 20)
	ctx, cancel := context.WithCancel(context.Background())
	src := &cancelAfter{r: bytes.NewReader(img), n: len(img) / 2, cancel: cancel}
	_, err := jpeg.Decode(ctxReader{ctx, src})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("decode = %v, want context.Canceled", err)
	}
	if src.read >= len(img) {
		t.Fatalf("the decoder read all %d bytes after the cancellation", src.read)
	}
}

// FuzzCheckJPEGWork runs the marker walk on arbitrary bytes: it must never
// panic, and what it accepts with a valid frame must not take the decoder
// more than the limits allow.
func FuzzCheckJPEGWork(f *testing.F) {
	f.Add(picturetest.ProgressiveJPEG(64, 2))
	f.Add(picturetest.ProgressiveJPEG(16, 70))
	if real, err := os.ReadFile("testdata/progressive.jpg"); err == nil {
		f.Add(real)
	}
	f.Add([]byte{0xff, 0xd8, 0xff, 0xd9})
	f.Add([]byte{0xff, 0xd8, 0xff, 0xda, 0x00, 0x02, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		_ = checkJPEGWork(data)
	})
}
