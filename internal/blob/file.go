package blob

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/parleychat/parley/internal/errs"
)

// HandlerPrefix is the URL path under which FileStore's signed URLs point
// and its Handler serves. The node mounts the handler at this prefix,
// without stripping it.
const HandlerPrefix = "/api/v1/blobs/"

// MinSecretLen is the shortest signing secret NewFileStore accepts.
const MinSecretLen = 16

// File name suffixes inside the objects tree. Keys cannot contain "~", so
// a key's directories (plain key segments) never collide with its files,
// and an object's content never collides with its sidecar.
const (
	dataSuffix = "~data"
	metaSuffix = "~meta"
)

// defaultContentType is reported for an object whose sidecar is missing
// (only possible after a crash between the two renames of a Put).
const defaultContentType = "application/octet-stream"

// FileStore is the embedded blob store: objects are files under a
// directory, and signed URLs point at this binary's own HTTP server
// (Handler), authenticated by an HMAC-SHA256 signature. It is meant for a
// single node: several processes must not share one directory.
type FileStore struct {
	objects string // <dir>/objects: the key tree
	tmp     string // <dir>/tmp: files being written, renamed into objects
	baseURL string // without a trailing slash
	secret  []byte
	logger  *slog.Logger

	// mu orders the renames and removals that change which files make up
	// an object (writers) against opening an object's two files (readers),
	// so a reader never pairs one Put's content with another's type.
	mu sync.RWMutex
}

var _ Store = (*FileStore)(nil)

// Option configures a FileStore.
type Option func(*FileStore)

// WithLogger sets the logger the HTTP handler reports internal errors to.
// Without it they are discarded.
func WithLogger(l *slog.Logger) Option {
	return func(s *FileStore) {
		if l != nil {
			s.logger = l
		}
	}
}

// NewFileStore opens (creating if needed) a file store in dir. baseURL is
// the public URL of the HTTP server that mounts Handler at HandlerPrefix
// (e.g. "http://localhost:8080"); signed URLs start with it. secret signs
// the URLs: at least MinSecretLen bytes (32 random bytes recommended),
// and the same on every start so that URLs already handed out keep
// working.
func NewFileStore(dir, baseURL string, secret []byte, opts ...Option) (*FileStore, error) {
	if dir == "" {
		return nil, errors.New("file blob store: empty directory")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("file blob store %s: %w", dir, err)
	}
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("file blob store: base URL %q must be an absolute http(s) URL without query", baseURL)
	}
	if len(secret) < MinSecretLen {
		return nil, fmt.Errorf("file blob store: signing secret must be at least %d bytes", MinSecretLen)
	}
	s := &FileStore{
		objects: filepath.Join(abs, "objects"),
		tmp:     filepath.Join(abs, "tmp"),
		baseURL: strings.TrimRight(baseURL, "/"),
		secret:  append([]byte(nil), secret...),
		logger:  slog.New(slog.DiscardHandler),
	}
	for _, o := range opts {
		o(s)
	}
	for _, d := range []string{abs, s.objects, s.tmp} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("file blob store: %w", err)
		}
	}
	s.removeStaleTemp(24 * time.Hour)
	return s, nil
}

// removeStaleTemp deletes temporary files left by a crash. Only old ones:
// another store in this process could be writing a fresh one.
func (s *FileStore) removeStaleTemp(age time.Duration) {
	entries, err := os.ReadDir(s.tmp)
	if err != nil {
		return
	}
	for _, e := range entries {
		if fi, err := e.Info(); err == nil && time.Since(fi.ModTime()) > age {
			_ = os.Remove(filepath.Join(s.tmp, e.Name()))
		}
	}
}

// paths returns the content and sidecar file of a valid key. Valid keys
// have no "..", "." or empty segments, so the result stays inside objects.
func (s *FileStore) paths(key string) (data, meta string) {
	base := filepath.Join(s.objects, filepath.FromSlash(key))
	return base + dataSuffix, base + metaSuffix
}

type sidecar struct {
	ContentType string `json:"contentType"`
}

// Put implements Store. The content is written to a temporary file,
// synced, and renamed into place together with its sidecar.
func (s *FileStore) Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error {
	if err := validPut(key, size, contentType); err != nil {
		return fmt.Errorf("put blob: %w", err)
	}
	if err := s.put(ctx, key, r, size, contentType, false); err != nil {
		return fmt.Errorf("put blob %s: %w", key, err)
	}
	return nil
}

// errExists refuses a signed upload to a key that holds an object: signed
// uploads write once (see Store.PresignPut).
func errExists(key string) error {
	return errs.E(errs.Conflict, "object %s exists already: an upload URL writes once", key)
}

