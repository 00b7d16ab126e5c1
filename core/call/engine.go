package call

import (
	"fmt"
	"net"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/webrtc/v4"
)

// The codecs every participant must speak. A forwarding unit cannot
// translate, so one audio and one video codec keep every pair of
// participants compatible: opus, which every browser has, and VP8, which
// every browser has too (H264 is left out: a publisher picking it would
// leave out a subscriber without it).
var (
	opusCodec = webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{
			MimeType:    webrtc.MimeTypeOpus,
			ClockRate:   48000,
			Channels:    2,
			SDPFmtpLine: "minptime=10;useinbandfec=1",
		},
		PayloadType: 111,
	}
	vp8Codec = webrtc.RTPCodecParameters{
		RTPCodecCapability: webrtc.RTPCodecCapability{
			MimeType:  webrtc.MimeTypeVP8,
			ClockRate: 90000,
			RTCPFeedback: []webrtc.RTCPFeedback{
				{Type: "ccm", Parameter: "fir"},
			},
		},
		PayloadType: 96,
	}
)

// newMediaEngine registers the codecs and the interceptors that keep NACK
// and PLI feedback and RTCP reports working. (The simulcast header
// extensions and the stats interceptor of pion's defaults are left out: the
// unit forwards one encoding per track and counts for itself.)
func newMediaEngine() (*webrtc.MediaEngine, *interceptor.Registry, error) {
	m := &webrtc.MediaEngine{}
	if err := m.RegisterCodec(opusCodec, webrtc.RTPCodecTypeAudio); err != nil {
		return nil, nil, err
	}
	if err := m.RegisterCodec(vp8Codec, webrtc.RTPCodecTypeVideo); err != nil {
		return nil, nil, err
	}
	ir := &interceptor.Registry{}
	if err := webrtc.ConfigureNack(m, ir); err != nil {
		return nil, nil, err
	}
	if err := webrtc.ConfigureRTCPReports(ir); err != nil {
		return nil, nil, err
	}
	if err := webrtc.ConfigureTWCCSender(m, ir); err != nil {
		return nil, nil, err
	}
	return m, ir, nil
}

// newAPI is the pion API every peer connection of the unit is made from:
// ICE-lite, host candidates on the one muxed socket only.
func newAPI(cfg Config, network string, local *net.UDPAddr, mux ice.UDPMux, logs pionLogs) (*webrtc.API, error) {
	m, ir, err := newMediaEngine()
	if err != nil {
		return nil, fmt.Errorf("call: media engine: %w", err)
	}
	s := webrtc.SettingEngine{LoggerFactory: logs}
	s.SetLite(true)
	s.SetICEUDPMux(mux)
	// No multicast DNS: it would listen on 224.0.0.251 and announce
	// .local names a browser on another network cannot resolve.
	s.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	s.SetICETimeouts(cfg.iceDisconnected, cfg.iceFailed, cfg.iceDisconnected/3)
	if network == "udp6" {
		s.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4, webrtc.NetworkTypeUDP6})
	} else {
		s.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	}
	// A socket bound to a loopback address has only that address to give,
	// and pion leaves loopback out unless told to.
	if local.IP.IsLoopback() {
		s.SetIncludeLoopbackCandidate(true)
	}
	if cfg.PublicIP != "" {
		err := s.SetICEAddressRewriteRules(webrtc.ICEAddressRewriteRule{
			External:        []string{cfg.PublicIP},
			AsCandidateType: webrtc.ICECandidateTypeHost,
			Mode:            webrtc.ICEAddressRewriteReplace,
		})
		if err != nil {
			return nil, fmt.Errorf("call: public address %s: %w", cfg.PublicIP, err)
		}
	}
	return webrtc.NewAPI(
		webrtc.WithMediaEngine(m),
		webrtc.WithInterceptorRegistry(ir),
		webrtc.WithSettingEngine(s),
	), nil
}
