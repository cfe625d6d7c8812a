package s3blob

import (
	"context"
	"errors"
	"fmt"
	parleyconfig "github.com/parleychat/parley/internal/config"
	"log/slog"
	"net/url"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// Store is the blob.Store on an S3-compatible service. It is safe for
// concurrent use and holds no resources that need closing.
type Store struct {
	client  *s3.Client
	presign *s3.PresignClient
	bucket  string
	logger  *slog.Logger
}

// options is what an s3:// URL says.
type options struct {
	bucket    string
	access    string
	secret    string
	endpoint  string
	region    string
	pathStyle bool
	create    bool
}

// Redacted returns rawURL with the secret key replaced by "xxxxx", for logs
// and error messages. A URL that does not parse is replaced whole, since
// it may hold a secret in a place a parser cannot find.
func Redacted(rawURL string) string {
	if _, err := url.Parse(rawURL); err != nil {
		return "s3://(unparsable URL)"
	}
	return parleyconfig.Redact(rawURL) // also hides a secret the parser took for a host, path or fragment
}

// parseURL reads
// s3://[ACCESS:SECRET@]bucket?endpoint=…&region=…&path_style=…&create=…
// Errors never contain the URL itself (it may hold the secret).
func parseURL(rawURL string) (options, error) {
	var o options
	u, err := url.Parse(rawURL)
	if err != nil {
		// Not the parser's reason: url.Error repeats the whole URL, and
		// even its inner error quotes the part it choked on, often the
		// start of a secret with a "/" in it.
		return o, errors.New("invalid URL: it does not parse (characters such as / ? # @ or a space in the secret key must be percent-encoded)")
	}
	if u.Scheme != "s3" {
		return o, fmt.Errorf("scheme is %q, want s3", u.Scheme)
	}
	if u.Host == "" || (u.Path != "" && u.Path != "/") {
		return o, errors.New("the URL must name a bucket as its host: s3://bucket?…")
	}
	o.bucket = u.Host
	if u.User != nil {
		o.access = u.User.Username()
		s, ok := u.User.Password()
		if o.access == "" || !ok || s == "" {
			return o, errors.New("credentials in the URL must be ACCESS:SECRET@")
		}
		o.secret = s
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return o, errors.New("invalid query string")
	}
	for k, v := range q {
		if len(v) != 1 {
			return o, fmt.Errorf("parameter %s given %d times", k, len(v))
		}
		switch k {
		case "endpoint":
			ep, err := url.Parse(v[0])
			if err != nil || (ep.Scheme != "http" && ep.Scheme != "https") || ep.Host == "" {
				return o, fmt.Errorf("endpoint %q must be an http(s) URL", v[0])
			}
			o.endpoint = v[0]
		case "region":
			o.region = v[0]
		case "path_style", "create":
		default:
			return o, fmt.Errorf("unknown parameter %q (valid: endpoint, region, path_style, create)", k)
		}
	}
	o.pathStyle = o.endpoint != ""
	if v := q.Get("path_style"); v != "" {
		if o.pathStyle, err = strconv.ParseBool(v); err != nil {
			return o, fmt.Errorf("path_style=%q is not a boolean", v)
		}
	}
	if v := q.Get("create"); v != "" {
		if o.create, err = strconv.ParseBool(v); err != nil {
			return o, fmt.Errorf("create=%q is not a boolean", v)
		}
	}
	if o.region == "" && o.endpoint != "" {
		o.region = "us-east-1" // what S3-compatible servers expect by default
	}
	return o, nil
}

// Open connects to the bucket that rawURL names:
//
//	s3://[ACCESS:SECRET@]bucket?endpoint=http://host:port&region=us-east-1&path_style=true&create=true
//
// Credentials come from the URL's user info when present, else from the
// default AWS chain (environment, shared files, instance role). The region
// defaults to the chain's, else us-east-1. Path-style addressing is on by
// default when an endpoint is given (what MinIO, SeaweedFS and versitygw
// need) and off otherwise (AWS).
//
// With create=true a missing bucket is created and given a CORS rule that
// lets browsers PUT and GET (with Content-Type) from any origin; that is
// for development and tests. In production operators create the bucket and
// set CORS themselves, restricted to their public origin, and leave create
// off.
//
// Open checks that the bucket is reachable and fails otherwise. Neither
// its errors nor its logs ever contain the secret key.
func Open(ctx context.Context, rawURL string, logger *slog.Logger) (*Store, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	o, err := parseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("s3 blob store: %w", err)
	}
	redacted := Redacted(rawURL)
	var loadOpts []func(*config.LoadOptions) error
	if o.region != "" {
		loadOpts = append(loadOpts, config.WithRegion(o.region))
	}
	if o.access != "" {
		loadOpts = append(loadOpts, config.WithCredentialsProvider(
			credentials.NewStaticCredentialsProvider(o.access, o.secret, "")))
	}
	// Checksums only where S3 requires them: many S3-compatible servers
	// reject the newer default (CRC trailers), and a presigned PUT must
	// carry no checksum of a body it has not seen.
	loadOpts = append(loadOpts,
		config.WithRequestChecksumCalculation(aws.RequestChecksumCalculationWhenRequired),
		config.WithResponseChecksumValidation(aws.ResponseChecksumValidationWhenRequired))
	cfg, err := config.LoadDefaultConfig(ctx, loadOpts...)
	if err != nil {
		return nil, fmt.Errorf("s3 blob store %s: load AWS configuration: %w", redacted, err)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	client := s3.NewFromConfig(cfg, func(so *s3.Options) {
		so.UsePathStyle = o.pathStyle
		if o.endpoint != "" {
			so.BaseEndpoint = aws.String(o.endpoint)
		}
	})
	s := &Store{client: client, presign: s3.NewPresignClient(client), bucket: o.bucket, logger: logger}
	if o.create {
		if err := s.ensureBucket(ctx, cfg.Region); err != nil {
			return nil, fmt.Errorf("s3 blob store %s: %w", redacted, err)
		}
	}
	if err := s.Ping(ctx); err != nil {
		return nil, fmt.Errorf("s3 blob store %s: %w", redacted, err)
	}
	return s, nil
}

// ensureBucket creates the bucket with a permissive CORS rule when it does
// not exist. An existing bucket, and its CORS, are left as they are.
func (s *Store) ensureBucket(ctx context.Context, region string) error {
	if _, err := s.client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &s.bucket}); err == nil {
		return nil
	}
	in := &s3.CreateBucketInput{Bucket: &s.bucket}
	if region != "us-east-1" {
		in.CreateBucketConfiguration = &types.CreateBucketConfiguration{
			LocationConstraint: types.BucketLocationConstraint(region),
		}
	}
	if _, err := s.client.CreateBucket(ctx, in); err != nil {
		var owned *types.BucketAlreadyOwnedByYou
		if errors.As(err, &owned) {
			return nil // created meanwhile by another instance
		}
		return fmt.Errorf("create bucket %s: %w", s.bucket, err)
	}
	_, err := s.client.PutBucketCors(ctx, &s3.PutBucketCorsInput{
		Bucket: &s.bucket,
		CORSConfiguration: &types.CORSConfiguration{CORSRules: []types.CORSRule{{
			AllowedMethods: []string{"GET", "HEAD", "PUT"},
			AllowedOrigins: []string{"*"},
			AllowedHeaders: []string{"Content-Type", "Range", "If-None-Match"},
			ExposeHeaders:  []string{"ETag", "Content-Length", "Content-Range", "Content-Disposition"},
			MaxAgeSeconds:  aws.Int32(3600),
		}}},
	})
	if err != nil {
		return fmt.Errorf("set CORS on bucket %s: %w", s.bucket, err)
	}
	s.logger.Info("created bucket with a CORS rule for any origin (development setting)", "bucket", s.bucket)
	return nil
}

// isCode reports whether err is an S3 error with one of the codes.
func isCode(err error, codes ...string) bool {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return false
	}
	for _, c := range codes {
		if ae.ErrorCode() == c {
			return true
		}
	}
	return false
}
