// Command sipcorr finds the SIP devices that hurt a Kamailio server: it judges
// captured SIP the way Kamailio's sanity module does, counts what each
// User-Agent sent, and correlates malformed traffic with memory growth.
//
// Usage:
//
//	sipcorr analyze [flags] [CAPTURE...]  per-UA report; with --memory the offender report
//	sipcorr check [flags] INPUT...        one JSON verdict per SIP message
//	sipcorr memwatch --rpc URL -o FILE    record Kamailio's memory for analyze --memory
//	sipcorr capture -i IFACE [flags]      the same judging on a live interface
//	sipcorr version                       print the version
//
// Exit codes: 0 success, 1 an input could not be read or held nothing
// usable (the report of everything else is still written), 2 usage
// error, 130 interrupted by SIGINT and 143 by SIGTERM (analyze and check;
// the partial report is still written). README.md has the table.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

// Exit codes of every subcommand.
const (
	exitOK    = 0
	exitInput = 1 // an input was unreadable or faulty; output covers the rest
	exitUsage = 2
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// command is one subcommand: it parses its own flags from args and returns
// an exit code.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *env, args []string) int
}

// env carries the process's streams so that tests can run commands in-process.
type env struct {
	stdout io.Writer
	stderr io.Writer
	// stderrIsTerminal enables the progress bar.
	stderrIsTerminal bool
}

func commands() []command {
	return []command{
		{"analyze", "per-UA report of SIP captures (pcap, pcapng, gzip)", runAnalyze},
		{"capture", "live capture on an interface: continuous per-UA report, metrics, evidence", runCapture},
		{"check", "one JSON verdict per SIP message (raw message files or captures)", runCheck},
		{"memwatch", "record Kamailio memory over JSON-RPC to a file for analyze --memory", runMemwatch},
		{"version", "print the version", runVersion},
	}
}

func main() {
	ctx, stop := signalContext(os.Stderr)
	code := run(ctx, &env{stdout: os.Stdout, stderr: os.Stderr, stderrIsTerminal: isTerminal(os.Stderr)}, os.Args[1:])
	stop()
	os.Exit(code)
}

func run(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 {
		usage(e.stderr)
		return exitUsage
	}
	name := args[0]
	if name == "-h" || name == "--help" || name == "help" {
		usage(e.stdout)
		return exitOK
	}
	for _, c := range commands() {
		if c.name == name {
			return c.run(ctx, e, args[1:])
		}
	}
	fmt.Fprintf(e.stderr, "sipcorr: unknown command %q\n", name)
	usage(e.stderr)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: sipcorr <command> [flags] [inputs]")
	fmt.Fprintln(w, "\ncommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'sipcorr <command> -h' for the flags of a command.")
}

func runVersion(_ context.Context, e *env, args []string) int {
	fs := newFlagSet("version", e)
	if code, done := parseFlags(fs, args); done {
		return code
	}
	fmt.Fprintf(e.stdout, "sipcorr %s\n", version)
	return exitOK
}

// newFlagSet returns a flag set that reports errors instead of exiting.
func newFlagSet(name string, e *env) *flag.FlagSet {
	fs := flag.NewFlagSet("sipcorr "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	return fs
}

// parseFlags parses args; done is true when the command must return code now
// (help was asked for, or the flags were wrong).
func parseFlags(fs *flag.FlagSet, args []string) (code int, done bool) {
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return exitOK, true
	case err != nil:
		return exitUsage, true
	}
	return exitOK, false
}

// flagSet reports whether the flag name was given on the command line.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
