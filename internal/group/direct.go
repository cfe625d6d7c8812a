package group

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/httpapi"
	"github.com/parleychat/parley/internal/ratelimit"
)

// Direct conversations (issue 14 item 7) are groups of kind "direct": no
// name, no picture, no invites, the two users as plain members without
// rights. The rights table then gives each exactly what a direct
// conversation allows: delete and hide one's own messages, hide any, leave;
// nobody may add, remove, rename, change rights, delete the other's
// messages, mute the other in a call, or delete the conversation. The
// endpoints that change a group refuse a direct conversation outright
// (refuseDirect), with a reason, before they consult the table.
//
// Leaving follows Element (Matrix): the one who leaves stops seeing the
// conversation; the other keeps it, with its history, and may still write
// in it. The conversation itself stays (as Slack's never go away): when
// either of the two starts it again, whoever had left is back in it, with
// its whole history, and it is still the pair's only one.

// Limiter is the part of ratelimit.Limiter the role uses.
type Limiter interface {
	Allow(ctx context.Context, key string, r ratelimit.Rate) (ratelimit.Decision, error)
}

var _ Limiter = (ratelimit.Limiter)(nil)

// LimitNewDirect bounds how many direct conversations one user may create
// (per user, shared across instances with ratelimit_url): opening one that
// exists is not counted. Any verified user may write to any other, so this
// is what keeps one account from reaching everyone at once.
var LimitNewDirect = ratelimit.Rate{N: 20, Per: time.Hour}

// directKey is a pair's key: its two ids in order, whoever starts.
func directKey(a, b string) string {
	if a > b {
		a, b = b, a
	}
	return a + "/" + b
}

// refuseDirect is errs.Forbidden, saying why, when g is a direct
// conversation; nil for a group.
func refuseDirect(g groupRow, why string) error {
	if g.Kind == KindDirect {
		return errs.E(errs.Forbidden, "a direct conversation %s", why)
	}
	return nil
}

// StartDirect returns the direct conversation of userID with otherID,
// creating it when the pair has none (created reports which). There is at
// most one per pair, whoever starts it and however many start it at once:
// the database's unique key on the pair settles races, and the loser
// answers the winner's conversation. Starting one that exists puts back
// whichever of the two had left it. otherID must be a verified user other
// than userID (else errs.Invalid, or errs.NotFound for a user nobody
// knows); creating is limited per user (LimitNewDirect).
func (s *Service) StartDirect(ctx context.Context, userID, otherID string) (out MyGroup, created bool, err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("start direct conversation with %s: %w", otherID, err)
		}
	}()
	switch {
	case otherID == "":
		return MyGroup{}, false, errs.Field("userId", "is required")
	case otherID == userID:
		return MyGroup{}, false, errs.Field("userId", "is you: a direct conversation is with someone else")
	}
	for _, id := range []string{userID, otherID} {
		if err := s.knownUser(ctx, id); err != nil && !errs.Is(err, errs.NotFound) {
			return MyGroup{}, false, err
		}
	}
	if _, err := s.store.user(ctx, s.db, userID); errs.Is(err, errs.NotFound) {
		return MyGroup{}, false, &httpapi.RetryAfter{Seconds: 1, Err: errs.E(errs.Unavailable, "your account is not known to groups yet; try again in a moment")}
	} else if err != nil {
		return MyGroup{}, false, err
	}
	if _, err := s.store.user(ctx, s.db, otherID); err != nil {
		return MyGroup{}, false, err // errs.NotFound "no such user": unknown, unverified
	}
	key := directKey(userID, otherID)
	for range 3 {
		id, err := s.store.directID(ctx, s.db, key)
		if err == nil {
			out, err := s.openDirect(ctx, id, userID, otherID)
			return out, false, err
		}
		if !errs.Is(err, errs.NotFound) {
			return MyGroup{}, false, err
		}
		if err := s.allowNewDirect(ctx, userID); err != nil {
			return MyGroup{}, false, err
		}
		out, err := s.createDirect(ctx, key, userID, otherID)
		if errors.Is(err, errDirectExists) {
			continue // another start of this pair won: open its conversation
		}
		return out, err == nil, err
	}
	return MyGroup{}, false, errs.E(errs.Unavailable, "the conversation is being started elsewhere; try again")
}

