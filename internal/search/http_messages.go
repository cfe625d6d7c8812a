package search

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/httpapi"
	"github.com/parleychat/parley/internal/ids"
)

// MessageRef is the API shape of a result's message: enough to open it
// in its group (GET /api/v1/groups/{groupId}/messages?around=… or by
// seq), nothing the snippet does not already show.
type MessageRef struct {
	ID        string    `json:"id"`
	GroupID   string    `json:"groupId"`
	Seq       int64     `json:"seq"`
	AuthorID  string    `json:"authorId"`
	CreatedAt time.Time `json:"createdAt"`
}

// MessageResult is one item of a message search.
type MessageResult struct {
	Message MessageRef `json:"message"`
	// Snippet is plain text (never markup) from the message.
	Snippet string `json:"snippet"`
	// Highlights are [start, end) offsets in Unicode code points of the
	// snippet, one per matched word, in order.
	Highlights [][2]int `json:"highlights"`
}

// MessageResults is the body of a successful message search.
type MessageResults struct {
	Items []MessageResult `json:"items"`
	Next  string          `json:"next,omitempty"`
}

// searchMessages answers GET /api/v1/search/messages?q=&groupId=&before=&limit=.
// The rate limit is counted first (malformed requests count too); then
// every parameter is checked before the group role or the index is asked
// anything.
func (h *Handler) searchMessages(w http.ResponseWriter, r *http.Request) {
	userID, ok := h.allow(w, r, messageLimitPrefix, h.msgRate)
	if !ok {
		return
	}
	q := r.URL.Query()
	in := MessageSearch{UserID: userID, Q: q.Get("q"), Before: q.Get("before")}
	if s, ok := q["groupId"]; ok {
		id, valid := ids.Canonical(s[0])
		if !valid {
			httpapi.Error(w, r, h.log, errs.Field("groupId", "must be a group id"))
			return
		}
		in.GroupID = id
	}
	if s, ok := q["limit"]; ok {
		n, err := strconv.Atoi(s[0])
		if err != nil || n < 1 || n > MaxMessageLimit {
			httpapi.Error(w, r, h.log, errs.Field("limit", fmt.Sprintf("must be a whole number between 1 and %d", MaxMessageLimit)))
			return
		}
		in.Limit = n
	}
	page, err := h.svc.SearchMessages(r.Context(), in)
	if err != nil {
		httpapi.Error(w, r, h.log, err)
		return
	}
	res := MessageResults{Items: make([]MessageResult, len(page.Items)), Next: page.Next}
	for i, it := range page.Items {
		m := it.Message
		res.Items[i] = MessageResult{
			Message:    MessageRef{ID: m.ID, GroupID: m.GroupID, Seq: m.Seq, AuthorID: m.AuthorID, CreatedAt: m.CreatedAt.UTC()},
			Snippet:    it.Snippet,
			Highlights: it.Highlights,
		}
	}
	httpapi.Encode(w, http.StatusOK, res)
}
