package picture

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/picture/picturetest"
)

// maxProcessTime bounds one picture's whole pipeline in the fuzz
// targets: the check, the decode, the scaling and the encoding. Before
// issue 12's fix a 120 KB JPEG took seconds to minutes.
const maxProcessTime = 5 * time.Second

// pictureSeeds are small images of every accepted format, with and
// without transparency, and the shapes that caused past bugs.
func pictureSeeds(t testing.TB) [][]byte {
	img := image.NewNRGBA(image.Rect(0, 0, 9, 5))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7)
	}
	var p, j, g bytes.Buffer
	if err := png.Encode(&p, img); err != nil {
		t.Fatal(err)
	}
	if err := jpeg.Encode(&j, img, nil); err != nil {
		t.Fatal(err)
	}
	pal := image.NewPaletted(image.Rect(0, 0, 4, 3), color.Palette{color.Black, color.Transparent})
	if err := gif.Encode(&g, pal, nil); err != nil {
		t.Fatal(err)
	}
	seeds := [][]byte{
		p.Bytes(), j.Bytes(), g.Bytes(),
		picturetest.ProgressiveJPEG(64, 2), picturetest.ProgressiveJPEG(16, 70),
		// A WebP header with a 1×1 VP8L image.
		[]byte("RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00\x2f\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"),
		[]byte("\x89PNG\r\n\x1a\n"), []byte("GIF89a\xff\xff\xff\xff"), []byte("\xff\xd8\xff"),
	}
	if real, err := os.ReadFile("testdata/progressive.jpg"); err == nil {
		seeds = append(seeds, real)
	}
	return seeds
}

// checkProcessed: Process either refuses data as a client error or
// answers a decodable picture of its declared type, at most Side a side,
// within maxProcessTime.
func checkProcessed(t *testing.T, data []byte) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*maxProcessTime)
	defer cancel()
	start := time.Now()
	out, ct, err := Process(ctx, NewGate(1), data)
	if d := time.Since(start); d > maxProcessTime {
		t.Fatalf("a picture of %d bytes took %v (err %v)", len(data), d, err)
	}
	if err != nil {
		if k := errs.KindOf(err); k != errs.Invalid && k != errs.TooLarge {
			t.Fatalf("refused with %v (kind %s), want invalid or too_large", err, k)
		}
		return
	}
	var img image.Image
	switch ct {
	case "image/jpeg":
		img, err = jpeg.Decode(bytes.NewReader(out))
	case "image/png":
		img, err = png.Decode(bytes.NewReader(out))
	default:
		t.Fatalf("answered content type %q", ct)
	}
	if err != nil {
		t.Fatalf("the stored %s does not decode: %v", ct, err)
	}
	if b := img.Bounds(); b.Dx() < 1 || b.Dy() < 1 || b.Dx() > Side || b.Dy() > Side {
		t.Fatalf("stored picture is %v", b)
	}
}

// FuzzProcess: the picture pipeline on arbitrary bytes (the file a user
// uploads as a profile or group picture).
func FuzzProcess(f *testing.F) {
	for _, s := range pictureSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(checkProcessed)
}

// FuzzUpload: the whole upload entry, from the request body a client
// sends (multipart framing with its boundary, any parts) to the stored
// picture: ReadUpload then Process. The body is capped as the route caps
// it.
func FuzzUpload(f *testing.F) {
	for i, s := range pictureSeeds(f) {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		mw.SetBoundary("b0undary")
		if i%2 == 0 {
			mw.WriteField("other", "ignored")
		}
		fw, _ := mw.CreateFormFile("picture", "p.bin")
		fw.Write(s)
		mw.Close()
		f.Add("multipart/form-data; boundary=b0undary", body.Bytes())
	}
	f.Add("multipart/form-data; boundary=b", []byte("--b\r\nContent-Disposition: form-data; name=\"picture\"\r\n\r\nx\r\n--b\r\nContent-Disposition: form-data; name=\"picture\"\r\n\r\ny\r\n--b--\r\n"))
	f.Add("multipart/form-data", []byte("--\r\n"))
	f.Add("multipart/form-data; boundary=\"\"", []byte(""))
	f.Add("image/png", []byte("\x89PNG\r\n\x1a\n"))
	f.Add("multipart/mixed; boundary=b", []byte("--b--"))
	f.Fuzz(func(t *testing.T, ctype string, body []byte) {
		r, err := http.NewRequest(http.MethodPut, "http://parley.test/api/v1/users/me/picture", bytes.NewReader(body))
		if err != nil {
			return
		}
		r.Header.Set("Content-Type", ctype)
		r.Body = http.MaxBytesReader(nil, r.Body, MaxUploadBody)
		data, err := ReadUpload(r)
		if err != nil {
			if k := errs.KindOf(err); k != errs.Invalid && k != errs.TooLarge && k != errs.UnsupportedMedia {
				t.Fatalf("upload refused with %v (kind %s)", err, k)
			}
			if mt, _, perr := mime.ParseMediaType(ctype); errs.KindOf(err) == errs.UnsupportedMedia && perr == nil && mt == "multipart/form-data" {
				t.Fatalf("multipart/form-data refused as unsupported: %q", ctype)
			}
			return
		}
		checkProcessed(t, data)
	})
}
