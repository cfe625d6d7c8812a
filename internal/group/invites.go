package group

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/ids"
	"github.com/parleychat/parley/internal/sqlstore"
)

// List limits (API.md "Conventions").
const (
	DefaultLimit = 50
	MaxLimit     = 100
)

// Invite list directions and status filters.
const (
	DirectionReceived = "received"
	DirectionSent     = "sent"
	StatusPending     = "pending"
	StatusAll         = "all"
)

// InviteQuery selects a page of the caller's invites, newest first.
type InviteQuery struct {
	Direction string // DirectionReceived (default) or DirectionSent
	Status    string // StatusPending (default) or StatusAll
	Limit     int    // 1..MaxLimit; 0 means DefaultLimit
	Cursor    string // nextCursor of the previous page, or ""
}

// InvitePage is a page of invites; NextCursor is nil on the last page.
type InvitePage struct {
	Items      []Invite `json:"items"`
	NextCursor *string  `json:"nextCursor"`
}

// inviteRow is an invite with what the service checks.
type inviteRow struct {
	Invite
	GroupID   string
	InviterID string
	InviteeID string
	// SnapshotName is the group's name when the invite was made.
	SnapshotName string
}

// inviteSelect reads invites with their group as it is now; the group
// as it was (group_name) replaces it for viewers who may no longer see it
// (asSeenBy).
const (
	inviteCols = `i.id, i.group_id, g.name, g.picture_version, g.picture_key, i.group_name,
	i.inviter_id, COALESCE(a.username, ''), COALESCE(a.display_name, ''), a.picture_url,
	i.invitee_id, COALESCE(b.username, ''), COALESCE(b.display_name, ''), b.picture_url,
	i.status, i.created_at, i.updated_at`
	inviteFrom = ` FROM group_invites i JOIN chat_groups g ON g.id = i.group_id
	LEFT JOIN group_users a ON a.id = i.inviter_id
	LEFT JOIN group_users b ON b.id = i.invitee_id`
	inviteSelect = "SELECT " + inviteCols + inviteFrom
)

func scanInvite(sc interface{ Scan(...any) error }) (inviteRow, error) {
	var r inviteRow
	var ver sql.NullInt64
	var key, apic, bpic sql.NullString
	err := sc.Scan(&r.ID, &r.GroupID, &r.Group.Name, &ver, &key, &r.SnapshotName, &r.InviterID, &r.Inviter.Username, &r.Inviter.DisplayName, &apic,
		&r.InviteeID, &r.Invitee.Username, &r.Invitee.DisplayName, &bpic, &r.Status, &r.CreatedAt, &r.UpdatedAt)
	if err != nil {
		return r, err
	}
	r.Group.ID, r.Inviter.ID, r.Invitee.ID = r.GroupID, r.InviterID, r.InviteeID
	if ver.Valid && key.Valid {
		u := PictureURL(r.GroupID, key.String)
		r.Group.PictureURL = &u
	}
	if apic.Valid {
		r.Inviter.PictureURL = &apic.String
	}
	if bpic.Valid {
		r.Invitee.PictureURL = &bpic.String
	}
	r.CreatedAt, r.UpdatedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	return r, nil
}

func errNoInvite() error { return errs.E(errs.NotFound, "no such invite") }

func (s *store) invite(ctx context.Context, q querier, id string, lock bool) (inviteRow, error) {
	query := inviteSelect + " WHERE i.id = ?"
	if lock {
		query += s.lock
	}
	r, err := scanInvite(q.QueryRowContext(ctx, query, id))
	if errors.Is(err, sql.ErrNoRows) {
		return inviteRow{}, errNoInvite()
	}
	if err != nil {
		return inviteRow{}, fmt.Errorf("read invite: %w", err)
	}
	return r, nil
}

func pendingKey(groupID, inviteeID string) string { return groupID + "/" + inviteeID }

