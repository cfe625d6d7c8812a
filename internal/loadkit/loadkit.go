// Package loadkit is what Parley's load tools (cmd/parley-loadgen,
// cmd/parley-callload) share: accounts registered and verified through
// parley-devmail against a running Parley, small REST helpers, the
// server's CPU time and memory read from /proc, and the measurement of a
// call load (MeasureCalls) over participants of any SFU (CallPeer: Parley
// in cmd/parley-callload, LiveKit in tools/lkload). It is for measuring
// from outside, never imported by the product.
package loadkit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Account is a registered, verified and signed-in user.
type Account struct {
	UserID string
	Token  string
	// Addr is the client address the account claims through
	// X-Forwarded-For (the server trusts loopback proxies), so that
	// per-address abuse limits do not apply across accounts.
	Addr string
	// Refresh is the refresh token from the login's cookie: Refreshed
	// turns it into a new access token without the password (and its
	// argon2id cost).
	Refresh string
}

// NewAccount registers user i, verifies it through the mailed link (read
// from parley-devmail's API at devmail) and signs in.
func NewAccount(base, devmail string, i int) (Account, error) {
	addr := fmt.Sprintf("198.19.%d.%d", i/250%250, i%250+1)
	name := fmt.Sprintf("load%d_%d", i, time.Now().UnixNano()%1_000_000)
	email := name + "@example.com"
	a := Account{Addr: addr}
	if _, err := a.Do("POST", base+"/api/v1/users", map[string]string{"username": name, "email": email, "password": "load password"}, 201); err != nil {
		return a, err
	}
	var code string
	re := regexp.MustCompile(`/verify/([A-Za-z0-9_-]+)`)
	for deadline := time.Now().Add(10 * time.Second); code == "" && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		res, err := http.Get(devmail + "/messages?to=" + email)
		if err != nil {
			return a, err
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if m := re.FindSubmatch(b); m != nil {
			code = string(m[1])
		}
	}
	if code == "" {
		return a, fmt.Errorf("no verification mail for %s", email)
	}
	if _, err := a.Do("POST", base+"/api/v1/users/verify", map[string]string{"code": code}, 200); err != nil {
		return a, err
	}
	b, h, err := a.do("POST", base+"/api/v1/auth/login", map[string]string{"email": email, "password": "load password"}, nil, 200)
	if err != nil {
		return a, err
	}
	a.Refresh = refreshCookie(h)
	var login struct {
		AccessToken string `json:"accessToken"`
		User        struct {
			ID string `json:"id"`
		} `json:"user"`
	}
	if err := json.Unmarshal(b, &login); err != nil {
		return a, err
	}
	a.Token, a.UserID = login.AccessToken, login.User.ID
	return a, nil
}

// refreshCookie is the value of the parley_refresh cookie set in h.
func refreshCookie(h http.Header) string {
	for _, c := range (&http.Response{Header: h}).Cookies() {
		if c.Name == "parley_refresh" {
			return c.Value
		}
	}
	return ""
}

// Refreshed returns the account with a new access token (and the rotated
// refresh token) from POST /auth/refresh. A refresh token works once:
// using it again revokes its whole family.
func Refreshed(base string, a Account) (Account, error) {
	if a.Refresh == "" {
		return a, fmt.Errorf("account %s has no refresh token", a.UserID)
	}
	a.Token = ""
	hdr := http.Header{"X-Parley-Csrf": {"1"}, "Cookie": {"parley_refresh=" + a.Refresh}}
	b, h, err := a.do("POST", base+"/api/v1/auth/refresh", nil, hdr, 200)
	if err != nil {
		return a, err
	}
	var out struct {
		AccessToken string `json:"accessToken"`
	}
	if err := json.Unmarshal(b, &out); err != nil || out.AccessToken == "" {
		return a, fmt.Errorf("refresh of %s: no access token: %v", a.UserID, err)
	}
	a.Token, a.Refresh = out.AccessToken, refreshCookie(h)
	return a, nil
}

// Do sends a JSON request as the account (with its token once signed in)
// and returns the body, or an error unless the status is want.
func (a Account) Do(method, url string, body any, want int) ([]byte, error) {
	b, _, err := a.do(method, url, body, nil, want)
	return b, err
}

func (a Account) do(method, url string, body any, extra http.Header, want int) ([]byte, http.Header, error) {
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return nil, nil, err
	}
	for k, v := range extra {
		req.Header[k] = v
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("X-Forwarded-For", a.Addr)
	if a.Token != "" {
		req.Header.Set("Authorization", "Bearer "+a.Token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if res.StatusCode != want {
		return nil, nil, fmt.Errorf("%s %s: %d %s", method, url, res.StatusCode, b)
	}
	return b, res.Header, nil
}

// Group creates a group owned by owner with every other account as a
// member (invited and accepted) and returns its id.
func Group(base string, owner Account, others []Account) (string, error) {
	b, err := owner.Do("POST", base+"/api/v1/groups", map[string]string{"name": "load"}, 201)
	if err != nil {
		return "", err
	}
	var g struct{ ID string }
	if err := json.Unmarshal(b, &g); err != nil {
		return "", err
	}
	for _, o := range others {
		b, err := owner.Do("POST", base+"/api/v1/groups/"+g.ID+"/invites", map[string]string{"userId": o.UserID}, 201)
		if err != nil {
			return "", err
		}
		var inv struct{ ID string }
		if err := json.Unmarshal(b, &inv); err != nil {
			return "", err
		}
		if _, err := o.Do("POST", base+"/api/v1/invites/"+inv.ID+"/accept", nil, 200); err != nil {
			return "", err
		}
	}
	return g.ID, nil
}

// Proc is a process's CPU time and resident memory.
type Proc struct {
	CPU time.Duration
	RSS int64 // bytes
}

// ReadProc reads /proc/<pid>/stat and /proc/<pid>/status.
func ReadProc(pid int) (Proc, error) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return Proc{}, err
	}
	// Fields after the command (which may hold spaces) start after ")".
	f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	if len(f) < 13 {
		return Proc{}, fmt.Errorf("short /proc/%d/stat", pid)
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	const hz = 100 // USER_HZ on Linux
	p := Proc{CPU: time.Duration(utime+stime) * time.Second / hz}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return Proc{}, err
	}
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			p.RSS = kb << 10
		}
	}
	return p, nil
}
