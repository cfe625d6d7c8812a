package auth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/parleychat/parley/internal/errs"
)

func TestVerifyRejectsBadTokensAsUnauthenticated(t *testing.T) {
	t.Parallel()
	k := newKey(t, "k1")
	other := newKey(t, "k1") // same kid, different key
	src := &source{}
	src.set(k)
	good := sign(t, k, validClaims())
	parts := strings.Split(good, ".")
	header := map[string]any{"alg": "EdDSA", "typ": "JWT", "kid": "k1"}

	tamperedPayload := func() string {
		p, _ := json.Marshal(payload(map[string]any{"sub": "admin"}))
		return parts[0] + "." + base64.RawURLEncoding.EncodeToString(p) + "." + parts[2]
	}()
	sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
	sig[0] ^= 1
	tamperedSig := parts[0] + "." + parts[1] + "." + base64.RawURLEncoding.EncodeToString(sig)

	hs256WithPublicKey, err := func() (string, error) {
		tok := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims(payload(nil)))
		tok.Header["kid"] = "k1"
		return tok.SignedString([]byte(k.pub))
	}()
	if err != nil {
		t.Fatal(err)
	}

	cases := map[string]string{
		"empty":                        "",
		"one dot":                      ".",
		"two dots":                     "..",
		"not base64":                   "!!!.@@@.###",
		"two segments":                 parts[0] + "." + parts[1],
		"four segments":                good + ".x",
		"header not JSON":              base64.RawURLEncoding.EncodeToString([]byte("nope")) + "." + parts[1] + "." + parts[2],
		"header is an array":           base64.RawURLEncoding.EncodeToString([]byte("[1]")) + "." + parts[1] + "." + parts[2],
		"padded base64":                parts[0] + "=." + parts[1] + "." + parts[2],
		"too long":                     good + strings.Repeat("A", maxTokenLen),
		"tampered payload":             tamperedPayload,
		"tampered signature":           tamperedSig,
		"signed by another key":        sign(t, other, validClaims()),
		"alg none":                     forge(map[string]any{"alg": "none", "typ": "JWT", "kid": "k1"}, payload(nil), nil),
		"alg none with signature":      forge(map[string]any{"alg": "none", "kid": "k1"}, payload(nil), edSigner(k)),
		"alg NONE":                     forge(map[string]any{"alg": "NONE", "kid": "k1"}, payload(nil), nil),
		"HS256 keyed with public key":  hs256WithPublicKey,
		"EdDSA header, empty sig":      forge(header, payload(nil), nil),
		"kid missing":                  forge(map[string]any{"alg": "EdDSA"}, payload(nil), edSigner(k)),
		"kid not a string":             forge(map[string]any{"alg": "EdDSA", "kid": 7}, payload(nil), edSigner(k)),
		"unknown kid":                  forge(map[string]any{"alg": "EdDSA", "kid": "k9"}, payload(nil), edSigner(k)),
		"wrong issuer":                 forge(header, payload(map[string]any{"iss": "evil"}), edSigner(k)),
		"no issuer":                    forge(header, payload(map[string]any{"iss": nil}), edSigner(k)),
		"wrong audience":               forge(header, payload(map[string]any{"aud": "other"}), edSigner(k)),
		"no audience":                  forge(header, payload(map[string]any{"aud": nil}), edSigner(k)),
		"expired":                      forge(header, payload(map[string]any{"exp": time.Now().Add(-time.Second).Unix()}), edSigner(k)),
		"no expiry":                    forge(header, payload(map[string]any{"exp": nil}), edSigner(k)),
		"expiry not a number":          forge(header, payload(map[string]any{"exp": "tomorrow"}), edSigner(k)),
		"not yet valid":                forge(header, payload(map[string]any{"nbf": time.Now().Add(time.Hour).Unix()}), edSigner(k)),
		"no subject":                   forge(header, payload(map[string]any{"sub": nil}), edSigner(k)),
		"no session":                   forge(header, payload(map[string]any{"sid": nil}), edSigner(k)),
		"session not a string":         forge(header, payload(map[string]any{"sid": 5}), edSigner(k)),
		"payload is a string":          parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`"x"`)) + "." + parts[2],
		"whitespace around the token":  " " + good,
		"valid token with a bad tail":  good + "x",
		"signature of the wrong size":  parts[0] + "." + parts[1] + "." + base64.RawURLEncoding.EncodeToString([]byte("short")),
		"unicode garbage":              "ü.ö.ä",
		"NUL bytes":                    "\x00.\x00.\x00",
		"header claims RS256 with kid": forge(map[string]any{"alg": "RS256", "kid": "k1"}, payload(nil), edSigner(k)),
	}
	v := NewVerifier(src.get)
	for name, token := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := v.Verify(t.Context(), token)
			if !errs.Is(err, errs.Unauthenticated) {
				t.Fatalf("Verify = %v (kind %s), want unauthenticated", err, errs.KindOf(err))
			}
		})
	}
}

