package main

import (
	"fmt"
	"os"
	"testing"

	"github.com/sipcorr/sipcorr/esquery"
)

// esNodeURL is $SIPCORR_ES_URL as the test binary started: the real node
// the ES tests use (esNode), which they pass to the CLI with --es.
var esNodeURL string

// TestMain takes $SIPCORR_ES_URL out of the environment before any test
// runs the CLI: the variable alone turns the log query on (issue 15), so
// under CI, where it names the test node, every analyze run would query
// that node's logstash-* and its result would depend on what other tests
// indexed there. Tests of the variable set it themselves (t.Setenv).
func TestMain(m *testing.M) {
	esNodeURL = os.Getenv(esquery.EnvURL)
	if err := os.Unsetenv(esquery.EnvURL); err != nil {
		fmt.Fprintln(os.Stderr, "unset", esquery.EnvURL+":", err)
		os.Exit(2)
	}
	os.Exit(m.Run())
}
