package call

import (
	"fmt"

	"github.com/hashicorp/go-hclog"
	"github.com/pion/logging"
)

// pionLogs routes pion's logs into the unit's hclog logger, one level
// down: pion warns about things that are ordinary for a server (a peer that
// went away mid-packet, a stream closed twice), and the unit logs what
// matters about a peer itself.
type pionLogs struct{ log hclog.Logger }

func (f pionLogs) NewLogger(scope string) logging.LeveledLogger {
	return pionLog{f.log.Named(scope)}
}

type pionLog struct{ log hclog.Logger }

func (l pionLog) Trace(msg string) { l.log.Trace(msg) }
func (l pionLog) Tracef(format string, args ...any) {
	if l.log.IsTrace() {
		l.log.Trace(fmt.Sprintf(format, args...))
	}
}
func (l pionLog) Debug(msg string) { l.log.Trace(msg) }
func (l pionLog) Debugf(format string, args ...any) {
	if l.log.IsTrace() {
		l.log.Trace(fmt.Sprintf(format, args...))
	}
}
func (l pionLog) Info(msg string) { l.log.Debug(msg) }
func (l pionLog) Infof(format string, args ...any) {
	if l.log.IsDebug() {
		l.log.Debug(fmt.Sprintf(format, args...))
	}
}
func (l pionLog) Warn(msg string) { l.log.Debug(msg) }
func (l pionLog) Warnf(format string, args ...any) {
	if l.log.IsDebug() {
		l.log.Debug(fmt.Sprintf(format, args...))
	}
}
func (l pionLog) Error(msg string)                  { l.log.Warn(msg) }
func (l pionLog) Errorf(format string, args ...any) { l.log.Warn(fmt.Sprintf(format, args...)) }
