package api

import (
	"net/http"
	"strings"
	"testing"
)

// TestJSONEndpointsRefuseSimpleRequests is issue 12 defect 14: a body sent
// without Content-Type: application/json (as a hostile page can send
// cross-site without a CORS preflight) is refused with 415 before the
// endpoint acts: no account is created and no mail is sent.
func TestJSONEndpointsRefuseSimpleRequests(t *testing.T) {
	t.Parallel()
	base, logs := startNode(t)
	post := func(path, ctype, body string) (int, string) {
		req, _ := http.NewRequest("POST", base+path, strings.NewReader(body))
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var b strings.Builder
		buf := make([]byte, 4096)
		for {
			n, err := res.Body.Read(buf)
			b.Write(buf[:n])
			if err != nil {
				break
			}
		}
		return res.StatusCode, b.String()
	}
	register := `{"username":"mallory","email":"mallory@example.test","password":"long enough password"}`
	for _, ctype := range []string{"", "text/plain", "text/plain; charset=utf-8", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"} {
		for path, body := range map[string]string{
			"/api/v1/users":                register,
			"/api/v1/auth/login":           `{"email":"mallory@example.test","password":"wrong password!"}`,
			"/api/v1/auth/password/forgot": `{"email":"mallory@example.test"}`,
			"/api/v1/users/verify/resend":  `{"email":"mallory@example.test"}`,
			"/api/v1/auth/password/reset":  `{"code":"x","password":"long enough password"}`,
			"/api/v1/users/verify":         `{"code":"x"}`,
		} {
			status, got := post(path, ctype, body)
			if status != http.StatusUnsupportedMediaType || !strings.Contains(got, `"unsupported_media_type"`) {
				t.Errorf("POST %s with Content-Type %q: %d %s, want 415 unsupported_media_type", path, ctype, status, got)
			}
		}
	}
	if link := logs.find("link", map[string]string{"to": "mallory@example.test"}); link != "" {
		t.Fatalf("a refused request sent mail: %s", link)
	}
	// Nothing was created: the same registration as JSON succeeds.
	if status, got := post("/api/v1/users", "application/json", register); status != http.StatusCreated {
		t.Fatalf("JSON registration after the refused ones: %d %s", status, got)
	}
}
