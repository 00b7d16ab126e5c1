// FROZEN: the generated code of plugin protocol version 1, as sdk/pluginpb
// was before version 2; see ../frozen.go. Never regenerate or edit it.

package pluginpb
