// FROZEN: do not edit anything under internal/sdkv1.
//
// This is the plugin SDK (sdk/, with sdk/pluginpb and sdk/internal/rules)
// exactly as it was when salond spoke only version 1 of the plugin
// protocol, copied before version 2 was added; only the import paths were
// changed, to point inside this copy. The tests build a plugin binary
// against it (core/server/testdata/plugins/oldsdk) to prove that salond
// still runs a plugin built against the previous SDK: any change here
// would make that test prove something about a plugin nobody ever built.
// It still imports core/wire (for ValidText and FoldPseudo), the protocol's
// leaf package, as the old SDK did.
//
// It is never linked into salond or beside sdk/pluginpb: both register the
// same protobuf names, which would conflict in one binary.

package sdk
