package config

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Config is the whole configuration of a Parley process. The zero-config
// defaults are the embedded mode: every adapter in-process or on local disk
// under DataDir.
//
// Each field carries its key (a YAML path; the environment variable is
// PARLEY_ + the key upper-cased with '.' → '_', the flag is the key with
// '.' and '_' → '-'), its default, a help line, and for URLs the schemes
// that internal/node knows how to open.
type Config struct {
	Roles string `key:"roles" default:"all" help:"comma list of roles this process runs (all, or: user,email,token,group,message,ws,search,webrtc,webrtc-gateway,web)"`
	Addr  string `key:"addr" default:":8080" help:"HTTP listen address (API, WebSocket, web, internal RPC)"`
	// MetricsAddr is the admin listener: keep it off the public network.
	MetricsAddr string `key:"metrics_addr" default:"" help:"listen address of the admin endpoints (/metrics, /readyz with each check's error, /healthz), e.g. 127.0.0.1:9090; empty: not served. Keep it off the public network"`
	PublicURL   string `key:"public_url" default:"http://localhost:8080" help:"URL users reach; mail links and cookie Secure follow it" schemes:"http,https"`
	DataDir     string `key:"data_dir" default:"./data" help:"where embedded adapters keep their files"`

	UserDatabaseURL    string `key:"user.database_url" default:"sqlite://{data}/user.db" help:"SQL store of the user role" schemes:"sqlite,mysql"`
	GroupDatabaseURL   string `key:"group.database_url" default:"sqlite://{data}/group.db" help:"SQL store of the group role" schemes:"sqlite,mysql"`
	MessageDatabaseURL string `key:"message.database_url" default:"sqlite://{data}/message.db" help:"SQL store of the message role" schemes:"sqlite,mysql"`

	EventsURL     string `key:"events_url" default:"mem://" help:"event bus" schemes:"mem,kafka"`
	BlobURL       string `key:"blob_url" default:"file://{data}/blobs" help:"object storage for pictures and files" schemes:"file,s3"`
	TokenStoreURL string `key:"token_store_url" default:"sqlite://{data}/token.db" help:"refresh-token families and signing keys" schemes:"sqlite,mysql,redis"`
	SearchURL     string `key:"search_url" default:"bleve://{data}/search" help:"user and message search indexes" schemes:"bleve,elasticsearch"`
	MailURL       string `key:"mail_url" default:"log://" help:"outgoing mail" schemes:"log,smtp"`
	RegistryURL   string `key:"registry_url" default:"mem://" help:"SFU registry and room placement" schemes:"mem,redis"`
	RateLimitURL  string `key:"ratelimit_url" default:"mem://" help:"abuse-limit counters (redis: shared by every instance)" schemes:"mem,redis"`
	MailFrom      string `key:"mail_from" default:"Parley <no-reply@localhost>" help:"From address of outgoing mail"`

	UserURL    string `key:"user_url" default:"" help:"where the user role is reached when not in this process (empty: in-process)" schemes:"http,https"`
	TokenURL   string `key:"token_url" default:"" help:"where the token role is reached when not in this process (empty: in-process)" schemes:"http,https"`
	EmailURL   string `key:"email_url" default:"" help:"where the email role is reached when not in this process (empty: in-process)" schemes:"http,https"`
	GroupURL   string `key:"group_url" default:"" help:"where the group role is reached when not in this process (empty: in-process)" schemes:"http,https"`
	MessageURL string `key:"message_url" default:"" help:"where the message role is reached when not in this process (empty: in-process)" schemes:"http,https"`

	MaxUploadBytes    int64         `key:"message.max_upload_bytes" default:"26214400" help:"largest file a message may carry, in bytes"`
	UserUploadQuota   int64         `key:"message.user_upload_bytes_per_day" default:"1073741824" help:"bytes of files one user may upload in 24 hours"`
	GroupUploadQuota  int64         `key:"message.group_storage_bytes" default:"10737418240" help:"bytes of files one group may store"`
	MessageEditWindow time.Duration `key:"message.edit_window" default:"0" help:"how long after sending its author may edit a message (0: no limit)"`

	TrustedProxies string `key:"trusted_proxies" default:"127.0.0.0/8,::1/128" help:"comma list of networks whose X-Forwarded-For is believed (the ingress); the client address feeds rate limits"`

	InternalSecret string `key:"internal_secret" default:"" secret:"true" help:"shared secret (at least 16 characters) that authenticates internal RPC between roles; required when roles run in separate processes, and without it no internal RPC is served"`

	RTCUDPAddr          string        `key:"rtc_udp_addr" default:":50000" help:"the SFU's single UDP port for media (host:port; port 0 picks a free one)"`
	RTCPublicIP         string        `key:"rtc_public_ip" default:"" help:"comma list of public IPs the SFU advertises in its ICE candidates instead of its own (1:1 NAT, e.g. a cloud VM's public address)"`
	ICEServers          string        `key:"ice_servers" default:"" help:"comma list of STUN URLs handed to call clients (TURN goes in turn_urls: never a static TURN password)"`
	TURNURLs            string        `key:"turn_urls" default:"" help:"comma list of TURN URLs (turn:host:3478?transport=udp, turns:host:5349) handed to call clients with time-limited credentials"`
	TURNSecret          string        `key:"turn_secret" default:"" secret:"true" help:"the TURN server's shared secret (coturn use-auth-secret / static-auth-secret); credentials are minted from it per join"`
	TURNTTL             time.Duration `key:"turn_ttl" default:"12h" help:"how long minted TURN credentials stay valid"`
	WebRTCInternalURL   string        `key:"webrtc.internal_url" default:"" help:"where gateways reach this SFU's internal endpoint (empty: http://127.0.0.1:<port of addr>, enough on one host)" schemes:"http,https"`
	CallMaxParticipants int64         `key:"webrtc.max_participants" default:"50" help:"participants one call may hold"`
	CallMaxCalls        int64         `key:"webrtc.max_calls" default:"1000" help:"calls one SFU process hosts at most"`

	LogFormat       string        `key:"log.format" default:"text" help:"log format: text or json" enum:"text,json"`
	LogLevel        string        `key:"log.level" default:"info" help:"log level: debug, info, warn or error" enum:"debug,info,warn,error"`
	ShutdownTimeout time.Duration `key:"shutdown_timeout" default:"15s" help:"how long a stopping process drains connections and events"`
}

