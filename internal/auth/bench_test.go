package auth

import (
	"context"
	"crypto/ed25519"
	"testing"
	"time"
)

// BenchmarkVerify measures what every authenticated request pays to check
// its access token (keys cached).
func BenchmarkVerify(b *testing.B) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	v := NewVerifier(func(context.Context) ([]PublicKey, error) { return []PublicKey{{KID: "k1", Key: pub}}, nil })
	tok, err := Sign("k1", priv, Claims{UserID: "0190f3a0-0000-7000-8000-000000000001", SessionID: "s1", ExpiresAt: time.Now().Add(time.Hour)}, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if _, err := v.Verify(ctx, tok); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(ctx, tok); err != nil {
			b.Fatal(err)
		}
	}
}
