package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/parleychat/parley/internal/loadkit"
)

// target is the server under test, as the scenarios use it: users, groups
// of users, one connection per user, and sending a text to a group.
type target interface {
	// prepare makes users 0..n-1 and the groups (lists of user indexes).
	prepare(n int, groups [][]int, par int) error
	// connect opens user u's connection. onText gets the text of every chat
	// message received and the size of the frame (or, when several share a
	// frame, of the part) that carried it; onClose gets the close code when
	// the connection ends other than by close().
	connect(u int, onText func(text []byte, frameBytes int), onClose func(code int)) (closer, error)
	// send sends text to group g as user u (a member of g).
	send(ctx context.Context, u, g int, text string) error
	// metricsURL is the server's Prometheus endpoint ("" when none).
	metricsURL() string
}

type closer interface{ close() }

// closeCode is the WebSocket close code of a read error: the peer's close
// frame, or 1006 when the connection ended without one.
func closeCode(err error) int {
	if c := websocket.CloseStatus(err); c != -1 {
		return int(c)
	}
	return 1006
}

// wsConn wraps a connection whose reader runs in the background.
type wsConn struct {
	c       *websocket.Conn
	closing chan struct{}
	once    sync.Once
}

func (w *wsConn) close() {
	w.once.Do(func() { close(w.closing) })
	w.c.CloseNow()
}

// readLoop hands every frame to onFrame until the connection ends; an end
// not asked for by close() is reported to onClose. Frames are read into one
// buffer per connection (reused: onFrame must not keep it), so that the
// load client, on one core, keeps up with 100,000 frames/s.
func (w *wsConn) readLoop(onFrame func([]byte), onClose func(int)) {
	buf := make([]byte, 0, 1024)
	for {
		_, r, err := w.c.Reader(context.Background())
		if err == nil {
			buf, err = readAll(buf[:0], r)
		}
		if err != nil {
			select {
			case <-w.closing:
			default:
				if onClose != nil {
					onClose(closeCode(err))
				}
			}
			return
		}
		onFrame(buf)
	}
}