// exists reports whether key holds an object.
func (s *FileStore) exists(key string) bool {
	dataPath, _ := s.paths(key)
	_, err := os.Lstat(dataPath)
	return err == nil
}

func validPut(key string, size int64, contentType string) error {
	if err := ValidKey(key); err != nil {
		return err
	}
	if err := ValidSize(size); err != nil {
		return err
	}
	return ValidContentType(contentType)
}

// put stores an object. With once set it refuses (errExists) a key that
// holds an object, checked again under the lock that orders the renames,
// so of two uploads to one key exactly one wins.
func (s *FileStore) put(ctx context.Context, key string, r io.Reader, size int64, contentType string, once bool) error {
	dataTmp, err := s.writeTemp(ExactReader(ctxReader{ctx, r}, size))
	if err != nil {
		return err
	}
	var metaTmp string
	defer func() {
		// Whatever was not renamed into place (a name renamed away could
		// already belong to another Put's new temporary file).
		for _, p := range []string{dataTmp, metaTmp} {
			if p != "" {
				_ = os.Remove(p)
			}
		}
	}()
	meta, err := json.Marshal(sidecar{ContentType: contentType})
	if err != nil {
		return err
	}
	if metaTmp, err = s.writeTemp(strings.NewReader(string(meta))); err != nil {
		return err
	}

	dataPath, metaPath := s.paths(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return err
	}
	if once && s.exists(key) {
		return errExists(key)
	}
	if err := os.MkdirAll(filepath.Dir(dataPath), 0o700); err != nil {
		return err
	}
	// Sidecar first: a crash in between leaves the old content with the
	// new type, never content without an object.
	if err := os.Rename(metaTmp, metaPath); err != nil {
		return err
	}
	metaTmp = ""
	if err := os.Rename(dataTmp, dataPath); err != nil {
		return err
	}
	dataTmp = ""
	return nil
}

// writeTemp copies r into a new synced file in the temp directory and
// returns its name. On error nothing is left behind.
func (s *FileStore) writeTemp(r io.Reader) (name string, err error) {
	f, err := os.CreateTemp(s.tmp, "put-*") // mode 0600
	if err != nil {
		return "", err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			_ = os.Remove(f.Name())
		}
	}()
	if _, err := io.Copy(f, r); err != nil {
		return "", err
	}
	if err := f.Sync(); err != nil {
		return "", err
	}
	return f.Name(), nil
}

// ctxReader stops a copy when its context ends.
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

// Open implements Store. The returned reader is an *os.File (seekable).
func (s *FileStore) Open(ctx context.Context, key string) (io.ReadCloser, Info, error) {
	f, info, err := s.open(ctx, key)
	if err != nil {
		return nil, Info{}, fmt.Errorf("open blob: %w", err)
	}
	return f, info, nil
}

func (s *FileStore) open(ctx context.Context, key string) (*os.File, Info, error) {
	if err := ValidKey(key); err != nil {
		return nil, Info{}, err
	}
	if err := ctx.Err(); err != nil {
		return nil, Info{}, err
	}
	dataPath, metaPath := s.paths(key)
	s.mu.RLock()
	ct := readSidecar(metaPath)
	f, err := os.Open(dataPath)
	s.mu.RUnlock()
	if err != nil {
		return nil, Info{}, notFound(key, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, Info{}, err
	}
	return f, Info{Key: key, Size: fi.Size(), ContentType: ct, ModTime: fi.ModTime()}, nil
}

func readSidecar(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return defaultContentType
	}
	var m sidecar
	if json.Unmarshal(b, &m) != nil || m.ContentType == "" {
		return defaultContentType
	}
	return m.ContentType
}

func notFound(key string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return errs.Wrap(errs.NotFound, err, "object "+key+" not found")
	}
	return err
}

// Stat implements Store.
func (s *FileStore) Stat(ctx context.Context, key string) (Info, error) {
	f, info, err := s.open(ctx, key)
	if err != nil {
		return Info{}, fmt.Errorf("stat blob: %w", err)
	}
	f.Close()
	return info, nil
}

