// Command salond is the Salon chat server.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"
	"golang.org/x/term"

	"github.com/salon-chat/salon/config"
	"github.com/salon-chat/salon/core/server"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	os.Exit(run(os.Args[1:], consoleInput(), os.Stderr))
}

func run(args []string, stdin *os.File, stderr io.Writer) int {
	fs := flag.NewFlagSet("salond", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configFile := fs.String("config", "", "HCL configuration `file` (defaults apply without one)")
	listen := fs.String("listen", "", "listen on `address` (overrides the file)")
	dataDir := fs.String("data", "", "data `folder` (overrides the file)")
	console := fs.Bool("console", false, "read console commands (EXT) from standard input even when it is not a terminal")
	showVersion := fs.Bool("version", false, "print the version and exit")
	pprofAddr := fs.String("pprof", "", "serve Go's profiler (net/http/pprof) on this loopback `address`, for performance work")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *showVersion {
		fmt.Fprintln(stderr, "salond", version)
		return 0
	}

	cfg := config.Default()
	if *configFile != "" {
		var err error
		if cfg, err = config.Load(*configFile); err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
	}
	if *listen != "" {
		cfg.Listen = *listen
	}
	if *dataDir != "" {
		cfg.DataDir = *dataDir
	}

	log := hclog.New(&hclog.LoggerOptions{
		Name:       "salond",
		Level:      hclog.LevelFromString(cfg.Log.Level),
		JSONFormat: cfg.Log.Format == "json",
		Output:     stderr,
	})
	if *pprofAddr != "" {
		if err := servePprof(*pprofAddr); err != nil {
			log.Error("cannot serve the profiler", "error", err)
			return 1
		}
	}
	srv, err := server.Start(cfg, log)
	if err != nil {
		log.Error("cannot start", "error", err)
		return 1
	}
	log.Info("listening", "addr", srv.Addr().String(), "data", cfg.DataDir, "version", version)
	if a := srv.WebAddr(); a != nil {
		scheme := "http"
		if cfg.TLS.Cert != "" {
			scheme = "https"
		}
		log.Info("serving the web client", "url", scheme+"://"+a.String())
	}

	stop := make(chan string, 1)
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	go func() { stop <- (<-signals).String() }()
	reload := func() {
		if *configFile == "" {
			log.Info("no configuration file to reload")
			return
		}
		next, err := config.Load(*configFile)
		if err != nil {
			log.Error("configuration not reloaded", "error", err)
			return
		}
		if srv.Reload(next) {
			log.Info("configuration reloaded: plugins updated")
		}
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	go func() {
		for range hup {
			reload()
		}
	}()
	if *console || isTerminal(stdin) {
		go readConsole(stdin, stop, reload, srv, stderr)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve() }()

	select {
	case why := <-stop:
		log.Info("stopping", "reason", why)
	case err := <-served:
		log.Error("accept loop ended", "error", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		log.Error("unclean stop", "error", err)
		return 1
	}
	log.Info("stopped")
	return 0
}

// readConsole reads operator commands: EXT stops the server, RELOAD reloads
// the configuration (as SIGHUP does), PLUGINS lists the plugins' states.
func readConsole(in io.Reader, stop chan<- string, reload func(), srv *server.Server, out io.Writer) {
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		switch cmd := strings.TrimSpace(sc.Text()); cmd {
		case "EXT":
			stop <- "EXT on the console"
			return
		case "RELOAD":
			reload()
		case "PLUGINS":
			list := srv.PluginStatus()
			if len(list) == 0 {
				fmt.Fprintln(out, "no plugins")
			}
			for _, p := range list {
				fmt.Fprintf(out, "%s\t%s\trestarts=%d\t%s\n", p.Name, p.State, p.Restarts, p.LastError)
			}
		case "":
		default:
			fmt.Fprintf(out, "unknown console command %q: EXT stops the server, RELOAD reloads the configuration, PLUGINS lists plugins\n", cmd)
		}
	}
}

// isTerminal reports whether f is a terminal, as the terminal driver
// answers: a character device is not enough (/dev/null is one, and salond
// started with it as standard input has no operator to read).
func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }
