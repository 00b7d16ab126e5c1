package sdk

import "github.com/hashicorp/go-plugin"

// ProtocolVersion is the version of the plugin protocol (sdk/pluginpb). The
// host refuses a plugin built for another version.
const ProtocolVersion = 1

// Handshake is shared by salond and every plugin: go-plugin checks it before
// anything else, so a plugin binary run by hand says it must be started by
// salond instead of doing something surprising.
var Handshake = plugin.HandshakeConfig{
	ProtocolVersion:  ProtocolVersion,
	MagicCookieKey:   "SALON_PLUGIN",
	MagicCookieValue: "8d1f6c2e-salon-plugin",
}

// PluginName is the name of the one plugin interface in go-plugin's plugin
// map, on both sides.
const PluginName = "salon"
