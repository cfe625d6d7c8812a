package message

import (
	"net/http"
	"strings"
	"testing"

	"github.com/parleychat/parley/internal/rights"
	"github.com/parleychat/parley/internal/sqlstore"
)

// TestUploadQuotasKeepOneUserOrGroupFromFillingTheStorage is the suspected
// item of issue 12 (no per-user or per-group storage quota): uploads
// beyond a user's daily quota or a group's storage quota are refused with
// 413 and a detail naming the quota, and nothing is issued.
func TestUploadQuotasKeepOneUserOrGroupFromFillingTheStorage(t *testing.T) {
	eachDB(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		e.svc.userQuota, e.svc.groupQuota = 1000, 1500
		g, u := e.group()
		other := newUUID()
		e.join(g, other, rights.RoleMember, rights.Rights{})
		ask := func(uid string, size int) (int, string) {
			w := e.do("POST", "/api/v1/groups/"+g+"/uploads", uid, map[string]any{"files": []FileSpec{{Name: "f.bin", Size: int64(size), ContentType: "application/octet-stream"}}})
			return w.Code, w.Body.String()
		}
		if code, body := ask(u, 800); code != http.StatusCreated {
			t.Fatalf("within the quotas: %d %s", code, body)
		}
		code, body := ask(u, 300)
		if code != http.StatusRequestEntityTooLarge || !strings.Contains(body, "user_quota") {
			t.Fatalf("beyond the user's quota: %d %s", code, body)
		}
		if code, body := ask(other, 600); code != http.StatusCreated {
			t.Fatalf("another user within the group quota: %d %s", code, body)
		}
		code, body = ask(other, 200)
		if code != http.StatusRequestEntityTooLarge || !strings.Contains(body, "group_quota") {
			t.Fatalf("beyond the group's quota: %d %s", code, body)
		}
		var n int
		db.QueryRowContext(t.Context(), "SELECT COUNT(*) FROM message_uploads").Scan(&n)
		if n != 2 {
			t.Fatalf("%d uploads issued, want the 2 within the quotas", n)
		}
	})
}
