package main

import "strings"

// optionFlagPairs is the one table (option, flag, option, flag, ...) of
// the library options sipcorr sets with flags. The libraries speak of their
// own options: capture's counters say "outside Options.Ports", capture/live
// says "Options.Netns needs the AF_PACKET source", esquery's diagnosis says
// "check Query.From", sipparse's known defects say "give Version.Patch".
// What sipcorr prints of that text names the flag instead (flagWords).
// TestOptionFlags checks that every option named exists and every flag is
// defined.
func optionFlagPairs() []string {
	return []string{
		"HEPOptions.Password", "--hep-password", // capture.HEPOptions
		"Options.Netns", "--netns", // live.Options
		"Options.Ports", "--ports", // capture.Options, live.Options
		"Query.Indices", "--es-index", // esquery.Query
		"Query.From", "--es-from",
		"Query.To", "--es-to",
		"Query.TimeField", "--es-time-field",
		"Query.MessageField", "--es-message-field",
		"Query.Phrases", "--es-phrase",
		// sipparse: a defect of some patch releases of a branch asks for
		// the patch level of the version
		"Version.Patch", "--kamailio-version with the patch level",
	}
}

// poolSizeHint is report.Offenders.PoolSizeHint: how a sipcorr user gets
// the pool sizes the projection needs.
const poolSizeHint = "give --rpc to read the pool sizes from the server"

// flagWords rewrites library text for sipcorr's user: option names become
// the flags that set them.
func flagWords(s string) string {
	if !strings.Contains(s, "Options.") && !strings.Contains(s, "Query.") && !strings.Contains(s, "Version.") {
		return s // the common case, without building the replacer
	}
	return strings.NewReplacer(optionFlagPairs()...).Replace(s)
}

// flagError is an error of a library as sipcorr prints it (flagWords);
// errors.Is and errors.As see the library's error.
type flagError struct{ err error }

// Error is the library's message in sipcorr's terms.
func (e flagError) Error() string { return flagWords(e.err.Error()) }

// Unwrap returns the library's error.
func (e flagError) Unwrap() error { return e.err }
