package server_test

import (
	"os"
	"testing"

	"github.com/salon-chat/salon/core/server/servertest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	servertest.RemoveBinary()
	os.Exit(code)
}