// Delete implements Store.
func (s *FileStore) Delete(ctx context.Context, key string) error {
	if err := ValidKey(key); err != nil {
		return fmt.Errorf("delete blob: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := s.delete(key); err != nil {
		return fmt.Errorf("delete blob %s: %w", key, err)
	}
	return nil
}

func (s *FileStore) delete(key string) error {
	dataPath, metaPath := s.paths(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range []string{dataPath, metaPath} {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	// Prune directories left empty, up to (not including) objects.
	for dir := filepath.Dir(dataPath); dir != s.objects && strings.HasPrefix(dir, s.objects); dir = filepath.Dir(dir) {
		if os.Remove(dir) != nil {
			break
		}
	}
	return nil
}

// DeletePrefix implements Store by walking the part of the tree that can
// hold matching keys.
func (s *FileStore) DeletePrefix(ctx context.Context, prefix string) error {
	if err := ValidPrefix(prefix); err != nil {
		return fmt.Errorf("delete blobs: %w", err)
	}
	keys, err := s.keysWithPrefix(ctx, prefix)
	if err != nil {
		return fmt.Errorf("delete blobs %s: %w", prefix, err)
	}
	for _, k := range keys {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := s.delete(k); err != nil {
			return fmt.Errorf("delete blobs %s: %w", prefix, err)
		}
	}
	return nil
}

func (s *FileStore) keysWithPrefix(ctx context.Context, prefix string) ([]string, error) {
	root := s.objects
	if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
		root = filepath.Join(s.objects, filepath.FromSlash(prefix[:i]))
	}
	seen := map[string]bool{}
	var keys []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil // nothing there, or removed meanwhile
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(s.objects, path)
		if err != nil {
			return err
		}
		key, ok := strings.CutSuffix(filepath.ToSlash(rel), dataSuffix)
		if !ok {
			key, ok = strings.CutSuffix(filepath.ToSlash(rel), metaSuffix)
		}
		if ok && strings.HasPrefix(key, prefix) && !seen[key] {
			seen[key] = true
			keys = append(keys, key)
		}
		return nil
	})
	return keys, err
}

// Ping implements Store: it checks that a file can be created in the
// store's directory.
func (s *FileStore) Ping(ctx context.Context) error {
	name, err := s.writeTemp(strings.NewReader(""))
	if err != nil {
		return errs.Wrap(errs.Unavailable, err, "file storage is not writable")
	}
	return os.Remove(name)
}

// PresignPut implements Store. The URL carries exp, size, ct and sig.
func (s *FileStore) PresignPut(ctx context.Context, key string, size int64, contentType string, ttl time.Duration) (SignedRequest, error) {
	if err := validPut(key, size, contentType); err != nil {
		return SignedRequest{}, fmt.Errorf("presign put: %w", err)
	}
	if err := ValidUploadSize(size); err != nil {
		return SignedRequest{}, fmt.Errorf("presign put: %w", err)
	}
	if err := ValidTTL(ttl); err != nil {
		return SignedRequest{}, fmt.Errorf("presign put: %w", err)
	}
	exp := time.Now().Add(ttl).Unix()
	q := url.Values{
		"exp":  {strconv.FormatInt(exp, 10)},
		"size": {strconv.FormatInt(size, 10)},
		"ct":   {contentType},
	}
	q.Set("sig", s.sign("PUT", key, q.Get("exp"), q.Get("size"), contentType, ""))
	return SignedRequest{
		URL:       s.baseURL + HandlerPrefix + key + "?" + q.Encode(),
		Method:    "PUT",
		Headers:   map[string]string{"Content-Type": contentType, "If-None-Match": "*"},
		ExpiresAt: time.Unix(exp, 0),
	}, nil
}

// PresignGet implements Store. The URL carries exp, name and sig.
func (s *FileStore) PresignGet(ctx context.Context, key string, ttl time.Duration, downloadName string) (SignedRequest, error) {
	if err := ValidKey(key); err != nil {
		return SignedRequest{}, fmt.Errorf("presign get: %w", err)
	}
	if err := ValidTTL(ttl); err != nil {
		return SignedRequest{}, fmt.Errorf("presign get: %w", err)
	}
	if err := ValidDownloadName(downloadName); err != nil {
		return SignedRequest{}, fmt.Errorf("presign get: %w", err)
	}
	exp := time.Now().Add(ttl).Unix()
	q := url.Values{"exp": {strconv.FormatInt(exp, 10)}}
	if downloadName != "" {
		q.Set("name", downloadName)
	}
	q.Set("sig", s.sign("GET", key, q.Get("exp"), "", "", downloadName))
	return SignedRequest{
		URL:       s.baseURL + HandlerPrefix + key + "?" + q.Encode(),
		Method:    "GET",
		Headers:   map[string]string{},
		ExpiresAt: time.Unix(exp, 0),
	}, nil
}

// sign returns the hex HMAC-SHA256 of everything a URL grants. Fields are
// separated by newlines, which none of them can contain, so two different
// grants never share a signed string.
func (s *FileStore) sign(method, key, exp, size, contentType, name string) string {
	m := hmac.New(sha256.New, s.secret)
	for _, f := range []string{"parley-blob-v1", method, key, exp, size, contentType, name} {
		m.Write([]byte(f))
		m.Write([]byte{'\n'})
	}
	return hex.EncodeToString(m.Sum(nil))
}
