package node

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/parleychat/parley/internal/config"
	"github.com/parleychat/parley/internal/group"
	"github.com/parleychat/parley/internal/message"
	"github.com/parleychat/parley/internal/outbox"
	"github.com/parleychat/parley/internal/sqlstore"
	"github.com/parleychat/parley/internal/user"
)

// role is one entry of the role table: a seed service that a Parley
// process may run, what it needs, and how it is mounted.
type role struct {
	name string
	// seed names the service of the original project this role replaces.
	seed string
	// owns says, for the reader, what data the role is the owner of.
	owns string
	// db is the config key of the role's SQL store ("" for none); migrate
	// applies the role's schema to it (roles do at start, and `parley
	// migrate` does for operators); sources names what migrate records.
	db      string
	migrate func(context.Context, *sqlstore.DB) error
	sources []string
	// start mounts the role's routes and starts its background work. Nil
	// means the role is not implemented yet: asking for it fails at start.
	start func(n *Node) error
}

// roles is the role table (ARCHITECTURE.md §1), in the seed's order.
var roles = []role{
	{name: "user", seed: "user-service", owns: "users, verification and reset codes, avatars", start: startUser,
		db: "user.database_url", migrate: user.Migrate, sources: []string{user.MigrationSource, outbox.Source}},
	{name: "email", seed: "email-service", owns: "nothing (stateless mail sending)", start: startEmail},
	{name: "token", seed: "token-service", owns: "signing keys, refresh-token families", start: startToken},
	{name: "group", seed: "group-service", owns: "groups, members, rights, invites, group pictures", start: startGroup,
		db: "group.database_url", migrate: group.Migrate, sources: []string{group.MigrationSource, outbox.Source}},
	{name: "message", seed: "message-service", owns: "messages, sequences, uploads, member projection", start: startMessage,
		db: "message.database_url", migrate: message.Migrate, sources: []string{message.MigrationSource, outbox.Source}},
	{name: "ws", seed: "ws-service", owns: "nothing durable (WebSocket connections)", start: startWS},
	{name: "search", seed: "search-service", owns: "the user and message indexes", start: startSearch},
	{name: "webrtc", seed: "webrtc-service", owns: "live call rooms (memory), media (UDP)", start: startWebRTC},
	{name: "webrtc-gateway", seed: "webrtc-gateway-service", owns: "nothing (room placement lives in the registry)", start: startGateway},
	{name: "web", seed: "frontend", owns: "nothing (the embedded React client)", start: startWeb},
}

func init() {
	// The role table and config.AllRoles must name the same roles.
	for i, r := range roles {
		if config.AllRoles[i] != r.name {
			panic("node: role table out of sync with config.AllRoles at " + r.name)
		}
	}
}

// Implemented returns the names of the roles this binary can run; "all"
// expands to these.
func Implemented() []string {
	var out []string
	for _, r := range roles {
		if r.start != nil {
			out = append(out, r.name)
		}
	}
	return out
}

// RoleTable describes every role, for `parley roles` and the README.
func RoleTable() string {
	var b strings.Builder
	for _, r := range roles {
		status := "ready"
		if r.start == nil {
			status = "not implemented yet"
		}
		fmt.Fprintf(&b, "%-15s %-24s %-20s %s\n", r.name, r.seed, status, r.owns)
	}
	return b.String()
}

// selectRoles resolves PARLEY_ROLES into role entries. Asking for a role
// that is not implemented is an error, never a silent no-op.
func selectRoles(spec string) ([]role, error) {
	names, err := config.ParseRoles(spec)
	if err != nil {
		return nil, err
	}
	if names[0] == "all" {
		names = Implemented()
	}
	var out, missing []role
	for _, r := range roles {
		if !slices.Contains(names, r.name) {
			continue
		}
		if r.start == nil {
			missing = append(missing, r)
			continue
		}
		out = append(out, r)
	}
	if len(missing) > 0 {
		var ms []string
		for _, r := range missing {
			ms = append(ms, r.name)
		}
		return nil, fmt.Errorf("roles: %s not implemented yet (implemented: %s)", strings.Join(ms, ", "), strings.Join(Implemented(), ", "))
	}
	return out, nil
}