// allowNewDirect counts one new direct conversation of userID against
// LimitNewDirect. An unreachable limiter lets the call through (logged),
// as the other roles' limits do.
func (s *Service) allowNewDirect(ctx context.Context, userID string) error {
	if s.limiter == nil {
		return nil
	}
	d, err := s.limiter.Allow(ctx, "group:direct:user:"+userID, LimitNewDirect)
	if err != nil {
		s.log.WarnContext(ctx, "group: rate limiter unavailable, allowing", "err", err)
		return nil
	}
	if d.Allowed {
		return nil
	}
	secs := int((d.RetryAfter + time.Second - 1) / time.Second)
	return &httpapi.RetryAfter{Seconds: max(secs, 1), Err: errs.E(errs.RateLimited, "you have started too many conversations; try again later")}
}

// createDirect inserts the pair's conversation with both as members;
// errDirectExists when the pair has one already.
func (s *Service) createDirect(ctx context.Context, key, userID, otherID string) (MyGroup, error) {
	var out MyGroup
	err := s.change(ctx, func(tx *sql.Tx) error {
		id, now := newID(), s.clock()
		if err := s.store.insertDirect(ctx, tx, id, key, userID, now); err != nil {
			return err
		}
		for _, uid := range []string{userID, otherID} {
			if err := s.store.insertMember(ctx, tx, id, uid, RoleMember, Rights{}, now); err != nil {
				return err
			}
		}
		g, err := s.store.group(ctx, tx, id, false)
		if err != nil {
			return err
		}
		out = MyGroup{Group: g.group()}
		if err := addEvent(ctx, tx, EventCreated, id, GroupChanged{Group: out.Group}); err != nil {
			return err
		}
		for _, uid := range []string{userID, otherID} {
			m, err := s.store.member(ctx, tx, id, uid)
			if err != nil {
				return err
			}
			if uid == userID {
				out.Me = m.Member
			}
			if err := addEvent(ctx, tx, EventMemberAdded, id, MemberChanged{GroupID: id, Member: m.Member}); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}

// openDirect returns conversation id for userID, first putting back
// whichever of userID and otherID had left it. When both are members, as
// almost always, it only reads.
func (s *Service) openDirect(ctx context.Context, id, userID, otherID string) (MyGroup, error) {
	both := func(q querier, lock bool) (groupRow, map[string]memberRow, error) {
		g, err := s.store.group(ctx, q, id, lock)
		if err != nil {
			return groupRow{}, nil, err
		}
		ms, err := s.store.members(ctx, q, "m.group_id", g.ID)
		if err != nil {
			return groupRow{}, nil, err
		}
		in := make(map[string]memberRow, len(ms))
		for _, m := range ms {
			in[m.UserID] = m
		}
		return g, in, nil
	}
	g, in, err := both(s.db, false)
	if err != nil {
		return MyGroup{}, err
	}
	if _, ok := in[otherID]; ok {
		if me, ok := in[userID]; ok {
			return MyGroup{Group: g.group(), Me: me.Member}, nil
		}
	}
	var out MyGroup
	err = s.change(ctx, func(tx *sql.Tx) error {
		g, in, err := both(tx, true) // locked: one start at a time puts members back
		if err != nil {
			return err
		}
		now := s.clock()
		for _, uid := range []string{userID, otherID} {
			if _, ok := in[uid]; ok {
				continue
			}
			if err := s.store.insertMember(ctx, tx, g.ID, uid, RoleMember, Rights{}, now); err != nil {
				return err
			}
			m, err := s.store.member(ctx, tx, g.ID, uid)
			if err != nil {
				return err
			}
			in[uid] = m
			g.MemberCount++
			if err := addEvent(ctx, tx, EventMemberAdded, g.ID, MemberChanged{GroupID: g.ID, Member: m.Member}); err != nil {
				return err
			}
		}
		out = MyGroup{Group: g.group(), Me: in[userID].Member}
		return nil
	})
	return out, err
}