// MinInternalSecretLen is the shortest internal_secret accepted (the
// same as rpcauth.MinSecretLen): it is the only credential between roles.
const MinInternalSecretLen = 16

// Field describes one configuration key.
type Field struct {
	Key, Env, Flag, Default, Help string
	Schemes, Enum                 []string
	Secret                        bool
	index                         int
}

// Fields lists every key in declaration order.
func Fields() []Field {
	t := reflect.TypeFor[Config]()
	out := make([]Field, 0, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		key := f.Tag.Get("key")
		out = append(out, Field{
			Key:     key,
			Env:     "PARLEY_" + strings.ToUpper(strings.ReplaceAll(key, ".", "_")),
			Flag:    strings.NewReplacer(".", "-", "_", "-").Replace(key),
			Default: f.Tag.Get("default"),
			Help:    f.Tag.Get("help"),
			Schemes: splitList(f.Tag.Get("schemes")),
			Enum:    splitList(f.Tag.Get("enum")),
			Secret:  f.Tag.Get("secret") == "true",
			index:   i,
		})
	}
	return out
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// Get returns the value of a key as text.
func (c *Config) Get(key string) string {
	for _, f := range Fields() {
		if f.Key == key {
			v := reflect.ValueOf(c).Elem().Field(f.index)
			if d, ok := v.Interface().(time.Duration); ok {
				return d.String()
			}
			if v.Kind() == reflect.Int64 {
				return strconv.FormatInt(v.Int(), 10)
			}
			return v.String()
		}
	}
	return ""
}

// Set sets a key from text, as a flag would (the value is not resolved or
// validated; call Validate after).
func (c *Config) Set(key, text string) error {
	for _, f := range Fields() {
		if f.Key == key {
			return c.set(f, text)
		}
	}
	return fmt.Errorf("unknown key %q", key)
}

// set parses text into the field.
func (c *Config) set(f Field, text string) error {
	v := reflect.ValueOf(c).Elem().Field(f.index)
	if v.Kind() == reflect.Int64 && v.Type() != reflect.TypeFor[time.Duration]() {
		n, err := strconv.ParseInt(text, 10, 64)
		if err != nil || n <= 0 {
			return fmt.Errorf("%s: %q is not a positive whole number", f.Key, text)
		}
		v.SetInt(n)
		return nil
	}
	if v.Type() == reflect.TypeFor[time.Duration]() {
		d, err := time.ParseDuration(text)
		if err != nil || d < 0 {
			return fmt.Errorf("%s: %q is not a duration (e.g. 15s)", f.Key, text)
		}
		v.SetInt(int64(d))
		return nil
	}
	v.SetString(text)
	return nil
}

// Default returns the embedded-mode configuration.
func Default() *Config {
	c := &Config{}
	for _, f := range Fields() {
		if err := c.set(f, f.Default); err != nil {
			panic(err)
		}
	}
	c.resolve()
	return c
}

// resolve replaces {data} in URL values by the data directory.
func (c *Config) resolve() {
	v := reflect.ValueOf(c).Elem()
	for _, f := range Fields() {
		fv := v.Field(f.index)
		if fv.Kind() == reflect.String && strings.Contains(fv.String(), "{data}") {
			fv.SetString(strings.ReplaceAll(fv.String(), "{data}", filepath.ToSlash(filepath.Clean(c.DataDir))))
		}
	}
}

// Validate checks every value: URLs parse and use a known scheme, enums
// hold one of their values, roles are known. Each error names its key.
func (c *Config) Validate() error {
	var problems []string
	for _, f := range Fields() {
		val := c.Get(f.Key)
		if len(f.Enum) > 0 && !slices.Contains(f.Enum, val) {
			problems = append(problems, fmt.Sprintf("%s (%s): %q is not one of %s", f.Key, f.Env, val, strings.Join(f.Enum, ", ")))
		}
		if len(f.Schemes) == 0 || val == "" {
			continue
		}
		u, err := url.Parse(val)
		if err != nil || u.Scheme == "" {
			problems = append(problems, fmt.Sprintf("%s (%s): %q is not a URL (valid schemes: %s)", f.Key, f.Env, Redact(val), strings.Join(f.Schemes, ", ")))
			continue
		}
		if !slices.Contains(f.Schemes, u.Scheme) {
			problems = append(problems, fmt.Sprintf("%s (%s): unknown scheme %q (valid schemes: %s)", f.Key, f.Env, u.Scheme, strings.Join(f.Schemes, ", ")))
		}
	}
	if _, err := ParseRoles(c.Roles); err != nil {
		problems = append(problems, fmt.Sprintf("roles (PARLEY_ROLES): %v", err))
	}
	if _, err := c.TrustedProxyPrefixes(); err != nil {
		problems = append(problems, fmt.Sprintf("trusted_proxies (PARLEY_TRUSTED_PROXIES): %v", err))
	}
	if c.Addr == "" {
		problems = append(problems, "addr (PARLEY_ADDR): must not be empty")
	}
	if c.InternalSecret != "" && len(c.InternalSecret) < MinInternalSecretLen {
		problems = append(problems, fmt.Sprintf("internal_secret (PARLEY_INTERNAL_SECRET): must be at least %d characters", MinInternalSecretLen))
	}
	if _, _, err := net.SplitHostPort(c.RTCUDPAddr); err != nil {
		problems = append(problems, fmt.Sprintf("rtc_udp_addr (PARLEY_RTC_UDP_ADDR): %q is not host:port (e.g. :50000)", c.RTCUDPAddr))
	}
	for _, u := range splitList(c.ICEServers) {
		if u = strings.TrimSpace(u); !strings.HasPrefix(u, "stun:") && !strings.HasPrefix(u, "stuns:") {
			problems = append(problems, fmt.Sprintf("ice_servers (PARLEY_ICE_SERVERS): %q is not a stun: URL (TURN servers go in turn_urls, with turn_secret)", u))
		}
	}
	for _, u := range splitList(c.TURNURLs) {
		if u = strings.TrimSpace(u); !strings.HasPrefix(u, "turn:") && !strings.HasPrefix(u, "turns:") {
			problems = append(problems, fmt.Sprintf("turn_urls (PARLEY_TURN_URLS): %q is not a turn: or turns: URL", u))
		}
	}
	if (c.TURNURLs == "") != (c.TURNSecret == "") {
		problems = append(problems, "turn_urls (PARLEY_TURN_URLS) and turn_secret (PARLEY_TURN_SECRET) go together: TURN credentials are minted from the secret")
	}
	if _, err := c.RTCPublicIPs(); err != nil {
		problems = append(problems, fmt.Sprintf("rtc_public_ip (PARLEY_RTC_PUBLIC_IP): %v", err))
	}
	if len(problems) > 0 {
		return fmt.Errorf("invalid configuration:\n  %s", strings.Join(problems, "\n  "))
	}
	return nil
}

// Redact hides the password of a URL (user:xxxxx@host); other text is
// returned as is. A value that does not parse as a URL with a password,
// yet has "user:…@" after its scheme (a password with a space or a "/"
// that was not escaped, say), has everything between "://" and its last
// "@" hidden: the password is in there, where the parser could not find
// it.
func Redact(raw string) string {
	u, err := url.Parse(raw)
	if err == nil && u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
			return u.String()
		}
	}
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return raw
	}
	if at := strings.LastIndex(rest, "@"); at >= 0 && strings.Contains(rest[:at], ":") {
		return scheme + "://xxxxx" + rest[at:]
	}
	return raw
}

