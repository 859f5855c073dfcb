package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// Exit codes of interrupted runs: 128 + the signal number, as shells
// report a process killed by it.
const (
	exitInterrupt = 130 // SIGINT
	exitTerm      = 143 // SIGTERM
)

// signalGrace is how long a run may take after the first signal to write
// its partial report; a second signal, or this much time, ends the
// process at once with the same code.
const signalGrace = 15 * time.Second

// signalCause is the context.Cause of a run ended by a signal.
type signalCause struct{ sig os.Signal }

// Error names the signal as shells do (SIGINT, SIGTERM).
func (s signalCause) Error() string { return "received " + signalName(s.sig) }

func signalName(sig os.Signal) string {
	switch sig {
	case os.Interrupt:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return sig.String()
}

// signalCode is the exit code for sig.
func signalCode(sig os.Signal) int {
	if sig == syscall.SIGTERM {
		return exitTerm
	}
	return exitInterrupt
}

// signalContext returns a context cancelled, with a signalCause, by the
// first SIGINT or SIGTERM. A second signal, or signalGrace after the
// first, exits the process with the signal's code: a read blocked where
// no deadline reaches (the open of a FIFO without writer) must not make
// the run unkillable. stop releases the signals.
func signalContext(stderr io.Writer) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		var first os.Signal
		select {
		case first = <-sigs:
		case <-done:
			return
		}
		cancel(signalCause{first})
		select {
		case sig := <-sigs:
			fmt.Fprintf(stderr, "sipcorr: second signal (%s): exiting without the report\n", signalName(sig))
		case <-time.After(signalGrace):
			fmt.Fprintf(stderr, "sipcorr: %s: the run did not stop within %v (an input blocked?): exiting without the report\n", signalName(first), signalGrace)
		case <-done:
			return
		}
		os.Exit(signalCode(first))
	}()
	return ctx, func() {
		signal.Stop(sigs)
		close(done)
		cancel(nil)
	}
}

// interruptCode is the exit code of a run whose ctx ended: 130 or 143
// after a signal, 130 for any other cancellation.
func interruptCode(ctx context.Context) int {
	var sc signalCause
	if errors.As(context.Cause(ctx), &sc) {
		return signalCode(sc.sig)
	}
	return exitInterrupt
}

// interruptCause names what ended ctx, for messages.
func interruptCause(ctx context.Context) string {
	if c := context.Cause(ctx); c != nil {
		return c.Error()
	}
	return "cancelled"
}
