package picture

import (
	"image"
	"testing"
)

func TestFit(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ w, h, ww, wh int }{
		{512, 512, 512, 512}, {100, 50, 100, 50}, {4096, 4096, 512, 512}, {1000, 800, 512, 410},
		{4096, 1, 512, 1}, {1, 4096, 1, 512}, {513, 512, 512, 511},
	} {
		if w, h := fit(tc.w, tc.h, Side); w != tc.ww || h != tc.wh {
			t.Errorf("fit(%d, %d) = %d, %d; want %d, %d", tc.w, tc.h, w, h, tc.ww, tc.wh)
		}
	}
}

func TestScaleAveragesFineDetailInsteadOfAliasing(t *testing.T) {
	t.Parallel()
	// A one-pixel checkerboard: any scaling that samples instead of
	// averaging turns it black, white or striped; averaging makes it grey.
	src := image.NewGray(image.Rect(0, 0, 2048, 2048))
	for y := range 2048 {
		for x := range 2048 {
			if (x+y)%2 == 0 {
				src.Pix[y*src.Stride+x] = 255
			}
		}
	}
	dst := scale(src, Side)
	if b := dst.Bounds(); b.Dx() != 512 || b.Dy() != 512 {
		t.Fatalf("size %v", b)
	}
	for _, p := range []image.Point{{0, 0}, {100, 200}, {255, 256}, {511, 511}} {
		c := dst.RGBAAt(p.X, p.Y)
		if c.R < 110 || c.R > 145 || c.A != 255 {
			t.Errorf("pixel %v = %v, want mid grey", p, c)
		}
	}
}
