package sdk

import "github.com/hashicorp/go-plugin"

// ProtocolVersion is the version of the plugin protocol (sdk/pluginpb) this
// SDK speaks, offered at go-plugin's handshake through VersionedPlugins.
// Version 2 added the kind of a hooked message (REPLY, EDIT) and Host.Kick
// and Host.Ban. salond serves versions 1 and 2, so plugins built with an
// older SDK keep running; a salond older than version 2 refuses a plugin
// built with this SDK at the handshake.
const ProtocolVersion = 2

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
