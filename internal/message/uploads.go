package message

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/parleychat/parley/internal/blob"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/rights"
	"github.com/parleychat/parley/internal/sqlstore"
)

// uploadRow is one row of message_uploads.
type uploadRow struct {
	Key, GroupID, UploaderID, Name, ContentType string
	Size                                        int64
	MessageID                                   sql.NullString
	DeletedAt                                   sql.NullTime // a tombstone, see SweepUploads
}

const uploadCols = "upload_key, group_id, uploader_id, name, size, content_type, message_id, deleted_at"

func scanUpload(sc interface{ Scan(...any) error }) (uploadRow, error) {
	var u uploadRow
	return u, sc.Scan(&u.Key, &u.GroupID, &u.UploaderID, &u.Name, &u.Size, &u.ContentType, &u.MessageID, &u.DeletedAt)
}

func (s *Service) upload(ctx context.Context, q querier, key string) (uploadRow, bool, error) {
	return s.readUpload(ctx, q, key, "")
}

func (s *Service) uploadLocked(ctx context.Context, q querier, key string) (uploadRow, bool, error) {
	return s.readUpload(ctx, q, key, s.store.lock)
}

func (s *Service) readUpload(ctx context.Context, q querier, key, lock string) (uploadRow, bool, error) {
	u, err := scanUpload(q.QueryRowContext(ctx, "SELECT "+uploadCols+" FROM message_uploads WHERE upload_key = ?"+lock, key))
	if errors.Is(err, sql.ErrNoRows) {
		return uploadRow{}, false, nil
	}
	if err != nil {
		return uploadRow{}, false, fmt.Errorf("read upload: %w", err)
	}
	return u, true, nil
}

// FileSpec is one file a member means to upload.
type FileSpec struct {
	Name        string `json:"name"`
	Size        int64  `json:"size"`
	ContentType string `json:"contentType"`
}

// UploadTicket is where and how to PUT one file.
type UploadTicket struct {
	Key       string            `json:"key"`
	Name      string            `json:"name"`
	URL       string            `json:"url"`
	Method    string            `json:"method"`
	Headers   map[string]string `json:"headers"`
	ExpiresAt time.Time         `json:"expiresAt"`
}

// DownloadURL is a short-lived URL of one attachment.
type DownloadURL struct {
	Key       string    `json:"key"`
	URL       string    `json:"url"`
	ExpiresAt time.Time `json:"expiresAt"`
}

func (s *Service) checkFile(i int, f FileSpec) error {
	field := func(name, why string) error {
		return errs.Field(fmt.Sprintf("files[%d].%s", i, name), why)
	}
	switch {
	case f.Name == "" || blob.ValidDownloadName(f.Name) != nil:
		return field("name", "must be 1 to 255 bytes of text without control characters")
	case f.Size < 1:
		return field("size", "must be at least 1 byte")
	case f.Size > s.max:
		return &errs.Error{Kind: errs.TooLarge, Message: fmt.Sprintf("files[%d]: larger than %d bytes", i, s.max),
			Fields: map[string]string{fmt.Sprintf("files[%d].size", i): "too large"}}
	case blob.ValidContentType(f.ContentType) != nil:
		return field("contentType", "is not a media type")
	}
	return nil
}

