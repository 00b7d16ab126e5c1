// FROZEN: sdk/internal/rules as it was before plugin protocol version 2;
// see ../../frozen.go. Never edit it.

package rules
