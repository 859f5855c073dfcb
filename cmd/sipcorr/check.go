package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/sipcorr/sipcorr/capture"
	"github.com/sipcorr/sipcorr/internal/checkline"
	"github.com/sipcorr/sipcorr/report"
	"github.com/sipcorr/sipcorr/sipparse"
)

// maxRawMessage bounds a raw message file: SIP over UDP tops out at 64 KiB and
// Kamailio's TCP reader at its BUF_SIZE; anything bigger is not one message.
const maxRawMessage = 1 << 20

func runCheck(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet("check", e)
	var sf sanityFlags
	sf.register(fs)
	listVersions := fs.Bool("list-versions", false, "print the Kamailio version profiles and which real binary verified each, then exit")
	fs.Usage = func() {
		fmt.Fprintln(e.stderr, "usage: sipcorr check [flags] INPUT...\n\nINPUT is a file holding one raw SIP message, or a capture file (each SIP\nmessage in it is judged). Prints one JSON object per message:\n{\"source\",\"core_drop\",\"failed\",\"first\",\"code\",\"reason\",\"detail\"}\n\nflags:")
		fs.PrintDefaults()
	}
	if code, done := parseFlags(fs, args); done {
		return code
	}
	if *listVersions {
		if err := printVersions(e.stdout); err != nil {
			fmt.Fprintf(e.stderr, "sipcorr check: %v\n", err)
			return exitInput
		}
		return exitOK
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(e.stderr, "sipcorr check: no input given")
		fs.Usage()
		return exitUsage
	}
	j, err := sf.build(fs, e.stderr)
	if err != nil {
		fmt.Fprintf(e.stderr, "sipcorr check: %v\n", err)
		return exitUsage
	}
	out := bufio.NewWriter(e.stdout)
	enc := checkline.NewEncoder(out)
	code := exitOK
	p := newPipeline(capture.Options{}, j)
	for _, path := range fs.Args() {
		if ctx.Err() != nil {
			fmt.Fprintf(e.stderr, "sipcorr check: interrupted (%s): inputs from %s on were not read\n", interruptCause(ctx), report.TerminalSafe(path))
			break
		}
		if err := checkInput(ctx, p, j, path, enc); err != nil {
			fmt.Fprintf(e.stderr, "sipcorr check: %s\n", report.TerminalSafe(fileError(path, err)))
			code = exitInput
		}
	}
	if err := out.Flush(); err != nil {
		fmt.Fprintf(e.stderr, "sipcorr check: %v\n", err)
		return exitInput
	}
	if ctx.Err() != nil {
		return interruptCode(ctx)
	}
	return code
}

// printVersions writes one line per --kamailio-version profile: the branch,
// the release a bare branch imitates, and the real binaries the differential
// test (internal/kamailiotest TestDiff) ran against it with their recorded
// open disagreements, or that the profile is the reference's word only.
func printVersions(w io.Writer) error {
	bw := bufio.NewWriter(w)
	for _, p := range sipparse.Profiles() {
		verified := "not verified against a real binary (reference only)"
		if len(p.Verified) > 0 {
			verified = "verified against"
			for i, r := range p.Verified {
				if i > 0 {
					verified += ";"
				}
				verified += fmt.Sprintf(" %s %s (%d open disagreements)", r.Version, r.Binary, r.OpenDisagreements)
			}
		}
		fmt.Fprintf(bw, "%-7s bare branch imitates %-7s %s\n", p.Branch, p.Newest, verified)
	}
	return bw.Flush()
}

// checkInput judges one input: a capture file message by message, anything
// else as one raw SIP message.
func checkInput(ctx context.Context, p *pipeline, j *judge, path string, enc *checkline.Encoder) error {
	var encErr error
	emit := func(m *judged) {
		if encErr != nil {
			return
		}
		encErr = enc.Encode(newCheckLine(path+"#"+strconv.FormatUint(m.dg.Packet, 10), m.msg, m.verdict, m.parseErr))
	}
	err := p.readFile(ctx, path, emit)
	p.flush(emit)
	if encErr != nil {
		return encErr
	}
	if !errors.Is(err, capture.ErrBadMagic) {
		return err
	}
	raw, err := readRaw(path)
	if err != nil {
		return err
	}
	var m sipparse.Message
	var v sipparse.Verdict
	perr := sipparse.Parse(raw, &m)
	if perr == nil {
		j.Judge(&m, &v)
	}
	return enc.Encode(newCheckLine(path, &m, &v, perr))
}

func readRaw(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	raw, err := io.ReadAll(io.LimitReader(f, maxRawMessage+1))
	if err != nil {
		return nil, err
	}
	if len(raw) > maxRawMessage {
		return nil, fmt.Errorf("larger than %d bytes: not one SIP message", maxRawMessage)
	}
	return raw, nil
}

// newCheckLine is the output line for one message (the format is
// internal/checkline's, shared with the Kamailio oracle).
func newCheckLine(source string, m *sipparse.Message, v *sipparse.Verdict, parseErr error) checkline.Line {
	if parseErr != nil {
		// Not SIP at all: Kamailio's core cannot parse a first line either.
		return checkline.Line{Source: source, CoreDrop: true, Failed: checkline.Bits(0), Detail: parseErr.Error()}
	}
	return checkline.Line{Source: source, CoreDrop: v.CoreDrop, Failed: checkline.Bits(uint32(v.Failed)), First: uint32(v.First),
		Code: v.Code, Reason: v.Reason, Detail: v.Detail()}
}
