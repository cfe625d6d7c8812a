package group

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"time"

	"github.com/google/uuid"

	"github.com/parleychat/parley/internal/blob"
	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/httpapi"
	"github.com/parleychat/parley/internal/picture"
	"github.com/parleychat/parley/internal/sqlstore"
)

// Memberships is what other roles (message, ws, webrtc) ask the group
// role. Both *Service (in-process) and *Client (RPC) implement it.
type Memberships interface {
	// GroupsOf lists every membership of userID, in no particular order.
	GroupsOf(ctx context.Context, userID string) ([]Membership, error)
	// Member returns userID's membership of groupID; errs.NotFound when
	// the user is not a member (or the group does not exist).
	Member(ctx context.Context, groupID, userID string) (Membership, error)
}

var (
	_ Memberships = (*Service)(nil)
	_ Memberships = (*Client)(nil)
)

// Config holds what a Service needs.
type Config struct {
	// DB is the role's database, migrated with Migrate.
	DB *sqlstore.DB
	// Blob keeps the group pictures, under groups/<id>/.
	Blob blob.Store
	// Notify, when set, is called after every commit that added events to
	// the outbox, so the relay publishes them at once.
	Notify func()
	// Logger receives failures that do not fail the request (a leftover
	// picture that could not be deleted…). Nil discards them.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Users, when set, is asked for a user the projection of the users
	// topic has not seen yet (read-your-writes across roles; see
	// knownUser). Nil leaves such users unknown until their event arrives.
	Users Users
	// Limiter, when set, limits how many direct conversations one user
	// creates (LimitNewDirect). Nil limits nothing.
	Limiter Limiter
}

// Service is the group role's domain. It knows nothing of HTTP; it is
// safe for concurrent use, and several instances may share one database.
// Every method that acts for a user takes that user's id, which callers
// take from the authenticated request only.
type Service struct {
	db      *sqlstore.DB
	store   *store
	blob    blob.Store
	notify  func()
	log     *slog.Logger
	now     func() time.Time
	gate    picture.Gate
	users   Users
	limiter Limiter
}

