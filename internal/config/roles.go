package config

import (
	"fmt"
	"slices"
	"strings"
)

// AllRoles lists every role, in the seed's order. "all" in PARLEY_ROLES
// means every role that is implemented (internal/node decides which).
var AllRoles = []string{"user", "email", "token", "group", "message", "ws", "search", "webrtc", "webrtc-gateway", "web"}

// ParseRoles splits and checks a comma list of roles. "all" stays as the
// single element "all".
func ParseRoles(s string) ([]string, error) {
	var out []string
	for _, r := range strings.Split(s, ",") {
		r = strings.TrimSpace(r)
		if r == "" {
			continue
		}
		if r != "all" && !slices.Contains(AllRoles, r) {
			return nil, fmt.Errorf("unknown role %q (valid: all, %s)", r, strings.Join(AllRoles, ", "))
		}
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no role given (valid: all, %s)", strings.Join(AllRoles, ", "))
	}
	if slices.Contains(out, "all") && len(out) > 1 {
		return nil, fmt.Errorf("\"all\" cannot be combined with other roles")
	}
	return out, nil
}
