package s3blob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/parleychat/parley/internal/blob"
	"github.com/parleychat/parley/internal/errs"
)

var _ blob.Store = (*Store)(nil)

// memSpoolMax is the largest non-seekable body Put buffers in memory;
// larger ones go through a temporary file (see Put).
const memSpoolMax = 8 << 20

// deleteBatch is the most keys one DeleteObjects call takes.
const deleteBatch = 1000

// notFound classifies S3's "no such key" answers (NoSuchKey for GET, a
// bodiless 404 "NotFound" for HEAD) as errs.NotFound.
func notFound(err error, key string) error {
	if isCode(err, "NoSuchKey", "NotFound") {
		return errs.Wrap(errs.NotFound, err, "object "+key+" not found")
	}
	return err
}

// Put implements blob.Store. The SDK must hash (or checksum) the body
// before sending it over plain HTTP, which needs a seekable body: a reader
// that can seek is sent as it is (after checking its length), any other is
// first read into memory (up to 8 MiB) or a temporary file. S3 stores
// nothing from an upload that fails, so a refused body leaves the key as
// it was.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error {
	if err := validPut(key, size, contentType); err != nil {
		return fmt.Errorf("put blob: %w", err)
	}
	body, done, err := seekable(r, size)
	if err != nil {
		return fmt.Errorf("put blob %s: %w", key, err)
	}
	defer done()
	_, err = s.client.PutObject(ctx, &s3.PutObjectInput{
		Bucket:        &s.bucket,
		Key:           &key,
		Body:          body,
		ContentLength: aws.Int64(size),
		ContentType:   &contentType,
	})
	if err != nil {
		return fmt.Errorf("put blob %s: %w", key, err)
	}
	return nil
}

func validPut(key string, size int64, contentType string) error {
	if err := blob.ValidKey(key); err != nil {
		return err
	}
	if err := blob.ValidSize(size); err != nil {
		return err
	}
	return blob.ValidContentType(contentType)
}

// seekable returns a seekable reader of exactly size bytes with r's
// content, and a function that releases what it used.
func seekable(r io.Reader, size int64) (io.ReadSeeker, func(), error) {
	if rs, ok := r.(io.ReadSeeker); ok {
		if cur, err := rs.Seek(0, io.SeekCurrent); err == nil {
			end, err := rs.Seek(0, io.SeekEnd)
			if err != nil {
				return nil, nil, err
			}
			if _, err := rs.Seek(cur, io.SeekStart); err != nil {
				return nil, nil, err
			}
			if end-cur != size {
				return nil, nil, errs.E(errs.Invalid, "body is %d bytes, declared %d", end-cur, size)
			}
			return rs, func() {}, nil
		}
		// Not really seekable (a pipe): spool it.
	}
	exact := blob.ExactReader(r, size)
	if size <= memSpoolMax {
		b, err := io.ReadAll(exact)
		if err != nil {
			return nil, nil, err
		}
		return bytes.NewReader(b), func() {}, nil
	}
	f, err := os.CreateTemp("", "parley-s3-put-*")
	if err != nil {
		return nil, nil, err
	}
	done := func() { f.Close(); os.Remove(f.Name()) }
	if _, err := io.Copy(f, exact); err != nil {
		done()
		return nil, nil, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		done()
		return nil, nil, err
	}
	return f, done, nil
}

// Open implements blob.Store.
func (s *Store) Open(ctx context.Context, key string) (io.ReadCloser, blob.Info, error) {
	if err := blob.ValidKey(key); err != nil {
		return nil, blob.Info{}, fmt.Errorf("open blob: %w", err)
	}
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: &s.bucket, Key: &key})
	if err != nil {
		return nil, blob.Info{}, fmt.Errorf("open blob %s: %w", key, notFound(err, key))
	}
	return out.Body, info(key, out.ContentLength, out.ContentType, out.LastModified), nil
}