// NewService checks c and returns a Service.
func NewService(c Config) (*Service, error) {
	if c.DB == nil || c.Blob == nil {
		return nil, errors.New("group: NewService: DB and Blob are required")
	}
	if c.Notify == nil {
		c.Notify = func() {}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return &Service{
		db: c.DB, store: newStore(c.DB.Dialect), blob: c.Blob, notify: c.Notify, log: c.Logger, now: c.Now,
		gate: picture.NewGate(runtime.GOMAXPROCS(0) / 2), users: c.Users, limiter: c.Limiter,
	}, nil
}

func (s *Service) clock() time.Time { return sqlstore.Time(s.now()) }

func newID() string { return uuid.Must(uuid.NewV7()).String() }

// change runs fn in a transaction and, once it committed, wakes the relay.
func (s *Service) change(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if err := sqlstore.InTx(ctx, s.db, fn); err != nil {
		return err
	}
	s.notify()
	return nil
}

// actorIn locks group groupID and reads it with userID's membership. A
// missing group and a non-member are the same errs.NotFound: non-members
// do not learn that a group exists. Changes use the ids of the rows it
// returns, never the caller's spelling of them: those are what events
// carry and what other roles match on (issue 12 defect 3).
func (s *Service) actorIn(ctx context.Context, tx *sql.Tx, groupID, userID string) (groupRow, memberRow, error) {
	g, err := s.store.group(ctx, tx, groupID, true)
	if err != nil {
		return groupRow{}, memberRow{}, err
	}
	m, err := s.store.member(ctx, tx, groupID, userID)
	if errs.Is(err, errs.NotFound) {
		return groupRow{}, memberRow{}, errNoGroup()
	}
	return g, m, err
}

func forbidden(why string) error { return errs.E(errs.Forbidden, "%s", why) }

// Create makes a group named name with userID as its creator.
func (s *Service) Create(ctx context.Context, userID, name string) (MyGroup, error) {
	name, err := normalizeName(name)
	if err != nil {
		return MyGroup{}, err
	}
	if err := s.knownUser(ctx, userID); err != nil && !errs.Is(err, errs.NotFound) {
		return MyGroup{}, fmt.Errorf("create group: %w", err)
	}
	var out MyGroup
	err = s.change(ctx, func(tx *sql.Tx) error {
		if _, err := s.store.user(ctx, tx, userID); errs.Is(err, errs.NotFound) {
			// Verified users reach the projection within moments of
			// verifying; until then they cannot own a group.
			return &httpapi.RetryAfter{Seconds: 1, Err: errs.E(errs.Unavailable, "your account is not known to groups yet; try again in a moment")}
		} else if err != nil {
			return err
		}
		id, now := newID(), s.clock()
		if err := s.store.insertGroup(ctx, tx, id, name, userID, now); err != nil {
			return err
		}
		if err := s.store.insertMember(ctx, tx, id, userID, RoleCreator, AllRights, now); err != nil {
			return err
		}
		g, err := s.store.group(ctx, tx, id, false)
		if err != nil {
			return err
		}
		me, err := s.store.member(ctx, tx, id, userID)
		if err != nil {
			return err
		}
		out = MyGroup{Group: g.group(), Me: me.Member}
		if err := addEvent(ctx, tx, EventCreated, id, GroupChanged{Group: out.Group}); err != nil {
			return err
		}
		return addEvent(ctx, tx, EventMemberAdded, id, MemberChanged{GroupID: id, Member: me.Member})
	})
	if err != nil {
		return MyGroup{}, fmt.Errorf("create group: %w", err)
	}
	return out, nil
}

// List returns the groups userID belongs to, oldest first.
func (s *Service) List(ctx context.Context, userID string) ([]MyGroup, error) {
	gs, err := s.store.groupsOf(ctx, s.db, userID)
	if err != nil {
		return nil, err
	}
	ms, err := s.store.members(ctx, s.db, "m.user_id", userID)
	if err != nil {
		return nil, err
	}
	mine := make(map[string]Member, len(ms))
	for _, m := range ms {
		mine[m.GroupID] = m.Member
	}
	out := make([]MyGroup, 0, len(gs))
	for _, g := range gs {
		if me, ok := mine[g.ID]; ok {
			out = append(out, MyGroup{Group: g.group(), Me: me})
		}
	}
	return out, nil
}

// Get returns a group with its members, for a member only.
func (s *Service) Get(ctx context.Context, userID, groupID string) (GroupDetail, error) {
	g, err := s.store.group(ctx, s.db, groupID, false)
	if err != nil {
		return GroupDetail{}, err
	}
	ms, err := s.store.members(ctx, s.db, "m.group_id", groupID)
	if err != nil {
		return GroupDetail{}, err
	}
	d := GroupDetail{MyGroup: MyGroup{Group: g.group()}, Members: make([]Member, 0, len(ms))}
	found := false
	for _, m := range ms {
		d.Members = append(d.Members, m.Member)
		if m.UserID == userID {
			d.Me, found = m.Member, true
		}
	}
	if !found {
		return GroupDetail{}, errNoGroup()
	}
	d.MemberCount = len(ms)
	return d, nil
}

// Rename renames a group (creator or admin).
func (s *Service) Rename(ctx context.Context, userID, groupID, name string) (MyGroup, error) {
	name, err := normalizeName(name)
	if err != nil {
		return MyGroup{}, err
	}
	var out MyGroup
	err = s.change(ctx, func(tx *sql.Tx) error {
		g, me, err := s.actorIn(ctx, tx, groupID, userID)
		if err != nil {
			return err
		}
		if err := refuseDirect(g, "has no name"); err != nil {
			return err
		}
		if !Can(me.membership(), ActEditGroup, nil) {
			return forbidden("only the creator and admins may rename the group")
		}
		if err := s.store.rename(ctx, tx, g.ID, name, s.clock()); err != nil {
			return err
		}
		g.Name = name
		out = MyGroup{Group: g.group(), Me: me.Member}
		return addEvent(ctx, tx, EventUpdated, g.ID, GroupChanged{Group: out.Group})
	})
	if err != nil {
		return MyGroup{}, fmt.Errorf("rename group %s: %w", groupID, err)
	}
	return out, nil
}

// Delete deletes a group, its members and its invites (creator only).
func (s *Service) Delete(ctx context.Context, userID, groupID string) error {
	var stale string
	err := s.change(ctx, func(tx *sql.Tx) error {
		g, me, err := s.actorIn(ctx, tx, groupID, userID)
		if err != nil {
			return err
		}
		if err := refuseDirect(g, "cannot be deleted; leave it instead"); err != nil {
			return err
		}
		if !Can(me.membership(), ActDeleteGroup, nil) {
			return forbidden("only the creator may delete the group")
		}
		ms, err := s.store.members(ctx, tx, "m.group_id", g.ID)
		if err != nil {
			return err
		}
		ids := make([]string, 0, len(ms))
		for _, m := range ms {
			ids = append(ids, m.UserID)
		}
		if err := s.store.deleteGroup(ctx, tx, g.ID); err != nil {
			return err
		}
		stale = g.PictureKey.String
		return addEvent(ctx, tx, EventDeleted, g.ID, GroupDeleted{GroupID: g.ID, MemberIDs: ids})
	})
	if err != nil {
		return fmt.Errorf("delete group %s: %w", groupID, err)
	}
	s.deleteBlob(ctx, stale)
	return nil
}

// deleteBlob removes an object no row points at. A failure only leaves an
// unreachable object behind, so it is logged, not returned.
func (s *Service) deleteBlob(ctx context.Context, key string) {
	if key == "" {
		return
	}
	if err := s.blob.Delete(context.WithoutCancel(ctx), key); err != nil {
		s.log.WarnContext(ctx, "could not delete an old group picture", "key", key, "err", err)
	}
}

// GroupsOf lists every membership of userID (Memberships).
func (s *Service) GroupsOf(ctx context.Context, userID string) ([]Membership, error) {
	ms, err := s.store.members(ctx, s.db, "m.user_id", userID)
	if err != nil {
		return nil, fmt.Errorf("groups of %s: %w", userID, err)
	}
	out := make([]Membership, 0, len(ms))
	for _, m := range ms {
		out = append(out, m.membership())
	}
	return out, nil
}

// Member returns userID's membership of groupID (Memberships);
// errs.NotFound when the user is not a member.
func (s *Service) Member(ctx context.Context, groupID, userID string) (Membership, error) {
	m, err := s.store.member(ctx, s.db, groupID, userID)
	if err != nil {
		return Membership{}, fmt.Errorf("member %s of %s: %w", userID, groupID, err)
	}
	return m.membership(), nil
}
