package sfu

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"strconv"
	"time"
)

// TURN hands clients time-limited TURN credentials in the scheme of the
// TURN REST API that coturn's use-auth-secret implements: the username is
// "<expiry unix seconds>:<user id>" and the credential is
// base64(HMAC-SHA1(secret, username)). The TURN server recomputes the
// credential from the shared secret and refuses expired usernames, so no
// password is ever stored or shipped to the browser.
type TURN struct {
	URLs   []string      // turn:/turns: URLs (turn_urls)
	Secret []byte        // shared with the TURN server (turn_secret)
	TTL    time.Duration // how long credentials live (turn_ttl)
}

// Enabled reports whether TURN is configured.
func (t TURN) Enabled() bool { return len(t.URLs) > 0 && len(t.Secret) > 0 }

// Credentials returns the ICE server entry of userID, valid until now+TTL.
func (t TURN) Credentials(userID string, now time.Time) ICEServer {
	user := strconv.FormatInt(now.Add(t.TTL).Unix(), 10) + ":" + userID
	mac := hmac.New(sha1.New, t.Secret)
	mac.Write([]byte(user))
	return ICEServer{URLs: t.URLs, Username: user, Credential: base64.StdEncoding.EncodeToString(mac.Sum(nil))}
}