func (s *store) insertInvite(ctx context.Context, q querier, id, groupID, inviterID, inviteeID, groupName string, now time.Time) error {
	_, err := q.ExecContext(ctx, `INSERT INTO group_invites
		(id, group_id, inviter_id, invitee_id, status, pending_key, created_at, updated_at, group_name) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		id, groupID, inviterID, inviteeID, string(InvitePending), pendingKey(groupID, inviteeID), now, now, groupName)
	if sqlstore.IsDuplicate(err) {
		return errs.E(errs.Conflict, "this user already has a pending invite to this group")
	}
	if err != nil {
		return fmt.Errorf("insert invite: %w", err)
	}
	return nil
}

func (s *store) closeInvite(ctx context.Context, q querier, id string, st InviteStatus, now time.Time) error {
	return s.exec(ctx, q, "update invite", `UPDATE group_invites SET status = ?, pending_key = NULL, updated_at = ? WHERE id = ?`,
		string(st), now, id)
}

// listInvites reads a page of userID's invites, each as userID may see
// it (asSeenBy).
func (s *store) listInvites(ctx context.Context, q querier, userID string, iq InviteQuery) ([]inviteRow, error) {
	// Whether userID is a member of the invite's group now.
	sel := "SELECT " + inviteCols + ", (SELECT COUNT(*) FROM group_members vm WHERE vm.group_id = i.group_id AND vm.user_id = ?)" + inviteFrom
	query, args := sel+" WHERE i.invitee_id = ?", []any{userID, userID}
	if iq.Direction == DirectionSent {
		query = sel + " WHERE i.inviter_id = ?"
	}
	if iq.Status == StatusPending {
		query += " AND i.status = ?"
		args = append(args, string(InvitePending))
	}
	if iq.Cursor != "" {
		query += " AND i.id < ?"
		args = append(args, iq.Cursor)
	}
	query += " ORDER BY i.id DESC LIMIT ?"
	args = append(args, iq.Limit+1)
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list invites: %w", err)
	}
	defer rows.Close()
	var out []inviteRow
	for rows.Next() {
		var member int
		r, err := scanInvite(scanExtra{rows, &member})
		if err != nil {
			return nil, fmt.Errorf("list invites: %w", err)
		}
		out = append(out, r.asSeenBy(userID, member > 0))
	}
	return out, rows.Err()
}

// scanExtra scans one more column after scanInvite's.
type scanExtra struct {
	sc    interface{ Scan(...any) error }
	extra any
}

func (s scanExtra) Scan(dest ...any) error { return s.sc.Scan(append(dest, s.extra)...) }

// asSeenBy is the invite as viewerID may see it (issue 12 defect 10): a
// member of the group, or the invitee of a pending invite, sees the group
// as it is; anyone else (who declined, left, was removed, or whose invite
// was canceled) sees the name it had when the invite was made, and no
// picture.
func (r inviteRow) asSeenBy(viewerID string, member bool) inviteRow {
	if member || (r.Status == InvitePending && r.InviteeID == viewerID) {
		return r
	}
	if r.SnapshotName != "" {
		r.Group.Name = r.SnapshotName
	}
	r.Group.PictureURL = nil
	return r
}

// CreateInvite invites inviteeID into the group (creator, admin or a
// member with addMembers). Only verified users the role knows can be
// invited (else errs.NotFound); a member, or a user with a pending invite
// to the group, is errs.Conflict.
func (s *Service) CreateInvite(ctx context.Context, userID, groupID, inviteeID string) (Invite, error) {
	if inviteeID == "" {
		return Invite{}, errs.Field("userId", "is required")
	}
	if err := s.knownUser(ctx, inviteeID); err != nil && !errs.Is(err, errs.NotFound) {
		return Invite{}, fmt.Errorf("invite %s to %s: %w", inviteeID, groupID, err)
	}
	var out Invite
	err := s.change(ctx, func(tx *sql.Tx) error {
		g, me, err := s.actorIn(ctx, tx, groupID, userID)
		if err != nil {
			return err
		}
		if err := refuseDirect(g, "takes no invites; start a group instead"); err != nil {
			return err
		}
		if !Can(me.membership(), ActInvite, nil) {
			return forbidden("you may not invite users to this group")
		}
		if _, err := s.store.user(ctx, tx, inviteeID); err != nil {
			return err
		}
		if _, err := s.store.member(ctx, tx, groupID, inviteeID); err == nil {
			return errs.E(errs.Conflict, "this user is already a member of the group")
		} else if !errs.Is(err, errs.NotFound) {
			return err
		}
		id := newID()
		if err := s.store.insertInvite(ctx, tx, id, g.ID, me.UserID, inviteeID, g.Name, s.clock()); err != nil {
			return err
		}
		r, err := s.store.invite(ctx, tx, id, false)
		if err != nil {
			return err
		}
		out = r.Invite
		return addEvent(ctx, tx, EventInviteCreated, r.GroupID, InviteChanged{Invite: out})
	})
	if err != nil {
		return Invite{}, fmt.Errorf("invite %s to %s: %w", inviteeID, groupID, err)
	}
	return out, nil
}

// Invites returns a page of the invites userID received or sent.
func (s *Service) Invites(ctx context.Context, userID string, q InviteQuery) (InvitePage, error) {
	switch q.Direction {
	case "":
		q.Direction = DirectionReceived
	case DirectionReceived, DirectionSent:
	default:
		return InvitePage{}, errs.Field("direction", `must be "received" or "sent"`)
	}
	switch q.Status {
	case "":
		q.Status = StatusPending
	case StatusPending, StatusAll:
	default:
		return InvitePage{}, errs.Field("status", `must be "pending" or "all"`)
	}
	switch {
	case q.Limit == 0:
		q.Limit = DefaultLimit
	case q.Limit < 1 || q.Limit > MaxLimit:
		return InvitePage{}, errs.Field("limit", "must be 1 to 100")
	}
	if q.Cursor != "" {
		c, ok := ids.Canonical(q.Cursor)
		if !ok {
			return InvitePage{}, errs.Field("cursor", "is not a cursor this server returned")
		}
		q.Cursor = c
	}
	rows, err := s.store.listInvites(ctx, s.db, userID, q)
	if err != nil {
		return InvitePage{}, err
	}
	page := InvitePage{Items: make([]Invite, 0, min(len(rows), q.Limit))}
	for i, r := range rows {
		if i == q.Limit {
			next := rows[i-1].ID
			page.NextCursor = &next
			break
		}
		page.Items = append(page.Items, r.Invite)
	}
	return page, nil
}

// lockInvite locks an invite and its group and then reads the invite.
// On MySQL both locks are taken with locking reads before any plain read,
// so what the transaction reads next is current, not an older snapshot.
// A deadlock with a change that locks the group first (deleting it) is
// retried by sqlstore.InTx.
func (s *Service) lockInvite(ctx context.Context, tx *sql.Tx, id string) (inviteRow, error) {
	var groupID string
	err := tx.QueryRowContext(ctx, "SELECT group_id FROM group_invites WHERE id = ?"+s.store.lock, id).Scan(&groupID)
	if errors.Is(err, sql.ErrNoRows) {
		return inviteRow{}, errNoInvite()
	}
	if err != nil {
		return inviteRow{}, fmt.Errorf("lock invite: %w", err)
	}
	if _, err := s.store.group(ctx, tx, groupID, true); errs.Is(err, errs.NotFound) {
		return inviteRow{}, errNoInvite()
	} else if err != nil {
		return inviteRow{}, err
	}
	return s.store.invite(ctx, tx, id, false)
}

// answer checks that userID may answer invite r (its invitee) and that it
// is still pending.
func answerable(r inviteRow, userID string) error {
	switch {
	case r.InviteeID != userID && r.InviterID != userID:
		return errNoInvite()
	case r.InviteeID != userID:
		return forbidden("only the invitee may answer an invite")
	case r.Status != InvitePending:
		return errs.E(errs.Conflict, "the invite is already %s", r.Status)
	}
	return nil
}

// AcceptInvite makes the invitee a member with no rights and returns the
// answered invite and the group.
func (s *Service) AcceptInvite(ctx context.Context, userID, inviteID string) (Invite, MyGroup, error) {
	var inv Invite
	var grp MyGroup
	err := s.change(ctx, func(tx *sql.Tx) error {
		r, err := s.lockInvite(ctx, tx, inviteID)
		if err != nil {
			return err
		}
		if err := answerable(r, userID); err != nil {
			return err
		}
		now := s.clock()
		if err := s.store.insertMember(ctx, tx, r.GroupID, userID, RoleMember, Rights{}, now); err != nil {
			return err
		}
		if err := s.store.closeInvite(ctx, tx, inviteID, InviteAccepted, now); err != nil {
			return err
		}
		if r, err = s.store.invite(ctx, tx, inviteID, false); err != nil {
			return err
		}
		g, err := s.store.group(ctx, tx, r.GroupID, false)
		if err != nil {
			return err
		}
		me, err := s.store.member(ctx, tx, r.GroupID, userID)
		if err != nil {
			return err
		}
		inv, grp = r.Invite, MyGroup{Group: g.group(), Me: me.Member}
		if err := addEvent(ctx, tx, EventInviteUpdated, r.GroupID, InviteChanged{Invite: inv}); err != nil {
			return err
		}
		return addEvent(ctx, tx, EventMemberAdded, r.GroupID, MemberChanged{GroupID: r.GroupID, Member: me.Member})
	})
	if err != nil {
		return Invite{}, MyGroup{}, fmt.Errorf("accept invite %s: %w", inviteID, err)
	}
	return inv, grp, nil
}

// DeclineInvite answers no to a pending invite (its invitee only).
func (s *Service) DeclineInvite(ctx context.Context, userID, inviteID string) (Invite, error) {
	var inv Invite
	err := s.change(ctx, func(tx *sql.Tx) error {
		r, err := s.lockInvite(ctx, tx, inviteID)
		if err != nil {
			return err
		}
		if err := answerable(r, userID); err != nil {
			return err
		}
		if inv, err = s.closed(ctx, tx, r, InviteDeclined); err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		return Invite{}, fmt.Errorf("decline invite %s: %w", inviteID, err)
	}
	return inv, nil
}

// closed ends invite r with status st and queues invite_updated.
func (s *Service) closed(ctx context.Context, tx *sql.Tx, r inviteRow, st InviteStatus) (Invite, error) {
	if err := s.store.closeInvite(ctx, tx, r.ID, st, s.clock()); err != nil {
		return Invite{}, err
	}
	r, err := s.store.invite(ctx, tx, r.ID, false)
	if err != nil {
		return Invite{}, err
	}
	return r.Invite, addEvent(ctx, tx, EventInviteUpdated, r.GroupID, InviteChanged{Invite: r.Invite})
}

// CancelInvite cancels a pending invite: its inviter, or the group's
// creator or an admin, may.
func (s *Service) CancelInvite(ctx context.Context, userID, inviteID string) error {
	err := s.change(ctx, func(tx *sql.Tx) error {
		r, err := s.lockInvite(ctx, tx, inviteID)
		if err != nil {
			return err
		}
		actor := Membership{GroupID: r.GroupID, UserID: userID}
		m, err := s.store.member(ctx, tx, r.GroupID, userID)
		switch {
		case err == nil:
			actor = m.membership()
		case !errs.Is(err, errs.NotFound):
			return err
		case r.InviterID != userID && r.InviteeID != userID:
			return errNoInvite() // neither a party nor a member: not told it exists
		}
		if !Can(actor, ActCancelInvite, &Membership{GroupID: r.GroupID, UserID: r.InviterID}) {
			return forbidden("only the inviter, the creator or an admin may cancel an invite")
		}
		if r.Status != InvitePending {
			return errs.E(errs.Conflict, "the invite is already %s", r.Status)
		}
		_, err = s.closed(ctx, tx, r, InviteCanceled)
		return err
	})
	if err != nil {
		return fmt.Errorf("cancel invite %s: %w", inviteID, err)
	}
	return nil
}