// Markdown renders the configuration reference as a Markdown table; the
// README embeds it and a test keeps the two in sync.
func Markdown() string {
	var b strings.Builder
	b.WriteString("| key (YAML) | environment | flag | default | meaning |\n|---|---|---|---|---|\n")
	for _, f := range Fields() {
		def := f.Default
		if def == "" {
			def = "(empty)"
		}
		help := f.Help
		if len(f.Schemes) > 0 {
			help += " — schemes: " + strings.Join(f.Schemes, ", ")
		}
		fmt.Fprintf(&b, "| `%s` | `%s` | `--%s` | `%s` | %s |\n", f.Key, f.Env, f.Flag, def, help)
	}
	return b.String()
}

// RTCPublicIPs parses rtc_public_ip.
func (c *Config) RTCPublicIPs() ([]string, error) {
	var out []string
	for _, p := range splitList(c.RTCPublicIP) {
		ip, err := netip.ParseAddr(strings.TrimSpace(p))
		if err != nil {
			return nil, fmt.Errorf("%q is not an IP address", p)
		}
		out = append(out, ip.String())
	}
	return out, nil
}

// TrustedProxyPrefixes parses trusted_proxies.
func (c *Config) TrustedProxyPrefixes() ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, p := range splitList(c.TrustedProxies) {
		pre, err := netip.ParsePrefix(strings.TrimSpace(p))
		if err != nil {
			return nil, fmt.Errorf("%q is not a network (e.g. 10.0.0.0/8)", p)
		}
		out = append(out, pre)
	}
	return out, nil
}