// readAll appends everything r yields to buf.
func readAll(buf []byte, r io.Reader) ([]byte, error) {
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// parleyTarget is a running Parley, with accounts registered through
// parley-devmail.
type parleyTarget struct {
	base, devmail string
	metrics       string
	cache         string // -setup-cache: where the set-up is kept ("" for none)
	accs          []loadkit.Account
	gids          []string
	mu            sync.Mutex
	conns         map[int]*wsConn
}

func newParley(base, devmail, metrics string) *parleyTarget {
	if metrics == "" {
		metrics = base + "/metrics"
	}
	return &parleyTarget{base: base, devmail: devmail, metrics: metrics, conns: map[int]*wsConn{}}
}

func (p *parleyTarget) metricsURL() string { return p.metrics }

// setupCache is what -setup-cache keeps of a Parley set-up: the accounts
// (with their refresh tokens) and the groups' ids, for the data directory
// they were made in. scripts/bench.sh sets up once into a template data
// directory and starts every run from a copy of it, so each refresh token
// is used once per copy.
type setupCache struct {
	Users    int               `json:"users"`
	Shape    string            `json:"shape"` // the groups' sizes
	Accounts []loadkit.Account `json:"accounts"`
	Groups   []string          `json:"groups"`
}

// shape describes groups by their sizes, e.g. "1000" or "5x2000".
func shape(groups [][]int) string {
	var b strings.Builder
	for i := 0; i < len(groups); {
		j := i
		for j < len(groups) && len(groups[j]) == len(groups[i]) {
			j++
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%dx%d", len(groups[i]), j-i)
		i = j
	}
	return b.String()
}

func (p *parleyTarget) prepare(n int, groups [][]int, par int) error {
	if p.cache != "" {
		if b, err := os.ReadFile(p.cache); err == nil {
			var c setupCache
			if err := json.Unmarshal(b, &c); err != nil {
				return fmt.Errorf("%s: %w", p.cache, err)
			}
			if c.Users != n || c.Shape != shape(groups) || len(c.Accounts) != n || len(c.Groups) != len(groups) {
				return fmt.Errorf("%s is a set-up of %d users in %s, not %d in %s", p.cache, c.Users, c.Shape, n, shape(groups))
			}
			p.accs, p.gids = c.Accounts, c.Groups
			// The refresh tokens are kept as they were after the set-up: the
			// data directory this server started from must be a copy of
			// that one (a token used twice revokes its family).
			return parallel(n, par, func(i int) (err error) {
				p.accs[i], err = loadkit.Refreshed(p.base, p.accs[i])
				return err
			})
		} else if !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	if err := p.create(n, groups, par); err != nil {
		return err
	}
	if p.cache == "" {
		return nil
	}
	b, _ := json.Marshal(setupCache{Users: n, Shape: shape(groups), Accounts: p.accs, Groups: p.gids})
	return os.WriteFile(p.cache, b, 0o600)
}

// create registers the users and makes the groups.
func (p *parleyTarget) create(n int, groups [][]int, par int) error {
	p.accs = make([]loadkit.Account, n)
	if err := parallel(n, par, func(i int) (err error) {
		p.accs[i], err = loadkit.NewAccount(p.base, p.devmail, i)
		return err
	}); err != nil {
		return err
	}
	p.gids = make([]string, len(groups))
	if len(groups) == 1 && len(groups[0]) > 1 {
		// One big group: the invites are what takes the time, so they run
		// in parallel rather than one after the other.
		return p.bigGroup(groups[0], par)
	}
	return parallel(len(groups), par, func(g int) (err error) {
		members := make([]loadkit.Account, len(groups[g]))
		for j, u := range groups[g] {
			members[j] = p.accs[u]
		}
		p.gids[g], err = loadkit.Group(p.base, members[0], members[1:])
		return err
	})
}

// bigGroup makes group 0 of members, inviting the others in parallel.
func (p *parleyTarget) bigGroup(members []int, par int) error {
	gid, err := loadkit.Group(p.base, p.accs[members[0]], nil)
	if err != nil {
		return err
	}
	p.gids[0] = gid
	owner := p.accs[members[0]]
	return parallel(len(members)-1, par, func(j int) error {
		o := p.accs[members[j+1]]
		b, err := owner.Do("POST", p.base+"/api/v1/groups/"+gid+"/invites", map[string]string{"userId": o.UserID}, 201)
		if err != nil {
			return err
		}
		var inv struct{ ID string }
		if err := json.Unmarshal(b, &inv); err != nil {
			return err
		}
		_, err = o.Do("POST", p.base+"/api/v1/invites/"+inv.ID+"/accept", nil, 200)
		return err
	})
}

func (p *parleyTarget) connect(u int, onText func([]byte, int), onClose func(int)) (closer, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, strings.Replace(p.base, "http", "ws", 1)+"/api/v1/ws", nil)
	if err != nil {
		return nil, err
	}
	c.SetReadLimit(1 << 20)
	auth, _ := json.Marshal(map[string]string{"type": "auth", "token": p.accs[u].Token})
	if err := c.Write(ctx, websocket.MessageText, auth); err != nil {
		c.CloseNow()
		return nil, err
	}
	_, b, err := c.Read(ctx)
	if err != nil || !strings.Contains(string(b), `"ready"`) {
		c.CloseNow()
		return nil, fmt.Errorf("no ready frame: %v %.200s", err, b)
	}
	w := &wsConn{c: c, closing: make(chan struct{})}
	p.mu.Lock()
	p.conns[u] = w
	p.mu.Unlock()
	go w.readLoop(func(b []byte) {
		if onText != nil && isParleyCreated(b) {
			if t, ok := textField(b); ok {
				onText(t, len(b))
			}
		}
	}, onClose)
	return w, nil
}

// isParleyCreated reports whether a Parley frame is a message.created.
func isParleyCreated(b []byte) bool {
	const t = `"type":"message.created"`
	return len(b) > len(t)+1 && strings.Contains(string(b[:min(len(b), 64)]), t)
}

func (p *parleyTarget) send(ctx context.Context, u, g int, text string) error {
	p.mu.Lock()
	w := p.conns[u]
	p.mu.Unlock()
	if w == nil {
		return errors.New("sender not connected")
	}
	f, _ := json.Marshal(map[string]any{"type": "message.send", "groupId": p.gids[g],
		"clientMsgId": fmt.Sprintf("load-%d-%d", u, time.Now().UnixNano()), "text": text})
	return w.c.Write(ctx, websocket.MessageText, f)
}
