package group

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"

	"github.com/parleychat/parley/internal/blob"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/picture"
)

// pictureKey is the object key of version version of a group's picture:
// the version makes it new with every upload, the random part makes its
// URL (PictureURL) unguessable.
func pictureKey(groupID string, version int64) string {
	var r [12]byte
	_, _ = rand.Read(r[:]) // never fails (crypto/rand)
	return fmt.Sprintf("groups/%s/picture-%d-%s", groupID, version, hex.EncodeToString(r[:]))
}

// SetPicture replaces the group's picture with the image in data (see
// picture.Process for what is accepted; creator or admin) and returns the
// group with its new pictureUrl. The object is stored before the database
// points at it and the previous one deleted after, so a pictureUrl seen by
// anyone always resolves. Of two uploads at once the later version wins.
func (s *Service) SetPicture(ctx context.Context, userID, groupID string, data []byte) (MyGroup, error) {
	// Rights first, so that nobody else makes the server decode anything.
	var version int64
	err := s.change(ctx, func(tx *sql.Tx) error {
		g, me, err := s.actorIn(ctx, tx, groupID, userID)
		if err != nil {
			return err
		}
		if err := refuseDirect(g, "has no picture"); err != nil {
			return err
		}
		if !Can(me.membership(), ActEditGroup, nil) {
			return forbidden("only the creator and admins may change the group's picture")
		}
		groupID = g.ID // the stored spelling names the blob
		version, err = s.store.nextPictureVersion(ctx, tx, g.ID)
		return err
	})
	if err != nil {
		return MyGroup{}, fmt.Errorf("set picture of %s: %w", groupID, err)
	}
	out, contentType, err := picture.Process(ctx, s.gate, data)
	if err != nil {
		return MyGroup{}, err
	}
	key := pictureKey(groupID, version)
	if err := s.blob.Put(ctx, key, bytes.NewReader(out), int64(len(out)), contentType); err != nil {
		return MyGroup{}, fmt.Errorf("set picture of %s: store %s: %w", groupID, key, err)
	}
	var res MyGroup
	var stale string // the object no row points at any more
	err = s.change(ctx, func(tx *sql.Tx) error {
		g, me, err := s.actorIn(ctx, tx, groupID, userID)
		if err != nil {
			return err
		}
		if err := refuseDirect(g, "has no picture"); err != nil {
			return err
		}
		if !Can(me.membership(), ActEditGroup, nil) {
			return forbidden("only the creator and admins may change the group's picture")
		}
		if g.PictureVersion.Valid && g.PictureVersion.Int64 > version {
			stale, res = key, MyGroup{Group: g.group(), Me: me.Member}
			return nil // a later upload finished first: it stays, ours goes
		}
		stale = g.PictureKey.String
		if err := s.store.setPicture(ctx, tx, g.ID, version, key, s.clock()); err != nil {
			return err
		}
		g.PictureVersion = sql.NullInt64{Int64: version, Valid: true}
		g.PictureKey = sql.NullString{String: key, Valid: true}
		res = MyGroup{Group: g.group(), Me: me.Member}
		return addEvent(ctx, tx, EventUpdated, g.ID, GroupChanged{Group: res.Group})
	})
	if err != nil {
		s.deleteBlob(ctx, key)
		return MyGroup{}, fmt.Errorf("set picture of %s: %w", groupID, err)
	}
	s.deleteBlob(ctx, stale)
	return res, nil
}

// DeletePicture removes the group's picture (creator or admin);
// errs.NotFound when it has none.
func (s *Service) DeletePicture(ctx context.Context, userID, groupID string) error {
	var stale string
	err := s.change(ctx, func(tx *sql.Tx) error {
		g, me, err := s.actorIn(ctx, tx, groupID, userID)
		if err != nil {
			return err
		}
		if err := refuseDirect(g, "has no picture"); err != nil {
			return err
		}
		if !Can(me.membership(), ActEditGroup, nil) {
			return forbidden("only the creator and admins may change the group's picture")
		}
		if !g.PictureVersion.Valid {
			return errs.E(errs.NotFound, "the group has no picture")
		}
		stale = g.PictureKey.String
		if err := s.store.setPicture(ctx, tx, g.ID, 0, "", s.clock()); err != nil {
			return err
		}
		g.PictureVersion, g.PictureKey = sql.NullInt64{}, sql.NullString{}
		return addEvent(ctx, tx, EventUpdated, g.ID, GroupChanged{Group: g.group()})
	})
	if err != nil {
		return fmt.Errorf("delete picture of %s: %w", groupID, err)
	}
	s.deleteBlob(ctx, stale)
	return nil
}

// PictureRef names the current picture of a group.
type PictureRef struct {
	GroupID string
	Token   string // the v of its URL, also its ETag
	key     string
}

// Picture returns the current picture of a group when token is its token
// (the v of its pictureUrl); errs.NotFound when the group does not exist,
// has no picture, or token is not the current picture's. The URL needs no
// access token, so that <img> can show it, but only who may see the group
// learns it (PictureURL).
func (s *Service) Picture(ctx context.Context, groupID, token string) (PictureRef, error) {
	g, err := s.store.group(ctx, s.db, groupID, false)
	if err != nil {
		return PictureRef{}, err
	}
	if !g.PictureVersion.Valid || token == "" || subtle.ConstantTimeCompare([]byte(token), []byte(pictureToken(g.ID, g.PictureKey.String))) != 1 {
		return PictureRef{}, errs.E(errs.NotFound, "no such picture")
	}
	return PictureRef{GroupID: g.ID, Token: token, key: g.PictureKey.String}, nil
}

// OpenPicture opens the stored image of ref. The caller closes it.
func (s *Service) OpenPicture(ctx context.Context, ref PictureRef) (io.ReadCloser, blob.Info, error) {
	rc, info, err := s.blob.Open(ctx, ref.key)
	if err != nil {
		return nil, blob.Info{}, fmt.Errorf("open group picture: %w", err)
	}
	return rc, info, nil
}
