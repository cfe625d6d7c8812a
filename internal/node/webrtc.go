package node

import (
	"context"
	"fmt"
	"net"
	"strings"

	"github.com/parleychat/parley/internal/registry"
	"github.com/parleychat/parley/internal/registry/redisregistry"
	"github.com/parleychat/parley/internal/rpcauth"
	"github.com/parleychat/parley/internal/rtcgateway"
	"github.com/parleychat/parley/internal/sfu"
)

// startWebRTC runs the SFU: media on rtc_udp_addr, memberships from the
// group role, the groups topic (broadcast), the calls topic, and the
// registry, where it announces webrtc.internal_url. Its internal endpoint
// (for gateways of other processes) is mounted under /internal/v1/calls/
// and needs the internal secret.
func startWebRTC(n *Node) error {
	ctx := n.bgCtx
	bus, err := n.Bus(ctx)
	if err != nil {
		return err
	}
	members, err := n.Memberships(ctx)
	if err != nil {
		return err
	}
	reg, err := n.Registry(ctx)
	if err != nil {
		return err
	}
	publicIPs, err := n.cfg.RTCPublicIPs()
	if err != nil {
		return err
	}
	internalURL, err := n.sfuInternalURL()
	if err != nil {
		return err
	}
	srv, err := sfu.NewServer(sfu.Config{
		Bus: bus, Members: members, Registry: reg,
		UDPAddr: n.cfg.RTCUDPAddr, PublicIPs: publicIPs, ICEServers: stunServers(n.cfg.ICEServers),
		TURN:        sfu.TURN{URLs: splitTrim(n.cfg.TURNURLs), Secret: []byte(n.cfg.TURNSecret), TTL: n.cfg.TURNTTL},
		InternalURL: internalURL, MaxParticipants: int(n.cfg.CallMaxParticipants), MaxCalls: int(n.cfg.CallMaxCalls),
		Logger: n.log.With("role", "webrtc"),
	})
	if err != nil {
		return err
	}
	n.onClose(srv.Close)
	if err := srv.Start(ctx); err != nil {
		return err
	}
	// Like internal RPC (mountRPC): behind the secret, and not served at
	// all without one (embedded mode: the gateway is in-process).
	if secret := []byte(n.cfg.InternalSecret); len(secret) > 0 {
		n.mux.Handle(sfu.InternalPrefix, rpcauth.Guard(secret, srv.InternalHandler(secret)))
	} else if !n.runsEveryRole() {
		n.log.Warn("the SFU's internal endpoint is not served: set internal_secret so that gateways in other processes can reach it")
	}
	n.onDrain(srv.Shutdown)
	n.log.Info("webrtc media", "udp", srv.UDPAddr(), "internal_url", internalURL)
	n.mu.Lock()
	n.sfu = srv
	n.mu.Unlock()
	return nil
}

// stunServers turns ice_servers into joined.iceServers entries.
func stunServers(list string) []sfu.ICEServer {
	out := []sfu.ICEServer{}
	for _, u := range splitTrim(list) {
		out = append(out, sfu.ICEServer{URLs: []string{u}})
	}
	return out
}

func splitTrim(list string) []string {
	var out []string
	for _, s := range strings.Split(list, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// sfuInternalURL is webrtc.internal_url, or http://127.0.0.1:<port of
// addr> (enough when gateways run on the same host).
func (n *Node) sfuInternalURL() (string, error) {
	if n.cfg.WebRTCInternalURL != "" {
		return n.cfg.WebRTCInternalURL, nil
	}
	_, port, err := net.SplitHostPort(n.cfg.Addr)
	if err != nil {
		return "", fmt.Errorf("addr (PARLEY_ADDR): %q is not host:port", n.cfg.Addr)
	}
	return "http://" + net.JoinHostPort("127.0.0.1", port), nil
}

// startGateway mounts the public call routes. Rooms placed on this
// process's SFU (when it runs one) are reached in-process, others over
// their SFU's internal endpoint.
func startGateway(n *Node) error {
	ctx := n.bgCtx
	verifier, err := n.Verifier(ctx)
	if err != nil {
		return err
	}
	members, err := n.Memberships(ctx)
	if err != nil {
		return err
	}
	reg, err := n.Registry(ctx)
	if err != nil {
		return err
	}
	n.mu.Lock()
	local := n.sfu
	n.mu.Unlock()
	gw, err := rtcgateway.New(rtcgateway.Config{
		Verify: verifier.Verify, Require: verifier.Require, Members: members, Registry: reg,
		Local: local, Secret: []byte(n.cfg.InternalSecret), HTTPClient: rpcHTTPClient, PublicURL: n.cfg.PublicURL,
		Logger: n.log.With("role", "webrtc-gateway"),
	})
	if err != nil {
		return err
	}
	gw.Register(n.mux)
	n.onDrain(gw.Shutdown)
	return nil
}

// Registry returns the SFU registry (registry_url), opening it on first
// use.
func (n *Node) Registry(ctx context.Context) (registry.Registry, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.registry != nil {
		return n.registry, nil
	}
	u, err := parseURL("registry_url", n.cfg.RegistryURL)
	if err != nil {
		return nil, err
	}
	switch u.Scheme {
	case "mem":
		n.registry = registry.NewMemory(0)
	case "redis":
		r, err := redisregistry.Open(ctx, n.cfg.RegistryURL, 0)
		if err != nil {
			return nil, fmt.Errorf("registry_url: %w", err)
		}
		n.closers = append(n.closers, r.Close)
		n.registry = r
	default:
		return nil, unknownScheme("registry_url", u.Scheme, "mem", "redis")
	}
	n.health.Add("registry", n.registry.Ping)
	return n.registry, nil
}
