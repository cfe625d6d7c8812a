package systest

import (
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/parleychat/parley/internal/message"
	"github.com/parleychat/parley/internal/picture"
)

// TestNginxBodyLimitsFitTheUploadLimits reads deploy/nginx/parley.conf and
// checks that nginx lets through the largest bodies the roles accept: a
// picture upload everywhere, and a whole attachment (message.max_upload_bytes,
// default 25 MiB) on the file store's signed upload URLs. A lower nginx
// limit turns a valid upload into nginx's own 413 page.
func TestNginxBodyLimitsFitTheUploadLimits(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("../../deploy/nginx/parley.conf")
	if err != nil {
		t.Fatal(err)
	}
	conf := string(raw)
	server := bodyLimit(t, conf[strings.Index(conf, "server {"):])
	if server < picture.MaxUploadBody {
		t.Errorf("server client_max_body_size is %d bytes, below a picture upload (%d)", server, picture.MaxUploadBody)
	}
	i := strings.Index(conf, "location /api/v1/blobs/")
	if i < 0 {
		t.Fatal("no location for /api/v1/blobs/")
	}
	block := conf[i:]
	block = block[:strings.Index(block, "}")]
	blobs := server // a location without its own limit inherits the server's
	if bodySizeRE.MatchString(block) {
		blobs = bodyLimit(t, block)
	}
	if blobs < message.DefaultMaxUploadBytes {
		t.Errorf("/api/v1/blobs/ client_max_body_size is %d bytes, below the default upload limit (%d)", blobs, message.DefaultMaxUploadBytes)
	}
}

var bodySizeRE = regexp.MustCompile(`client_max_body_size\s+(\d+)([kKmMgG]?);`)

// bodyLimit returns the first client_max_body_size in text, in bytes.
func bodyLimit(t *testing.T, text string) int64 {
	t.Helper()
	m := bodySizeRE.FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no client_max_body_size in:\n%.300s", text)
	}
	n, _ := strconv.ParseInt(m[1], 10, 64)
	switch strings.ToLower(m[2]) {
	case "k":
		n <<= 10
	case "m":
		n <<= 20
	case "g":
		n <<= 30
	}
	return n
}
