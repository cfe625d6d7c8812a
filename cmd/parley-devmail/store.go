package main

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/parleychat/parley/internal/httpapi"
)

// message is one received mail as the API shows it.
type message struct {
	ID      string    `json:"id"`
	From    string    `json:"from"`
	To      []string  `json:"to"`
	Subject string    `json:"subject"`
	Text    string    `json:"text"`
	HTML    string    `json:"html"`
	Date    time.Time `json:"date"`

	raw       []byte
	headerTos []string // addresses in the To header, for ?to=
}

// store keeps the most recent messages, oldest first.
type store struct {
	mu   sync.Mutex
	max  int
	next int
	msgs []*message
}

func newStore(max int) *store { return &store{max: max} }

func (s *store) add(m *message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next++
	m.ID = strconv.Itoa(s.next)
	s.msgs = append(s.msgs, m)
	if over := len(s.msgs) - s.max; over > 0 {
		clear(s.msgs[:over])
		s.msgs = s.msgs[over:]
	}
}

// list returns the messages for recipient to ("" = all), newest first.
func (s *store) list(to string) []*message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []*message{}
	for i := len(s.msgs) - 1; i >= 0; i-- {
		if m := s.msgs[i]; to == "" || m.sentTo(to) {
			out = append(out, m)
		}
	}
	return out
}

func (s *store) get(id string) *message {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range s.msgs {
		if m.ID == id {
			return m
		}
	}
	return nil
}

func (s *store) clear() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs = nil
}

func (m *message) sentTo(addr string) bool {
	for _, list := range [][]string{m.To, m.headerTos} {
		for _, a := range list {
			if strings.EqualFold(a, addr) {
				return true
			}
		}
	}
	return false
}

func (s *store) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /messages", func(w http.ResponseWriter, r *http.Request) {
		httpapi.Encode(w, http.StatusOK, s.list(strings.TrimSpace(r.URL.Query().Get("to"))))
	})
	mux.HandleFunc("DELETE /messages", func(w http.ResponseWriter, r *http.Request) {
		s.clear()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /messages/{id}/raw", func(w http.ResponseWriter, r *http.Request) {
		m := s.get(r.PathValue("id"))
		if m == nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "message/rfc822")
		_, _ = w.Write(m.raw)
	})
	return mux
}
