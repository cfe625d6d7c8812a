package search_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/event"
	"github.com/parleychat/parley/internal/search"
	"github.com/parleychat/parley/internal/user"
)

func newService(t *testing.T) *search.Service {
	t.Helper()
	svc, err := search.NewService(search.Config{Index: newBleve(t)})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

func userEvent(t *testing.T, typ string, at time.Time, payload any) event.Event {
	t.Helper()
	e, err := event.New(typ, "k", payload)
	if err != nil {
		t.Fatal(err)
	}
	e.OccurredAt = at
	return e
}

func handle(t *testing.T, svc *search.Service, e event.Event) {
	t.Helper()
	if err := svc.HandleUserEvent(context.Background(), e); err != nil {
		t.Fatalf("HandleUserEvent(%s): %v", e.Type, err)
	}
}

func usernames(t *testing.T, svc *search.Service, q string) []string {
	t.Helper()
	docs, err := svc.Search(context.Background(), q, 0)
	if err != nil {
		t.Fatalf("Search(%q): %v", q, err)
	}
	var out []string
	for _, d := range docs {
		out = append(out, d.Username)
	}
	return out
}

func TestVerifiedUsersBecomeFindableAndRegisteredOnesDoNot(t *testing.T) {
	t.Parallel()
	svc := newService(t)
	t0 := time.Now()
	handle(t, svc, userEvent(t, user.EventRegistered, t0, user.Registered{UserID: "u1", Username: "Alice"}))
	handle(t, svc, userEvent(t, user.EventRegistered, t0, user.Registered{UserID: "u2", Username: "Albert"}))
	if got := usernames(t, svc, "al"); len(got) != 0 {
		t.Fatalf("unverified users are findable: %v", got)
	}
	handle(t, svc, userEvent(t, user.EventVerified, t0.Add(time.Second), user.Changed{UserID: "u1", Username: "Alice"}))
	for _, q := range []string{"ali", "lic", "ALI", "al"} {
		if got := usernames(t, svc, q); !slices.Equal(got, []string{"Alice"}) {
			t.Errorf("Search(%q) = %v, want [Alice] only (Albert is unverified)", q, got)
		}
	}
}

func TestUpdatedUserIsFoundByNewNameOnlyAndStaleEventsAreIgnored(t *testing.T) {
	t.Parallel()
	svc := newService(t)
	t0 := time.Now()
	pic := "/api/v1/users/u1/picture?v=2"
	verified := userEvent(t, user.EventVerified, t0, user.Changed{UserID: "u1", Username: "alice"})
	renamed := userEvent(t, user.EventUpdated, t0.Add(time.Second), user.Changed{UserID: "u1", Username: "bertrand", PictureURL: &pic})
	handle(t, svc, verified)
	handle(t, svc, renamed)
	handle(t, svc, verified) // redelivered late: must not undo the rename
	handle(t, svc, renamed)  // duplicate: harmless

	if got := usernames(t, svc, "alice"); len(got) != 0 {
		t.Errorf("old name still found: %v", got)
	}
	docs, err := svc.Search(context.Background(), "bertrand", 5)
	if err != nil || len(docs) != 1 || docs[0].ID != "u1" || docs[0].PictureURL == nil || *docs[0].PictureURL != pic {
		t.Fatalf("Search(bertrand) = %+v, %v; want u1 with its picture", docs, err)
	}
}

func TestDisplayNamesFromEventsAreFoundAndClearedWithTheirUser(t *testing.T) {
	t.Parallel()
	svc := newService(t)
	t0 := time.Now()
	handle(t, svc, userEvent(t, user.EventVerified, t0, user.Changed{UserID: "u1", Username: "zed"}))
	handle(t, svc, userEvent(t, user.EventUpdated, t0.Add(time.Second), user.Changed{UserID: "u1", Username: "zed", DisplayName: "Ada Lovelace"}))
	docs, err := svc.Search(context.Background(), "lovelace", 5)
	if err != nil || len(docs) != 1 || docs[0].ID != "u1" || docs[0].DisplayName != "Ada Lovelace" {
		t.Fatalf("Search(lovelace) = %+v, %v; want u1 with its display name", docs, err)
	}
	// An update without a display name clears it.
	handle(t, svc, userEvent(t, user.EventUpdated, t0.Add(2*time.Second), user.Changed{UserID: "u1", Username: "zed"}))
	if got := usernames(t, svc, "lovelace"); len(got) != 0 {
		t.Errorf("cleared display name still found: %v", got)
	}
	if got := usernames(t, svc, "zed"); !slices.Equal(got, []string{"zed"}) {
		t.Errorf("Search(zed) = %v", got)
	}
	// One over the user role's limit cannot come from it: permanent.
	long := user.Changed{UserID: "u2", Username: "yan", DisplayName: strings.Repeat("é", user.MaxDisplayNameLen+1)}
	if err := svc.HandleUserEvent(context.Background(), userEvent(t, user.EventUpdated, t0, long)); !event.IsPermanent(err) {
		t.Errorf("a display name over %d characters: %v, want a permanent error", user.MaxDisplayNameLen, err)
	}
	if got := usernames(t, svc, "yan"); len(got) != 0 {
		t.Errorf("the refused event was indexed: %v", got)
	}
}

func TestHandleUserEventIgnoresOtherTypesAndRejectsBadPayloadsPermanently(t *testing.T) {
	t.Parallel()
	svc := newService(t)
	if err := svc.HandleUserEvent(context.Background(), event.Event{ID: "e1", Type: "user.something_new", Payload: json.RawMessage(`{}`)}); err != nil {
		t.Errorf("unknown type: %v, want nil", err)
	}
	for name, payload := range map[string]string{"not json": `{`, "no user id": `{"username":"x"}`, "no username": `{"userId":"u1"}`} {
		err := svc.HandleUserEvent(context.Background(), event.Event{ID: "e2", Type: user.EventVerified, Payload: json.RawMessage(payload)})
		if !event.IsPermanent(err) {
			t.Errorf("%s: error = %v, want a permanent error", name, err)
		}
	}
}

func TestServiceSearchValidatesQueryAndLimit(t *testing.T) {
	t.Parallel()
	svc := newService(t)
	handle(t, svc, userEvent(t, user.EventVerified, time.Now(), user.Changed{UserID: "u1", Username: "alice"}))
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		q     string
		limit int
		field string
	}{
		{"empty query", "", 0, "q"},
		{"blank query", "  \t ", 0, "q"},
		{"query over 64 characters", strings.Repeat("é", 65), 0, "q"},
		{"invalid UTF-8", "al\xff", 0, "q"},
		{"negative limit", "alice", -1, "limit"},
		{"limit over 50", "alice", 51, "limit"},
	} {
		_, err := svc.Search(ctx, tc.q, tc.limit)
		var e *errs.Error
		if errs.KindOf(err) != errs.Invalid || !asErr(err, &e) || e.Fields[tc.field] == "" {
			t.Errorf("%s: error = %v, want errs.Invalid on field %q", tc.name, err, tc.field)
		}
	}
	if _, err := svc.Search(ctx, strings.Repeat("é", 64), 50); err != nil {
		t.Errorf("64 characters and limit 50: %v, want ok", err)
	}
}
