package sfu

import (
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/nack"
	"github.com/pion/interceptor/pkg/report"
	"github.com/pion/interceptor/pkg/twcc"
	"github.com/pion/logging"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
)

// Codecs the SFU negotiates: one per kind, so that every publisher's track
// can be forwarded to every subscriber as it is. Every browser sends and
// receives Opus and VP8.
var (
	opusCodec = webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{
			MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2, SDPFmtpLine: "minptime=10;useinbandfec=1",
		},
		PayloadType: 111,
	}
	vp8Codec = webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{
			MimeType: webrtc.MimeTypeVP8, ClockRate: 90000,
			RTCPFeedback: []webrtc.RTCPFeedback{{Type: "goog-remb"}, {Type: "ccm", Parameter: "fir"}},
		},
		PayloadType: 96,
	}
)

// media is the pion side of an SFU: one API (codecs, interceptors,
// settings) shared by every PeerConnection, all of them on one UDP socket.
type media struct {
	api  *webrtc.API
	conn net.PacketConn
	mux  ice.UDPMux
}

// mediaConfig says where media flows.
type mediaConfig struct {
	// UDPAddr is the single UDP address every PeerConnection uses
	// (rtc_udp_addr); port 0 picks a free port.
	UDPAddr string
	// PublicIPs replace the host addresses in the SFU's candidates
	// (rtc_public_ip), for an SFU behind a 1:1 NAT.
	PublicIPs []string
	Logger    *slog.Logger
}

// newMedia opens the UDP socket and builds the API. Close closes the
// socket.
func newMedia(cfg mediaConfig) (*media, error) {
	// pion logs its own errors (most are a peer going away) into ours, at
	// debug level.
	lf := logging.NewDefaultLoggerFactory()
	lf.DefaultLogLevel = logging.LogLevelWarn
	lf.Writer = debugWriter{cfg.Logger}

	me := &webrtc.MediaEngine{}
	if err := me.RegisterCodec(opusCodec, webrtc.RTPCodecTypeAudio); err != nil {
		return nil, err
	}
	if err := me.RegisterCodec(vp8Codec, webrtc.RTPCodecTypeVideo); err != nil {
		return nil, err
	}
	// Simulcast (mid, rid and repaired-rid header extensions on video)
	// and the audio level of each packet (active speaker).
	if err := webrtc.ConfigureSimulcastExtensionHeaders(me); err != nil {
		return nil, err
	}
	if err := me.RegisterHeaderExtension(webrtc.RTPHeaderExtensionCapability{URI: sdp.AudioLevelURI}, webrtc.RTPCodecTypeAudio); err != nil {
		return nil, err
	}
	ir := &interceptor.Registry{}
	// NACK: pion's generator towards publishers (ask for lost packets);
	// towards subscribers the downtracks answer NACKs themselves from the
	// packets they last sent (downtrack.resend), sharing them instead of
	// keeping a copy per subscriber as pion's responder would. Sender and
	// receiver reports; TWCC feedback to publishers (their bandwidth
	// estimation) and transport-wide sequence numbers on what we send.
	// Nothing here reads the subscribers' TWCC feedback, but the numbers
	// must stay: without them a browser falls back to receive-side
	// estimation and sends REMB, which starts low and ramps slowly, and
	// the layer choice (which heeds REMB) kept subscribers on the lowest
	// simulcast layer (e2e calls-grid). Stats and simulcast headers are
	// left out.
	me.RegisterFeedback(webrtc.RTCPFeedback{Type: "nack"}, webrtc.RTPCodecTypeVideo)
	me.RegisterFeedback(webrtc.RTCPFeedback{Type: "nack", Parameter: "pli"}, webrtc.RTPCodecTypeVideo)
	generator, err := nack.NewGeneratorInterceptor(nack.WithGeneratorLoggerFactory(lf))
	if err != nil {
		return nil, err
	}
	ir.Add(generator)
	if err := webrtc.ConfigureRTCPReportsWithOptions(ir, []report.ReceiverOption{report.WithReceiverLoggerFactory(lf)}, report.WithSenderLoggerFactory(lf)); err != nil {
		return nil, err
	}
	if err := webrtc.ConfigureTWCCSenderWithOptions(me, ir, twcc.WithLoggerFactory(lf)); err != nil {
		return nil, err
	}
	if err := webrtc.ConfigureTWCCHeaderExtensionSender(me, ir); err != nil {
		return nil, err
	}

	conn, err := net.ListenPacket("udp", cfg.UDPAddr)
	if err != nil {
		return nil, fmt.Errorf("sfu: listen on udp %s: %w", cfg.UDPAddr, err)
	}
	mux := ice.NewUDPMuxDefault(ice.UDPMuxParams{UDPConn: conn, Logger: lf.NewLogger("udpmux")})

	se := webrtc.SettingEngine{LoggerFactory: lf}
	se.SetICEUDPMux(mux)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4, webrtc.NetworkTypeUDP6})
	// Disconnected after 5 s without traffic, failed after 15 s more.
	se.SetICETimeouts(5*time.Second, 15*time.Second, 2*time.Second)
	if host, _, _ := net.SplitHostPort(conn.LocalAddr().String()); isLoopback(host) {
		// Bound to loopback (tests, a one-machine dev setup): without
		// loopback candidates pion would offer none.
		se.SetIncludeLoopbackCandidate(true)
	}
	if len(cfg.PublicIPs) > 0 {
		if err := se.SetICEAddressRewriteRules(webrtc.ICEAddressRewriteRule{
			External: cfg.PublicIPs, AsCandidateType: webrtc.ICECandidateTypeHost, Mode: webrtc.ICEAddressRewriteReplace,
		}); err != nil {
			conn.Close()
			return nil, fmt.Errorf("sfu: rtc_public_ip: %w", err)
		}
	}
	// No mDNS: the SFU's candidates are plain addresses.
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)

	api := webrtc.NewAPI(webrtc.WithMediaEngine(me), webrtc.WithInterceptorRegistry(ir), webrtc.WithSettingEngine(se))
	return &media{api: api, conn: conn, mux: mux}, nil
}

// UDPAddr is the address media arrives at.
func (m *media) UDPAddr() net.Addr { return m.conn.LocalAddr() }

func (m *media) Close() error {
	err := m.mux.Close()
	m.conn.Close()
	return err
}

// debugWriter turns pion's log lines into debug records.
type debugWriter struct{ log *slog.Logger }

func (w debugWriter) Write(b []byte) (int, error) {
	if w.log != nil {
		w.log.Debug("pion", "msg", strings.TrimSpace(string(b)))
	}
	return len(b), nil
}

func isLoopback(host string) bool {
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