func TestSignRefusesIncompleteInput(t *testing.T) {
	t.Parallel()
	k := newKey(t, "k1")
	now := time.Now()
	cases := map[string]func() (string, error){
		"empty kid":  func() (string, error) { return Sign("", k.priv, validClaims(), now) },
		"short key":  func() (string, error) { return Sign("k1", k.priv[:5], validClaims(), now) },
		"no user":    func() (string, error) { c := validClaims(); c.UserID = ""; return Sign("k1", k.priv, c, now) },
		"no session": func() (string, error) { c := validClaims(); c.SessionID = ""; return Sign("k1", k.priv, c, now) },
		"expiry before issue": func() (string, error) {
			c := validClaims()
			c.ExpiresAt = now.Add(-time.Second)
			return Sign("k1", k.priv, c, now)
		},
	}
	for name, fn := range cases {
		if _, err := fn(); err == nil {
			t.Errorf("%s: Sign succeeded, want an error", name)
		}
	}
}

func TestSignedTokenHasPinnedHeaderAndClaims(t *testing.T) {
	t.Parallel()
	k := newKey(t, "k1")
	token := sign(t, k, validClaims())
	parts := strings.Split(token, ".")
	var h map[string]any
	b, _ := base64.RawURLEncoding.DecodeString(parts[0])
	if err := json.Unmarshal(b, &h); err != nil {
		t.Fatal(err)
	}
	if h["alg"] != "EdDSA" || h["kid"] != "k1" {
		t.Fatalf("header = %v, want alg EdDSA and kid k1", h)
	}
	var p map[string]any
	b, _ = base64.RawURLEncoding.DecodeString(parts[1])
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	for _, claim := range []string{"iss", "aud", "sub", "sid", "iat", "exp", "jti"} {
		if _, ok := p[claim]; !ok {
			t.Errorf("claim %q missing from %v", claim, p)
		}
	}
	if other := sign(t, k, validClaims()); strings.Split(other, ".")[1] == parts[1] {
		t.Error("two tokens share a payload: jti is not unique")
	}
}

func FuzzVerify(f *testing.F) {
	k := newKey(f, "k1")
	src := &source{}
	src.set(k)
	v := NewVerifier(src.get)
	good := sign(f, k, validClaims())
	for _, seed := range []string{"", ".", "..", "a.b.c", good, good[:len(good)/2], strings.ToUpper(good), "e30.e30.", "eyJhbGciOiJub25lIn0.e30."} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, token string) {
		c, err := v.Verify(context.Background(), token)
		if err != nil {
			if k := errs.KindOf(err); k != errs.Unauthenticated && k != errs.Unavailable {
				t.Fatalf("Verify(%q) error kind %s, want unauthenticated or unavailable", token, k)
			}
			return
		}
		if c.UserID == "" || c.SessionID == "" {
			t.Fatalf("Verify(%q) accepted claims without subject or session: %+v", token, c)
		}
	})
}
