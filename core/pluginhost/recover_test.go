package pluginhost

import (
	"context"
	"testing"

	"github.com/hashicorp/go-hclog"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// A Host API handler that panics fails its call with codes.Internal; the
// process goes on.
func TestHostCallPanicFailsTheCall(t *testing.T) {
	intercept := recoverCalls(hclog.NewNullLogger())
	info := &grpc.UnaryServerInfo{FullMethod: "/salon.Host/Send"}
	_, err := intercept(context.Background(), nil, info, func(context.Context, any) (any, error) {
		panic("a bug in a host call")
	})
	if status.Code(err) != codes.Internal {
		t.Fatalf("a panicking handler returned %v, want codes.Internal", err)
	}
	resp, err := intercept(context.Background(), nil, info, func(context.Context, any) (any, error) { return "ok", nil })
	if err != nil || resp != "ok" {
		t.Fatalf("a good handler through the interceptor: %v, %v", resp, err)
	}
}
