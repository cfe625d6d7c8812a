package message

import (
	"net/http"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/httpapi"
)

type markReadBody struct {
	Seq *int64 `json:"seq"`
}

// markRead is POST …/groups/{id}/read {seq}: 200 with the group's read
// state after the move (unchanged when seq was not ahead of the cursor).
func (h *Handler) markRead(w http.ResponseWriter, r *http.Request, uid string) {
	if !h.allow(w, r, "message:mark:user:", uid, limitMarkRead) {
		return
	}
	b, err := httpapi.Decode[markReadBody](r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if b.Seq == nil {
		h.fail(w, r, errs.Field("seq", "is required"))
		return
	}
	var st ReadState
	err = h.graced(r.Context(), func() (err error) { st, err = h.svc.MarkRead(r.Context(), pathID(r, "id"), uid, *b.Seq); return })
	h.reply(w, r, http.StatusOK, st, err)
}

// receipts is GET …/groups/{id}/read-receipts.
func (h *Handler) receipts(w http.ResponseWriter, r *http.Request, uid string) {
	if !h.allow(w, r, "message:read:user:", uid, limitRead) {
		return
	}
	var rs []Receipt
	err := h.graced(r.Context(), func() (err error) { rs, err = h.svc.Receipts(r.Context(), pathID(r, "id"), uid); return })
	h.reply(w, r, http.StatusOK, httpapi.Items[Receipt]{Items: rs}, err)
}

// readState is GET /api/v1/read-state: every group of the caller.
func (h *Handler) readState(w http.ResponseWriter, r *http.Request, uid string) {
	if !h.allow(w, r, "message:read:user:", uid, limitRead) {
		return
	}
	st, err := h.svc.UserReadState(r.Context(), uid)
	if st == nil {
		st = []ReadState{}
	}
	h.reply(w, r, http.StatusOK, httpapi.Items[ReadState]{Items: st}, err)
}

func (h *Handler) receiptSettings(w http.ResponseWriter, r *http.Request, uid string) {
	rs, err := h.svc.ReceiptSettingsOf(r.Context(), uid)
	h.reply(w, r, http.StatusOK, rs, err)
}

type receiptSettingsBody struct {
	ShareReceipts *bool `json:"shareReceipts"`
}

func (h *Handler) setReceiptSettings(w http.ResponseWriter, r *http.Request, uid string) {
	if !h.allow(w, r, "message:settings:user:", uid, limitReact) {
		return
	}
	b, err := httpapi.Decode[receiptSettingsBody](r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if b.ShareReceipts == nil {
		h.fail(w, r, errs.Field("shareReceipts", "is required"))
		return
	}
	rs := ReceiptSettings{ShareReceipts: *b.ShareReceipts}
	err = h.svc.SetReceiptSettings(r.Context(), uid, rs)
	h.reply(w, r, http.StatusOK, rs, err)
}
