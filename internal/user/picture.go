package user

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"

	"golang.org/x/image/draw"
	"golang.org/x/image/webp"

	"github.com/parleychat/parley/internal/blob"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/sqlstore"
)

// Picture limits.
const (
	// MaxPictureBytes is the largest picture file accepted (5 MiB).
	MaxPictureBytes = 5 << 20
	// MaxPictureSide is the largest width or height accepted; it is
	// checked from the header, before the image is decoded.
	MaxPictureSide = 4096
	// PictureSide is the largest width or height stored: bigger pictures
	// are scaled down to fit, keeping their proportions.
	PictureSide = 512
	// pictureQuality is the JPEG quality of stored opaque pictures.
	pictureQuality = 85
)

// format is an image format the role accepts.
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

// processPicture checks that data is a PNG, JPEG, GIF (first frame) or
// WebP image of at most MaxPictureSide pixels a side, by its content and
// never by a name or a declared type; reads its size from the header
// before decoding it; decodes it fully; scales it to fit PictureSide; and
// re-encodes it, as PNG when it has transparent pixels and as JPEG
// otherwise. Nothing of the upload but its pixels survives (no metadata,
// no trailing bytes). Anything that is not such an image is errs.Invalid.
func (s *Service) processPicture(ctx context.Context, data []byte) ([]byte, string, error) {
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
	if cfg.Width < 1 || cfg.Height < 1 || cfg.Width > MaxPictureSide || cfg.Height > MaxPictureSide {
		return nil, "", errNotImage(fmt.Sprintf("must be at most %d×%d pixels (this one is %d×%d)", MaxPictureSide, MaxPictureSide, cfg.Width, cfg.Height))
	}
	select {
	case s.decode <- struct{}{}:
		defer func() { <-s.decode }()
	case <-ctx.Done():
		return nil, "", ctx.Err()
	}
	src, err := safeDecode(f, data)
	if err != nil {
		return nil, "", errNotImage("is not a valid " + f.name + " image")
	}
	b := src.Bounds()
	if b.Dx() != cfg.Width || b.Dy() != cfg.Height {
		return nil, "", errNotImage("is not a valid " + f.name + " image")
	}
	dst := scale(src, PictureSide)
	var out bytes.Buffer
	if dst.Opaque() {
		if err := jpeg.Encode(&out, dst, &jpeg.Options{Quality: pictureQuality}); err != nil {
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
func safeDecode(f *format, data []byte) (img image.Image, err error) {
	defer func() {
		if p := recover(); p != nil {
			img, err = nil, fmt.Errorf("%s decoder panicked: %v", f.name, p)
		}
	}()
	return f.decode(bytes.NewReader(data))
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

func pictureKey(userID string, version int64) string {
	return fmt.Sprintf("users/%s/picture-%d", userID, version)
}

// SetPicture replaces the user's picture with the image in data (see
// processPicture for what is accepted) and returns the account with its
// new pictureUrl. The stored object is written before the database points
// at it, and the previous one is deleted after, so a pictureUrl seen by
// anyone always resolves. Of two uploads at once the later version wins.
func (s *Service) SetPicture(ctx context.Context, userID string, data []byte) (Me, error) {
	if len(data) > MaxPictureBytes {
		return Me{}, errs.E(errs.TooLarge, "picture: larger than %d bytes", MaxPictureBytes)
	}
	out, contentType, err := s.processPicture(ctx, data)
	if err != nil {
		return Me{}, err
	}
	var version int64
	err = sqlstore.InTx(ctx, s.db, func(tx *sql.Tx) error {
		v, err := s.store.nextPictureVersion(ctx, tx, userID)
		version = v
		return err
	})
	if err != nil {
		return Me{}, fmt.Errorf("set picture: %w", err)
	}
	key := pictureKey(userID, version)
	if err := s.blob.Put(ctx, key, bytes.NewReader(out), int64(len(out)), contentType); err != nil {
		return Me{}, fmt.Errorf("set picture: store %s: %w", key, err)
	}
	var me Me
	var stale string // the object no row points at any more
	err = sqlstore.InTx(ctx, s.db, func(tx *sql.Tx) error {
		a, err := s.store.byID(ctx, tx, userID, true)
		if err != nil {
			return err
		}
		if a.PictureVersion.Valid && a.PictureVersion.Int64 > version {
			// A later upload finished first: it stays, ours goes.
			stale, me = key, a.me()
			return nil
		}
		stale = a.PictureKey.String
		now := s.clock()
		if err := s.store.setPicture(ctx, tx, userID, version, key, now); err != nil {
			return err
		}
		a.PictureVersion = sql.NullInt64{Int64: version, Valid: true}
		a.PictureKey = sql.NullString{String: key, Valid: true}
		me = a.me()
		return addEvent(ctx, tx, EventUpdated, a)
	})
	if err != nil {
		s.deleteBlob(ctx, key)
		return Me{}, fmt.Errorf("set picture: %w", err)
	}
	s.notify()
	s.deleteBlob(ctx, stale)
	return me, nil
}

// DeletePicture removes the user's picture; errs.NotFound when there is
// none.
func (s *Service) DeletePicture(ctx context.Context, userID string) error {
	var stale string
	err := sqlstore.InTx(ctx, s.db, func(tx *sql.Tx) error {
		a, err := s.store.byID(ctx, tx, userID, true)
		if err != nil {
			return err
		}
		if !a.PictureVersion.Valid {
			return errs.E(errs.NotFound, "you have no picture")
		}
		stale = a.PictureKey.String
		if err := s.store.setPicture(ctx, tx, userID, 0, "", s.clock()); err != nil {
			return err
		}
		a.PictureVersion, a.PictureKey = sql.NullInt64{}, sql.NullString{}
		return addEvent(ctx, tx, EventUpdated, a)
	})
	if err != nil {
		return fmt.Errorf("delete picture: %w", err)
	}
	s.notify()
	s.deleteBlob(ctx, stale)
	return nil
}

// deleteBlob removes an object no row points at. A failure only leaves
// an unreachable object behind, so it is logged, not returned.
func (s *Service) deleteBlob(ctx context.Context, key string) {
	if key == "" {
		return
	}
	if err := s.blob.Delete(context.WithoutCancel(ctx), key); err != nil {
		s.log.WarnContext(ctx, "could not delete an old picture", "key", key, "err", err)
	}
}

// PictureRef names the current picture of a user.
type PictureRef struct {
	UserID  string
	Version int64
	key     string
}

// Picture returns the current picture of a visible user (see Get);
// errs.NotFound when the user is not visible or has no picture.
func (s *Service) Picture(ctx context.Context, userID string) (PictureRef, error) {
	a, err := s.visible(ctx, userID)
	if err != nil {
		return PictureRef{}, err
	}
	if !a.PictureVersion.Valid {
		return PictureRef{}, errs.E(errs.NotFound, "this user has no picture")
	}
	return PictureRef{UserID: a.ID, Version: a.PictureVersion.Int64, key: a.PictureKey.String}, nil
}

// OpenPicture opens the stored image of ref. The caller closes it. A
// picture replaced since ref was read is errs.NotFound.
func (s *Service) OpenPicture(ctx context.Context, ref PictureRef) (io.ReadCloser, blob.Info, error) {
	rc, info, err := s.blob.Open(ctx, ref.key)
	if err != nil {
		return nil, blob.Info{}, fmt.Errorf("open picture: %w", err)
	}
	return rc, info, nil
}
