package group

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/parleychat/parley/internal/errs"
)

// RightsPatch changes some rights; a nil field keeps its value.
type RightsPatch struct {
	AddMembers     *bool `json:"addMembers"`
	RemoveMembers  *bool `json:"removeMembers"`
	DeleteMessages *bool `json:"deleteMessages"`
	MuteMembers    *bool `json:"muteMembers"`
}

func (p RightsPatch) apply(r Rights) Rights {
	set := func(dst *bool, v *bool) {
		if v != nil {
			*dst = *v
		}
	}
	set(&r.AddMembers, p.AddMembers)
	set(&r.RemoveMembers, p.RemoveMembers)
	set(&r.DeleteMessages, p.DeleteMessages)
	set(&r.MuteMembers, p.MuteMembers)
	return r
}

// MemberPatch is the body of PATCH /groups/{id}/members/{userId}: a new
// role (admin or member), some rights, or both.
type MemberPatch struct {
	Role   *Role        `json:"role"`
	Rights *RightsPatch `json:"rights"`
}

// Members lists a group's members in the order they joined, for a member
// only.
func (s *Service) Members(ctx context.Context, userID, groupID string) ([]Member, error) {
	d, err := s.Get(ctx, userID, groupID)
	if err != nil {
		return nil, err
	}
	return d.Members, nil
}

// UpdateMember changes the role or rights of member targetID. Granting or
// revoking admin is the creator's (ActSetRole); changing rights follows
// ActChangeRights. Creators and admins always hold every right, so
// revoking one from someone who stays an admin is errs.Invalid; revoking
// admin leaves the rights given in the same patch, or none.
func (s *Service) UpdateMember(ctx context.Context, userID, groupID, targetID string, p MemberPatch) (Member, error) {
	if p.Role == nil && p.Rights == nil {
		return Member{}, errs.E(errs.Invalid, "nothing to change: give a role, rights or both")
	}
	if p.Role != nil && *p.Role != RoleAdmin && *p.Role != RoleMember {
		if *p.Role == RoleCreator {
			return Member{}, errs.Field("role", "ownership moves with POST /groups/{id}/owner")
		}
		return Member{}, errs.Field("role", `must be "admin" or "member"`)
	}
	var out Member
	err := s.change(ctx, func(tx *sql.Tx) error {
		g, me, err := s.actorIn(ctx, tx, groupID, userID)
		if err != nil {
			return err
		}
		if err := refuseDirect(g, "has fixed rights"); err != nil {
			return err
		}
		x, err := s.store.member(ctx, tx, g.ID, targetID)
		if err != nil {
			return err
		}
		actor, target := me.membership(), x.membership()
		if p.Role != nil && !Can(actor, ActSetRole, &target) {
			return forbidden("only the creator may grant or revoke admin, and never to the creator")
		}
		if p.Rights != nil && p.Role == nil && !Can(actor, ActChangeRights, &target) {
			return forbidden("you may not change this member's rights")
		}
		role, rights := x.Role, x.Rights
		if p.Role != nil {
			if *p.Role == RoleMember && role == RoleAdmin {
				rights = Rights{}
			}
			role = *p.Role
		}
		if p.Rights != nil {
			rights = p.Rights.apply(rights)
		}
		if role == RoleAdmin {
			if p.Rights != nil && rights != AllRights {
				return errs.Field("rights", "admins hold every right")
			}
			rights = AllRights
		}
		if role == x.Role && rights == x.Rights {
			out = x.Member
			return nil // nothing changed: no event
		}
		if err := s.store.updateMember(ctx, tx, x.GroupID, x.UserID, role, rights); err != nil {
			return err
		}
		x.Role, x.Rights = role, rights
		out = x.Member
		return addEvent(ctx, tx, EventMemberUpdated, x.GroupID, MemberChanged{GroupID: x.GroupID, Member: out})
	})
	if err != nil {
		return Member{}, fmt.Errorf("update member %s of %s: %w", targetID, groupID, err)
	}
	return out, nil
}

// RemoveMember removes targetID from the group, or makes userID leave it
// when targetID is userID. The creator can be neither removed nor leave.
func (s *Service) RemoveMember(ctx context.Context, userID, groupID, targetID string) error {
	err := s.change(ctx, func(tx *sql.Tx) error {
		g, me, err := s.actorIn(ctx, tx, groupID, userID)
		if err != nil {
			return err
		}
		x, err := s.store.member(ctx, tx, g.ID, targetID)
		if err != nil {
			return err
		}
		if x.UserID != me.UserID {
			if err := refuseDirect(g, "keeps its two members; you may leave it"); err != nil {
				return err
			}
		}
		target := x.membership()
		if !Can(me.membership(), ActRemoveMember, &target) {
			if x.Role == RoleCreator {
				return forbidden("the creator cannot leave or be removed; transfer ownership or delete the group")
			}
			return forbidden("you may not remove this member")
		}
		if err := s.store.deleteMember(ctx, tx, x.GroupID, x.UserID); err != nil {
			return err
		}
		return addEvent(ctx, tx, EventMemberRemoved, x.GroupID, MemberRemoved{GroupID: x.GroupID, UserID: x.UserID})
	})
	if err != nil {
		return fmt.Errorf("remove member %s of %s: %w", targetID, groupID, err)
	}
	return nil
}

// TransferOwnership makes member newOwnerID the creator; the old creator
// becomes an admin. Only the creator may.
func (s *Service) TransferOwnership(ctx context.Context, userID, groupID, newOwnerID string) (MyGroup, error) {
	if newOwnerID == "" {
		return MyGroup{}, errs.Field("userId", "is required")
	}
	var out MyGroup
	err := s.change(ctx, func(tx *sql.Tx) error {
		g, me, err := s.actorIn(ctx, tx, groupID, userID)
		if err != nil {
			return err
		}
		if err := refuseDirect(g, "has no owner"); err != nil {
			return err
		}
		if me.Role != RoleCreator {
			return forbidden("only the creator may transfer ownership")
		}
		if newOwnerID == me.UserID {
			return errs.Field("userId", "you already own this group")
		}
		x, err := s.store.member(ctx, tx, g.ID, newOwnerID)
		if err != nil {
			return err
		}
		target := x.membership()
		if !Can(me.membership(), ActSetRole, &target) {
			return forbidden("you may not transfer ownership to this member")
		}
		now := s.clock()
		if err := s.store.updateMember(ctx, tx, g.ID, me.UserID, RoleAdmin, AllRights); err != nil {
			return err
		}
		if err := s.store.updateMember(ctx, tx, g.ID, x.UserID, RoleCreator, AllRights); err != nil {
			return err
		}
		if err := s.store.setCreator(ctx, tx, g.ID, x.UserID, now); err != nil {
			return err
		}
		me.Role, me.Rights = RoleAdmin, AllRights
		x.Role, x.Rights = RoleCreator, AllRights
		g.CreatorID = x.UserID
		out = MyGroup{Group: g.group(), Me: me.Member}
		for _, m := range []Member{x.Member, me.Member} {
			if err := addEvent(ctx, tx, EventMemberUpdated, g.ID, MemberChanged{GroupID: g.ID, Member: m}); err != nil {
				return err
			}
		}
		return addEvent(ctx, tx, EventUpdated, g.ID, GroupChanged{Group: out.Group})
	})
	if err != nil {
		return MyGroup{}, fmt.Errorf("transfer group %s: %w", groupID, err)
	}
	return out, nil
}
