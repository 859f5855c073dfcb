package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/sipcorr/sipcorr/memstat"
	"github.com/sipcorr/sipcorr/report"
)

// memwatchPasswordEnv holds the basic-auth password for --rpc-user; a flag
// would show it in ps and shell history.
const memwatchPasswordEnv = "SIPCORR_RPC_PASSWORD"

// runMemwatch records the Kamailio's memory (pkg.stats, shmem, version) to
// a JSONL file that `analyze --memory` reads back. It appends, so a
// recorder restarted after a crash or a Kamailio restart continues the same
// file; memstat's reader splits segments at the restarts.
func runMemwatch(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet("memwatch", e)
	var (
		rpcURL   = fs.String("rpc", "", "Kamailio JSON-RPC URL (xhttp + jsonrpcs), e.g. http://127.0.0.1:4000/RPC (required)")
		interval = fs.Duration("interval", 10*time.Second, "poll interval")
		out      = fs.String("o", "", "append the recording to this file (default: stdout)")
		timeout  = fs.Duration("timeout", memstat.DefaultTimeout, "timeout of one RPC attempt")
		duration = fs.Duration("duration", 0, "stop after this long (default: until SIGINT/SIGTERM)")
		user     = fs.String("rpc-user", "", "basic-auth user (for a proxy in front of Kamailio); the password is read from $"+memwatchPasswordEnv)
		quiet    = fs.Bool("q", false, "no progress line per poll on stderr")
	)
	fs.Usage = func() {
		fmt.Fprintln(e.stderr, "usage: sipcorr memwatch --rpc URL [flags]\n\nPolls Kamailio's memory over JSON-RPC (kex pkg.stats, stats shmem:, core.version)\nand appends one JSON line per poll (a 'gap' line when a poll fails; polling goes on\nthrough Kamailio restarts). Read it back with: sipcorr analyze --memory FILE CAPTURE...\nStops cleanly on SIGINT/SIGTERM. Credentials in the URL (http://user:pw@host/RPC) or\n--rpc-user with $"+memwatchPasswordEnv+" turn on basic auth; they are never printed.\n\nflags:")
		fs.PrintDefaults()
	}
	if code, done := parseFlags(fs, args); done {
		return code
	}
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(e.stderr, "sipcorr memwatch: "+format+"\n", a...)
		return exitUsage
	}
	switch {
	case fs.NArg() > 0:
		return usageErr("unexpected argument %q", fs.Arg(0))
	case *rpcURL == "":
		return usageErr("--rpc URL is required")
	case *interval <= 0:
		return usageErr("--interval must be positive")
	case *timeout <= 0:
		return usageErr("--timeout must be positive")
	case *duration < 0:
		return usageErr("--duration must not be negative")
	}
	c, err := newRPCClient(*rpcURL, *user, *timeout)
	if err != nil {
		return usageErr("--rpc: %v", err)
	}

	w := io.Writer(e.stdout)
	dest := "stdout"
	if *out != "" && *out != "-" {
		f, err := memstat.OpenRecording(*out)
		if err != nil {
			fmt.Fprintf(e.stderr, "sipcorr memwatch: %v\n", err)
			return exitInput
		}
		defer f.Close()
		w, dest = f, *out
	}
	if *duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *duration)
		defer cancel()
	}
	// c.URL carries no user info (NewClient moves it into the client), so
	// the recording and the progress never contain the credentials.
	fmt.Fprintf(e.stderr, "sipcorr memwatch: polling %s every %v, appending to %s\n", c.URL, *interval, report.TerminalSafe(dest))
	var polls, gaps int
	wt := &memstat.Watcher{Sampler: c, Interval: *interval, Out: w, Source: c.URL,
		OnPoll: func(s memstat.Sample, err error) {
			polls++
			if err != nil {
				gaps++
			}
			if *quiet {
				return
			}
			if err != nil {
				fmt.Fprintf(e.stderr, "%s gap: %s\n", time.Now().UTC().Format(time.RFC3339), report.TerminalSafe(err.Error()))
				return
			}
			fmt.Fprintf(e.stderr, "%s %s\n", s.Time.UTC().Format(time.RFC3339), s.Summary())
		}}
	err = wt.Run(ctx)
	fmt.Fprintf(e.stderr, "sipcorr memwatch: %d polls, %d failed\n", polls, gaps)
	if err != nil {
		fmt.Fprintf(e.stderr, "sipcorr memwatch: %s\n", report.TerminalSafe(err.Error()))
		if errors.Is(err, memstat.ErrMethodNotFound) || errors.Is(err, memstat.ErrHTTPStatus) {
			fmt.Fprintln(e.stderr, "sipcorr memwatch: Kamailio needs xhttp + jsonrpcs (transport 1 or 7), kex, tcp_accept_no_cl=yes and event_route[xhttp:request] calling jsonrpc_dispatch() for /RPC")
		}
		return exitInput
	}
	return exitOK
}

// newRPCClient makes a memstat client; user (with the password from the
// environment) overrides user info in the URL.
func newRPCClient(rawURL, user string, timeout time.Duration) (*memstat.Client, error) {
	c, err := memstat.NewClient(rawURL)
	if err != nil {
		return nil, err
	}
	if user != "" {
		c.Username, c.Password = user, os.Getenv(memwatchPasswordEnv)
	}
	if timeout > 0 {
		c.Timeout = timeout
	}
	return c, nil
}