// Uploads issues one key and pre-signed PUT URL per file, in request
// order, to a member of groupID. The URL accepts exactly the declared size
// and type, for URLTTL. Keys are groups/<groupId>/<uuid>, recorded as
// issued to userID for groupID: only userID can attach them, once, to a
// message of that group. A non-member is errs.NotFound; a file over the
// size limit is errs.TooLarge; other bad input is errs.Invalid.
func (s *Service) Uploads(ctx context.Context, groupID, userID string, files []FileSpec) ([]UploadTicket, error) {
	if !validID(groupID) {
		return nil, errNoGroup()
	}
	if err := s.withOwner(ctx, groupID, userID, func(owner *rights.Membership) error {
		_, err := s.member(ctx, s.db, owner, groupID, userID)
		return err
	}); err != nil {
		return nil, err
	}
	if len(files) == 0 || len(files) > MaxFilesPerUpload {
		return nil, errs.Field("files", "must list 1 to 10 files")
	}
	for i, f := range files {
		if err := s.checkFile(i, f); err != nil {
			return nil, err
		}
	}
	out := make([]UploadTicket, len(files))
	for i, f := range files {
		key := "groups/" + groupID + "/" + newID()
		req, err := s.blob.PresignPut(ctx, key, f.Size, f.ContentType, URLTTL)
		if err != nil {
			return nil, fmt.Errorf("presign upload: %w", err)
		}
		out[i] = UploadTicket{Key: key, Name: f.Name, URL: req.URL, Method: req.Method, Headers: req.Headers, ExpiresAt: req.ExpiresAt.UTC()}
	}
	now := sqlstore.Time(s.now())
	err := sqlstore.InTx(ctx, s.db, func(tx *sql.Tx) error {
		if err := s.checkQuotas(ctx, tx, groupID, userID, files, now); err != nil {
			return err
		}
		for i, f := range files {
			if _, err := tx.ExecContext(ctx, "INSERT INTO message_uploads (upload_key, group_id, uploader_id, name, size, content_type, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
				out[i].Key, groupID, userID, f.Name, f.Size, f.ContentType, now); err != nil {
				return fmt.Errorf("record upload: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("uploads: %w", err)
	}
	return out, nil
}

// checkQuotas refuses (errs.TooLarge) files that would take userID's
// uploads of the last 24 hours beyond the user quota, or groupID's stored
// files beyond the group quota. Declared sizes count: an upload URL
// accepts exactly its declared size.
func (s *Service) checkQuotas(ctx context.Context, tx *sql.Tx, groupID, userID string, files []FileSpec, now time.Time) error {
	var want int64
	for _, f := range files {
		want += f.Size
	}
	var today, stored int64
	if err := tx.QueryRowContext(ctx, "SELECT COALESCE(SUM(size), 0) FROM message_uploads WHERE uploader_id = ? AND created_at > ?",
		userID, now.Add(-24*time.Hour)).Scan(&today); err != nil {
		return fmt.Errorf("user quota: %w", err)
	}
	if today+want > s.userQuota {
		return errs.E(errs.TooLarge, "you may upload %d bytes a day; %d are used", s.userQuota, today).WithDetail("user_quota")
	}
	if err := tx.QueryRowContext(ctx, "SELECT COALESCE(SUM(size), 0) FROM message_uploads WHERE group_id = ? AND deleted_at IS NULL",
		groupID).Scan(&stored); err != nil {
		return fmt.Errorf("group quota: %w", err)
	}
	if stored+want > s.groupQuota {
		return errs.E(errs.TooLarge, "this group may store %d bytes of files; %d are used", s.groupQuota, stored).WithDetail("group_quota")
	}
	return nil
}

// AttachmentURLs returns a pre-signed GET URL (for URLTTL, downloading
// under the file's original name) for each key, in request order. Every
// key must belong to a message of groupID that is not deleted and that
// userID has not hidden; otherwise, or for a non-member, the whole request
// is errs.NotFound.
func (s *Service) AttachmentURLs(ctx context.Context, groupID, userID string, keys []string) ([]DownloadURL, error) {
	if !validID(groupID) {
		return nil, errNoGroup()
	}
	if err := s.withOwner(ctx, groupID, userID, func(owner *rights.Membership) error {
		_, err := s.member(ctx, s.db, owner, groupID, userID)
		return err
	}); err != nil {
		return nil, err
	}
	if len(keys) == 0 || len(keys) > MaxURLKeys {
		return nil, errs.Field("keys", "must list 1 to 100 keys")
	}
	out := make([]DownloadURL, 0, len(keys))
	for _, key := range keys {
		if !strings.HasPrefix(key, "groups/"+groupID+"/") || blob.ValidKey(key) != nil {
			return nil, errs.E(errs.NotFound, "no such attachment")
		}
		var name string
		err := s.db.QueryRowContext(ctx, `SELECT u.name FROM message_uploads u
			JOIN messages m ON m.id = u.message_id
			LEFT JOIN message_hidden h ON h.message_id = m.id AND h.user_id = ?
			WHERE u.upload_key = ? AND u.group_id = ? AND m.group_id = ? AND m.deleted_at IS NULL AND h.user_id IS NULL`,
			userID, key, groupID, groupID).Scan(&name)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, errs.E(errs.NotFound, "no such attachment")
		}
		if err != nil {
			return nil, fmt.Errorf("attachment urls: %w", err)
		}
		req, err := s.blob.PresignGet(ctx, key, URLTTL, name)
		if err != nil {
			return nil, fmt.Errorf("presign download: %w", err)
		}
		out = append(out, DownloadURL{Key: key, URL: req.URL, ExpiresAt: req.ExpiresAt.UTC()})
	}
	return out, nil
}

// SweepUploads removes the objects no message may reach, and returns how
// many it removed. The node runs it now and then (hourly, with a cutoff a
// day back, well past URLTTL). Each object is handled on its own: one
// that storage fails to delete is logged and retried by the next sweep,
// and never stops the others.
//
//   - Uploads issued before cutoff that no message attached (a browser
//     asked for a URL and never sent the message) become tombstones, then
//     lose their object and their row. A message attaching one at the same
//     time either wins (the upload stays) or finds the tombstone and is
//     refused.
//   - Tombstones (uploads of deleted messages, and of the first step) whose
//     upload URL has expired lose their object once more, which removes
//     anything re-created through that URL after the delete or left by a
//     delete that failed, and then their row.
//   - The files of groups deleted in the last hours are deleted once more
//     after the group's upload URLs have expired, for the same reasons.
func (s *Service) SweepUploads(ctx context.Context, cutoff time.Time) (int, error) {
	now := sqlstore.Time(s.now())
	n := 0
	stale, err := s.uploadKeys(ctx, "message_id IS NULL AND deleted_at IS NULL AND created_at < ?", sqlstore.Time(cutoff))
	if err != nil {
		return 0, err
	}
	for _, k := range stale {
		res, err := s.db.ExecContext(ctx, "UPDATE message_uploads SET deleted_at = ? WHERE upload_key = ? AND message_id IS NULL AND deleted_at IS NULL", now, k)
		if err != nil {
			return n, fmt.Errorf("sweep uploads: %w", err)
		}
		if gone, _ := res.RowsAffected(); gone == 0 {
			continue // attached meanwhile
		}
		if s.removeTombstone(ctx, k) {
			n++
		}
	}
	// URLs issued before this can no longer write.
	expired := now.Add(-URLTTL - time.Minute)
	dead, err := s.uploadKeys(ctx, "deleted_at IS NOT NULL AND created_at < ?", expired)
	if err != nil {
		return n, err
	}
	for _, k := range dead {
		if s.removeTombstone(ctx, k) {
			n++
		}
	}
	return n, s.resweepDeletedGroups(ctx, now)
}

// removeTombstone deletes the object of a tombstoned upload, then its row;
// a failure is logged and left to the next sweep.
func (s *Service) removeTombstone(ctx context.Context, key string) bool {
	if err := s.blob.Delete(ctx, key); err != nil {
		s.log.Warn("message: sweep: delete upload (retried next sweep)", "key", key, "err", err)
		return false
	}
	if _, err := s.db.ExecContext(ctx, "DELETE FROM message_uploads WHERE upload_key = ? AND deleted_at IS NOT NULL", key); err != nil {
		s.log.Warn("message: sweep: forget upload (retried next sweep)", "key", key, "err", err)
	}
	return true
}

// uploadKeys returns up to 1000 upload keys matching where.
func (s *Service) uploadKeys(ctx context.Context, where string, args ...any) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT upload_key FROM message_uploads WHERE "+where+" LIMIT 1000", args...)
	if err != nil {
		return nil, fmt.Errorf("sweep uploads: %w", err)
	}
	defer rows.Close()
	var keys []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, fmt.Errorf("sweep uploads: %w", err)
		}
		keys = append(keys, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sweep uploads: %w", err)
	}
	return keys, nil
}

// resweepWindow is how far back resweepDeletedGroups looks: longer than
// the node's sweep period, so that every deleted group is swept again at
// least once after its upload URLs expired.
const resweepWindow = 3 * time.Hour

// resweepDeletedGroups deletes the files of groups deleted between
// URLTTL+resweepWindow and URLTTL ago once more.
func (s *Service) resweepDeletedGroups(ctx context.Context, now time.Time) error {
	rows, err := s.db.QueryContext(ctx, "SELECT group_id FROM message_deleted_groups WHERE deleted_at < ? AND deleted_at > ? LIMIT 1000",
		now.Add(-URLTTL-time.Minute), now.Add(-URLTTL-resweepWindow))
	if err != nil {
		return fmt.Errorf("sweep deleted groups: %w", err)
	}
	var groups []string
	for rows.Next() {
		var g string
		if err := rows.Scan(&g); err != nil {
			rows.Close()
			return fmt.Errorf("sweep deleted groups: %w", err)
		}
		groups = append(groups, g)
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return fmt.Errorf("sweep deleted groups: %w", err)
	}
	for _, g := range groups {
		if !validID(g) {
			continue
		}
		if err := s.blob.DeletePrefix(ctx, "groups/"+g+"/"); err != nil {
			s.log.Warn("message: sweep: delete files of a deleted group (retried next sweep)", "group", g, "err", err)
		}
	}
	return nil
}
