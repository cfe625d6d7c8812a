package s3blob

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/parleychat/parley/internal/blob"
	"github.com/parleychat/parley/internal/blob/blobtest"
	"github.com/parleychat/parley/internal/platformtest"
)

// newStore opens a fresh bucket (create=true) on the test S3 server and
// removes it, with everything in it, when the test ends.
func newStore(t *testing.T) (*Store, string) {
	t.Helper()
	raw := platformtest.S3URL(t)
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("create", "true")
	u.RawQuery = q.Encode()
	s, err := Open(platformtest.Context(t), u.String(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := s.deletePrefix(ctx, ""); err != nil {
			t.Errorf("empty bucket %s: %v", s.bucket, err)
		}
		if _, err := s.client.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: &s.bucket}); err != nil {
			t.Errorf("delete bucket %s: %v", s.bucket, err)
		}
	})
	return s, u.String()
}

func TestS3StoreContract(t *testing.T) {
	t.Parallel()
	blobtest.Run(t, func(t *testing.T) blob.Store {
		s, _ := newStore(t)
		return s
	})
}

func TestPresignPutSignsContentLengthAndType(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	for _, size := range []int64{1, 12345} {
		sr, err := s.PresignPut(context.Background(), "k/signed", size, "image/png", time.Minute)
		if err != nil {
			t.Fatalf("size %d: %v", size, err)
		}
		u, _ := url.Parse(sr.URL)
		signed := u.Query().Get("X-Amz-SignedHeaders")
		for _, h := range []string{"content-length", "content-type", "host"} {
			if !strings.Contains(";"+signed+";", ";"+h+";") {
				t.Errorf("size %d: X-Amz-SignedHeaders %q lacks %s", size, signed, h)
			}
		}
		if strings.Contains(strings.ToLower(sr.URL), "checksum") {
			t.Errorf("size %d: URL carries a checksum of a body it has not seen: %s", size, sr.URL)
		}
	}
}

func TestCreatedBucketAllowsBrowserUploadsFromAnyOrigin(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	sr, err := s.PresignPut(context.Background(), "k/cors", 3, "text/plain", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodOptions, sr.URL, nil)
	req.Header.Set("Origin", "http://app.example")
	req.Header.Set("Access-Control-Request-Method", "PUT")
	req.Header.Set("Access-Control-Request-Headers", "content-type")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("preflight: status %d %s", resp.StatusCode, body)
	}
	if o := resp.Header.Get("Access-Control-Allow-Origin"); o != "*" && o != "http://app.example" {
		t.Errorf("Access-Control-Allow-Origin %q", o)
	}
	if m := resp.Header.Get("Access-Control-Allow-Methods"); !strings.Contains(m, "PUT") {
		t.Errorf("Access-Control-Allow-Methods %q lacks PUT", m)
	}
}

func TestDeletePrefixDeletesMoreThanOneBatch(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	ctx := context.Background()
	const n = deleteBatch + 20
	var wg sync.WaitGroup
	keys := make(chan string)
	for range 8 {
		wg.Go(func() {
			for k := range keys {
				if err := s.Put(ctx, k, bytes.NewReader([]byte("x")), 1, "text/plain"); err != nil {
					t.Error(err)
				}
			}
		})
	}
	for i := range n {
		keys <- fmt.Sprintf("groups/big/%04d", i)
	}
	close(keys)
	wg.Wait()
	if err := s.Put(ctx, "groups/bigger", bytes.NewReader([]byte("y")), 1, "text/plain"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeletePrefix(ctx, "groups/big/"); err != nil {
		t.Fatalf("DeletePrefix: %v", err)
	}
	out, err := s.client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: &s.bucket})
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, o := range out.Contents {
		left = append(left, *o.Key)
	}
	if len(left) != 1 || left[0] != "groups/bigger" {
		t.Errorf("left after DeletePrefix: %d keys %v, want [groups/bigger]", len(left), left[:min(len(left), 5)])
	}
}

func TestOpenParsesURLsAndNeverRevealsTheSecret(t *testing.T) {
	t.Parallel()
	const secret = "TOPSECRETVALUE"
	bad := []string{
		"http://bucket",
		"s3://",
		"s3://" + "AK:" + secret + "@bucket/path",
		"s3://AK:" + secret + "@bucket?unknown=1",
		"s3://AK:" + secret + "@bucket?endpoint=ftp://x",
		"s3://AK:" + secret + "@bucket?path_style=maybe",
		"s3://AK:" + secret + "@bucket?create=1&create=0",
		"s3://AK@bucket",
		"s3://AK:" + secret + "@bu cket%zz",
	}
	for _, raw := range bad {
		_, err := Open(context.Background(), raw, nil)
		if err == nil {
			t.Errorf("Open(%s) succeeded, want an error", Redacted(raw))
			continue
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error reveals the secret: %v", err)
		}
	}
	if r := Redacted("s3://AK:" + secret + "@bucket?region=x"); strings.Contains(r, secret) {
		t.Errorf("Redacted = %s", r)
	}

	o, err := parseURL("s3://AK:S%2FK@b?endpoint=http://127.0.0.1:9&create=true")
	if err != nil {
		t.Fatal(err)
	}
	want := options{bucket: "b", access: "AK", secret: "S/K", endpoint: "http://127.0.0.1:9", region: "us-east-1", pathStyle: true, create: true}
	if o != want {
		t.Errorf("parseURL = %+v, want %+v", o, want)
	}
	if o, _ := parseURL("s3://b?region=eu-west-3"); o.pathStyle || o.region != "eu-west-3" || o.access != "" {
		t.Errorf("AWS URL parsed as %+v", o)
	}
}

func TestOpenFailsWithAWrongSecretWithoutRevealingIt(t *testing.T) {
	t.Parallel()
	_, raw := newStore(t)
	u, _ := url.Parse(raw)
	u.User = url.UserPassword(u.User.Username(), "WRONGSECRET")
	_, err := Open(context.Background(), u.String(), nil)
	if err == nil {
		t.Fatal("Open with a wrong secret succeeded")
	}
	if strings.Contains(err.Error(), "WRONGSECRET") {
		t.Errorf("error reveals the secret: %v", err)
	}
}
