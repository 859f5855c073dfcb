// Command synthcap writes sipcorr's generated test captures.
//
//	go run ./cmd/synthcap -out testdata/captures      # every fixture + MANIFEST.json
//	go run ./cmd/synthcap -demo -out testdata/demo    # testdata/demo/edge.pcapng
//	go run ./cmd/synthcap -bench 200000 -out big.pcap # benchmark capture, streamed
//
// Output is deterministic: the same version writes the same bytes. The
// fixture files are checked in; `go test ./cmd/synthcap -update` rewrites
// them and the test without -update fails when they drift.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "synthcap:", err)
		os.Exit(1)
	}
}

// run parses args and dispatches to the chosen mode.
func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("synthcap", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "output directory (fixtures, -demo) or file (-bench)")
	bench := fs.Int("bench", 0, "write a scenario capture with this many SIP messages to the -out file")
	demo := fs.Bool("demo", false, "write the demo capture edge.pcapng into the -out directory")
	seed := fs.Uint64("seed", 1, "PRNG seed for -bench")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	switch {
	case *bench > 0 && *demo:
		return errors.New("-bench and -demo are exclusive")
	case *bench > 0:
		if *out == "" {
			return errors.New("-bench needs -out FILE")
		}
		e, err := writeBench(*out, *bench, *seed)
		if err != nil {
			return err
		}
		return json.NewEncoder(stdout).Encode(e)
	case *demo:
		if *out == "" {
			*out = "testdata/demo"
		}
		e, err := writeDemo(*out)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "wrote %s: %d packets, %d SIP messages, %s .. %s\n",
			e.File, e.Packets, e.SIPMessages, e.FirstTime, e.LastTime)
		return nil
	default:
		if *out == "" {
			*out = "testdata/captures"
		}
		m, err := writeFixtures(*out)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "wrote %d fixtures and %s to %s\n", len(m.Files), "MANIFEST.json", *out)
		return nil
	}
}