func info(key string, size *int64, contentType *string, mod *time.Time) blob.Info {
	return blob.Info{
		Key:         key,
		Size:        aws.ToInt64(size),
		ContentType: aws.ToString(contentType),
		ModTime:     aws.ToTime(mod),
	}
}

// Stat implements blob.Store.
func (s *Store) Stat(ctx context.Context, key string) (blob.Info, error) {
	if err := blob.ValidKey(key); err != nil {
		return blob.Info{}, fmt.Errorf("stat blob: %w", err)
	}
	out, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &s.bucket, Key: &key})
	if err != nil {
		return blob.Info{}, fmt.Errorf("stat blob %s: %w", key, notFound(err, key))
	}
	return info(key, out.ContentLength, out.ContentType, out.LastModified), nil
}

// Delete implements blob.Store. S3 answers success for a missing key.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := blob.ValidKey(key); err != nil {
		return fmt.Errorf("delete blob: %w", err)
	}
	_, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &s.bucket, Key: &key})
	if err != nil && !isCode(err, "NoSuchKey", "NotFound") {
		return fmt.Errorf("delete blob %s: %w", key, err)
	}
	return nil
}

// DeletePrefix implements blob.Store: it lists the prefix page by page
// and deletes each page (up to 1000 keys) with one DeleteObjects call.
func (s *Store) DeletePrefix(ctx context.Context, prefix string) error {
	if err := blob.ValidPrefix(prefix); err != nil {
		return fmt.Errorf("delete blobs: %w", err)
	}
	if err := s.deletePrefix(ctx, prefix); err != nil {
		return fmt.Errorf("delete blobs %s: %w", prefix, err)
	}
	return nil
}

// deletePrefix does the work of DeletePrefix without validating prefix,
// so that tests can empty a whole bucket with "".
func (s *Store) deletePrefix(ctx context.Context, prefix string) error {
	pages := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{
		Bucket:  &s.bucket,
		Prefix:  &prefix,
		MaxKeys: aws.Int32(deleteBatch),
	})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("list: %w", err)
		}
		ids := make([]types.ObjectIdentifier, 0, len(page.Contents))
		for _, o := range page.Contents {
			ids = append(ids, types.ObjectIdentifier{Key: o.Key})
		}
		for batch := range slices.Chunk(ids, deleteBatch) {
			out, err := s.client.DeleteObjects(ctx, &s3.DeleteObjectsInput{
				Bucket: &s.bucket,
				Delete: &types.Delete{Objects: batch, Quiet: aws.Bool(true)},
			})
			if err != nil {
				return err
			}
			for _, e := range out.Errors {
				if aws.ToString(e.Code) == "NoSuchKey" {
					continue
				}
				return fmt.Errorf("%d keys not deleted, first %s: %s %s",
					len(out.Errors), aws.ToString(e.Key), aws.ToString(e.Code), aws.ToString(e.Message))
			}
		}
	}
	return nil
}

// Ping implements blob.Store with HeadBucket.
func (s *Store) Ping(ctx context.Context) error {
	if _, err := s.client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &s.bucket}); err != nil {
		return errs.Wrap(errs.Unavailable, err, "object storage bucket "+s.bucket+" is not reachable")
	}
	return nil
}

