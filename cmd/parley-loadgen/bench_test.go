package main

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestPercentileNearestRank(t *testing.T) {
	ms := func(xs ...int) []time.Duration {
		out := make([]time.Duration, len(xs))
		for i, x := range xs {
			out[i] = time.Duration(x) * time.Millisecond
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = i + 1
	}
	cases := []struct {
		in   []time.Duration
		p    float64
		want time.Duration
	}{
		{nil, 50, 0},
		{ms(7), 99, 7 * time.Millisecond},
		{ms(1, 2, 3, 4), 50, 2 * time.Millisecond},
		{ms(1, 2, 3, 4), 51, 3 * time.Millisecond},
		{ms(hundred...), 99, 99 * time.Millisecond},
		{ms(hundred...), 100, 100 * time.Millisecond},
		{ms(hundred...), 0, 1 * time.Millisecond},
	}
	for _, c := range cases {
		if got := percentile(c.in, c.p); got != c.want {
			t.Errorf("percentile(%v, %v) = %v, want %v", c.in, c.p, got, c.want)
		}
	}
}

func TestMedian(t *testing.T) {
	if !math.IsNaN(median(nil)) {
		t.Error("median of nothing is not NaN")
	}
	xs := []float64{5, 1, 3}
	if got := median(xs); got != 3 {
		t.Errorf("median %v = %v, want 3", xs, got)
	}
	if xs[0] != 5 {
		t.Error("median sorted its argument in place")
	}
	if got := median([]float64{4, 1, 3, 2}); got != 2.5 {
		t.Errorf("median of 1..4 = %v, want 2.5", got)
	}
}

func TestLoadTextRoundTrip(t *testing.T) {
	at := time.Unix(1_790_000_000, 123_456_789)
	text := loadText(at, 4321)
	if len(text) != textLen {
		t.Fatalf("text is %d bytes, want %d", len(text), textLen)
	}
	sent, idx, ok := parseLoadText([]byte(text))
	if !ok || !sent.Equal(at) || idx != 4321 {
		t.Fatalf("parse(%q) = %v %d %v", text, sent, idx, ok)
	}
	for _, bad := range []string{"", "123", "123 x y", "x 1 y", "1 -2 y"} {
		if _, _, ok := parseLoadText([]byte(bad)); ok {
			t.Errorf("parse(%q) accepted", bad)
		}
	}
}

// A Parley message.created and a Centrifugo publication push, as the
// servers write them, carry the text where the load client finds it.
func TestFrameParsing(t *testing.T) {
	text := loadText(time.Unix(1, 0), 7)
	parley := `{"type":"message.created","message":{"id":"01J","groupId":"01G","seq":3,"authorId":"01U","text":"` + text + `","attachments":[],"createdAt":"2026-12-03T01:00:00Z","clientMsgId":"c","deleted":false,"hidden":false}}`
	if !isParleyCreated([]byte(parley)) {
		t.Error("message.created not recognised")
	}
	if isParleyCreated([]byte(`{"type":"typing","groupId":"01G","userId":"01U"}`)) {
		t.Error("typing taken for message.created")
	}
	got, ok := textField([]byte(parley))
	if !ok || string(got) != text {
		t.Errorf("Parley text = %q %v", got, ok)
	}
	push := `{"push":{"channel":"g0","pub":{"data":{"authorId":"u1","clientMsgId":"c","text":"` + text + `"}}}}`
	reply := `{"id":2,"subscribe":{}}`
	var parts []string
	splitFrame([]byte(reply+"\n"+push+"\n"+push+"\n"), func(p []byte) { parts = append(parts, string(p)) })
	if len(parts) != 3 || parts[0] != reply || parts[2] != push {
		t.Fatalf("split into %q", parts)
	}
	// A ping may come batched with pushes.
	var pings int
	splitFrame([]byte(push+"\n{}"), func(p []byte) {
		if isPing(p) {
			pings++
		}
	})
	if pings != 1 || isPing([]byte(push)) {
		t.Errorf("%d pings found in a push and a ping", pings)
	}
	if got, ok := textField([]byte(parts[1])); !ok || string(got) != text {
		t.Errorf("Centrifugo text = %q %v", got, ok)
	}
	if _, ok := textField([]byte(`{"text":"a\"b"}`)); ok {
		t.Error("an escaped text accepted")
	}
	if _, ok := textField([]byte(`{"name":"x"}`)); ok {
		t.Error("a frame without text accepted")
	}
}

func TestBitsetDuplicates(t *testing.T) {
	var b bitset
	if b.set(0) || b.set(200) || b.set(63) {
		t.Fatal("first receipt reported as a duplicate")
	}
	if !b.set(200) || !b.set(0) {
		t.Fatal("second receipt not reported as a duplicate")
	}
	if b.set(64) {
		t.Fatal("64 shares a bit with 0 or 63")
	}
}

func TestCentrifugoConfig(t *testing.T) {
	b, err := centrifugoConfig(18100, "s3cret", "k3y")
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		HTTPServer struct{ Address, Port string } `json:"http_server"`
		Client     struct {
			Token struct {
				HMACSecretKey string `json:"hmac_secret_key"`
			}
		}
		HTTPAPI struct{ Key string } `json:"http_api"`
		Channel struct {
			WithoutNamespace struct {
				AllowSubscribeForClient bool `json:"allow_subscribe_for_client"`
			} `json:"without_namespace"`
		}
	}
	if err := json.Unmarshal(b, &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.HTTPServer.Address != "127.0.0.1" || cfg.HTTPServer.Port != "18100" || cfg.Client.Token.HMACSecretKey != "s3cret" ||
		cfg.HTTPAPI.Key != "k3y" || !cfg.Channel.WithoutNamespace.AllowSubscribeForClient {
		t.Errorf("config %s", b)
	}
	for _, bad := range [][3]any{{0, "s", "k"}, {70000, "s", "k"}, {1, "", "k"}, {1, "s", ""}} {
		if _, err := centrifugoConfig(bad[0].(int), bad[1].(string), bad[2].(string)); err == nil {
			t.Errorf("config %v accepted", bad)
		}
	}
	tok, err := centrifugoToken("s3cret", "u7", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	claims := jwt.MapClaims{}
	if _, err := jwt.ParseWithClaims(tok, claims, func(*jwt.Token) (any, error) { return []byte("s3cret"), nil },
		jwt.WithValidMethods([]string{"HS256"})); err != nil || claims["sub"] != "u7" {
		t.Errorf("token %s: %v %v", tok, err, claims)
	}
}

func TestTable(t *testing.T) {
	rs := []result{
		{Target: "parley", Scenario: "fanout", Conns: 1000, Rate: 100, P50ms: 10, P99ms: 40, Expected: 100, Delivered: 100, CPUPerMsgUs: 11, CPUShare: 0.5, FrameBytes: 409, Closes: map[string]int{"1008": 2}},
		{Target: "parley", Scenario: "fanout", Conns: 1000, Rate: 100, P50ms: 30, P99ms: 60, Expected: 100, Delivered: 90, Lost: 10, CPUPerMsgUs: 12, CPUShare: 0.6, FrameBytes: 409},
		{Target: "parley", Scenario: "fanout", Conns: 1000, Rate: 100, P50ms: 20, P99ms: 50, Expected: 100, Delivered: 100, CPUPerMsgUs: 13, CPUShare: 0.7, FrameBytes: 409},
		{Target: "centrifugo", Scenario: "idle", Conns: 10000, RSSPerConnKiB: 48},
		{Target: "centrifugo", Scenario: "fanout", Conns: 1000, Rate: 100, P50ms: 24, P99ms: 1300, MaxMs: 4600, Expected: 100, Delivered: 100},
	}
	out := table(rs)
	for _, want := range []string{
		"| fan-out, 1000 members of one group × 100 msg/s: p50 / p99 | 20.0 ms / 50.0 ms",
		"lost 0 of 100; closes over all runs: 2× 1008 [3 run(s)",
		"| fan-out: CPU per delivered message | 12.0 µs (60 % of a core; waiting for a CPU 0 % of the time; load client 0 % of its core) | 0.0 µs",
		"| frame size of one 100-byte message | 409 B | 0 B |",
		"| 24.0 ms / 1.3 s (max 4.6 s); lost 0 of 100 [1 run(s)",
		"| idle authenticated WebSocket, RSS per connection at 10000 | — | 48.0 KiB",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "rooms") {
		t.Errorf("table has a row for a scenario not run:\n%s", out)
	}
}

func TestParseSchedWait(t *testing.T) {
	if got := parseSchedWait([]byte("5402163 123456789 42\n")); got != 123456789 {
		t.Errorf("wait = %d", got)
	}
	if got := parseSchedWait([]byte("garbage")); got != 0 {
		t.Errorf("wait of garbage = %d", got)
	}
}
