package user

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"

	"github.com/parleychat/parley/internal/blob"
	"github.com/parleychat/parley/internal/errs"
	pictures "github.com/parleychat/parley/internal/picture"
	"github.com/parleychat/parley/internal/sqlstore"
)

// Picture limits (those of the shared pipeline, internal/picture).
const (
	// MaxPictureBytes is the largest picture file accepted (5 MiB).
	MaxPictureBytes = pictures.MaxBytes
	// MaxPictureSide is the largest width or height accepted; it is
	// checked from the header, before the image is decoded.
	MaxPictureSide = pictures.MaxSide
	// PictureSide is the largest width or height stored: bigger pictures
	// are scaled down to fit, keeping their proportions.
	PictureSide = pictures.Side
)

// processPicture runs data through the shared picture pipeline (see
// picture.Process: PNG, JPEG, GIF or WebP by content, bounded, decoded,
// scaled to fit PictureSide and re-encoded), at most len(s.decode)
// decodes at once. Anything that is not such an image is errs.Invalid.
func (s *Service) processPicture(ctx context.Context, data []byte) ([]byte, string, error) {
	return pictures.Process(ctx, s.decode, data)
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