// PresignPut implements blob.Store with a SigV4 query-signed PutObject URL
// whose signed headers include Content-Length and Content-Type, so S3
// refuses (403) any other size or type. It fails rather than return a URL
// in which either is missing from X-Amz-SignedHeaders (the SDK leaves both
// out for an empty body, hence blob.ValidUploadSize).
func (s *Store) PresignPut(ctx context.Context, key string, size int64, contentType string, ttl time.Duration) (blob.SignedRequest, error) {
	if err := validPut(key, size, contentType); err != nil {
		return blob.SignedRequest{}, fmt.Errorf("presign put: %w", err)
	}
	if err := blob.ValidUploadSize(size); err != nil {
		return blob.SignedRequest{}, fmt.Errorf("presign put: %w", err)
	}
	if err := blob.ValidTTL(ttl); err != nil {
		return blob.SignedRequest{}, fmt.Errorf("presign put: %w", err)
	}
	req, err := s.presign.PresignPutObject(ctx, &s3.PutObjectInput{
		Bucket:        &s.bucket,
		Key:           &key,
		ContentLength: aws.Int64(size),
		ContentType:   &contentType,
		// Write once: S3 refuses (412) a PUT to a key that holds an
		// object. The header is signed, so a client cannot drop it.
		IfNoneMatch: aws.String("*"),
	}, s3.WithPresignExpires(ttl))
	if err != nil {
		return blob.SignedRequest{}, fmt.Errorf("presign put %s: %w", key, err)
	}
	u, err := url.Parse(req.URL)
	if err != nil {
		return blob.SignedRequest{}, fmt.Errorf("presign put %s: %w", key, err)
	}
	signed := strings.Split(u.Query().Get("X-Amz-SignedHeaders"), ";")
	if !slices.Contains(signed, "content-length") || !slices.Contains(signed, "content-type") || !slices.Contains(signed, "if-none-match") {
		return blob.SignedRequest{}, fmt.Errorf("presign put %s: the signature does not cover content-length, content-type and if-none-match (signed: %v)", key, signed)
	}
	return blob.SignedRequest{
		URL:       req.URL,
		Method:    http.MethodPut,
		Headers:   map[string]string{"Content-Type": contentType, "If-None-Match": "*"},
		ExpiresAt: expiry(u, ttl),
	}, nil
}

// PresignGet implements blob.Store with a SigV4 query-signed GetObject
// URL. The response's Content-Disposition (when downloadName is set) and
// Cache-Control (private, no longer than the URL lives) are signed
// response overrides.
func (s *Store) PresignGet(ctx context.Context, key string, ttl time.Duration, downloadName string) (blob.SignedRequest, error) {
	if err := blob.ValidKey(key); err != nil {
		return blob.SignedRequest{}, fmt.Errorf("presign get: %w", err)
	}
	if err := blob.ValidTTL(ttl); err != nil {
		return blob.SignedRequest{}, fmt.Errorf("presign get: %w", err)
	}
	if err := blob.ValidDownloadName(downloadName); err != nil {
		return blob.SignedRequest{}, fmt.Errorf("presign get: %w", err)
	}
	in := &s3.GetObjectInput{
		Bucket:               &s.bucket,
		Key:                  &key,
		ResponseCacheControl: aws.String("private, max-age=" + strconv.FormatInt(int64(ttl/time.Second), 10)),
	}
	if downloadName != "" {
		in.ResponseContentDisposition = aws.String(blob.ContentDisposition(downloadName))
	}
	req, err := s.presign.PresignGetObject(ctx, in, s3.WithPresignExpires(ttl))
	if err != nil {
		return blob.SignedRequest{}, fmt.Errorf("presign get %s: %w", key, err)
	}
	u, err := url.Parse(req.URL)
	if err != nil {
		return blob.SignedRequest{}, fmt.Errorf("presign get %s: %w", key, err)
	}
	return blob.SignedRequest{
		URL:       req.URL,
		Method:    http.MethodGet,
		Headers:   map[string]string{},
		ExpiresAt: expiry(u, ttl),
	}, nil
}

// expiry returns when a SigV4 URL stops working: its signing time
// (X-Amz-Date, whole seconds) plus X-Amz-Expires. If either cannot be
// read it falls back to a time no later than the real one.
func expiry(u *url.URL, ttl time.Duration) time.Time {
	q := u.Query()
	date, err1 := time.Parse("20060102T150405Z", q.Get("X-Amz-Date"))
	secs, err2 := strconv.ParseInt(q.Get("X-Amz-Expires"), 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return time.Now().Truncate(time.Second).Add(ttl).Add(-time.Second)
	}
	return date.Add(time.Duration(secs) * time.Second)
}
