package api

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/parleychat/parley/internal/picture/picturetest"
)

// TestPictureUploadBoundsDecodeWork is issue 12 defect 5 against a running
// node: a 110 KB progressive JPEG of 4096×4096 pixels and 3000 scans
// (over a minute of Go's decoder before the fix) is refused as a picture,
// and another user's ordinary upload sent at the same time goes through.
func TestPictureUploadBoundsDecodeWork(t *testing.T) {
	t.Parallel()
	d := loadDoc(t)
	base, logs := startNode(t)
	c := &client{t: t, d: d, base: base, ops: map[string]op{}}
	for _, o := range d.ops(t) {
		c.ops[o.String()] = o
	}
	alice := c.account(logs, "mallet").str("accessToken")
	bob := c.account(logs, "bobby").str("accessToken")

	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("picture", "bomb.jpg")
	fw.Write(picturetest.ProgressiveJPEG(4096, 3000))
	mw.Close()
	bomb := multipartBody{body.Bytes(), mw.FormDataContentType()}

	// Bob's upload runs beside the bomb; the test goroutine checks both.
	var wg sync.WaitGroup
	var bobStatus int
	var bobErr error
	wg.Go(func() {
		up := pngUpload(t)
		req, _ := http.NewRequest("PUT", base+"/api/v1/users/me/picture", bytes.NewReader(up.data))
		req.Header.Set("Content-Type", up.ctype)
		req.Header.Set("Authorization", "Bearer "+bob)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			bobErr = err
			return
		}
		res.Body.Close()
		bobStatus = res.StatusCode
	})
	a := c.do("PUT", "/api/v1/users/me/picture", nil, alice, bomb)
	wg.Wait()
	if a.status != http.StatusBadRequest || !strings.Contains(string(a.body), "scans") {
		t.Fatalf("bomb upload: %d %s, want 400 about its scans", a.status, a.body)
	}
	if bobErr != nil || bobStatus != http.StatusOK {
		t.Fatalf("the upload beside it: %d %v", bobStatus, bobErr)
	}
}
