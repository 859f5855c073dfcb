package report

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/sipcorr/sipcorr/correlate"
)

// The legacy writers (legacy_render_test.go) call pieces of the code under
// test (newAnalyzeDoc, mapList, sourcesList, csvSafe, Truncate, ...), so
// for those pieces stream_diff_test.go compares the code with itself. This
// test holds every case of that comparison to bytes frozen in testdata
// (rewritten only by -update, from the code as it was when they were
// last reviewed): small cases as whole files under testdata/stream/, and
// every case, random ones included, as length and SHA-256 in
// testdata/stream/digests.

// streamGoldenMaxFile is the largest output kept as a whole golden file;
// larger ones (the 10 000-UA analysis) are held by their digest only.
const streamGoldenMaxFile = 16 << 10

// streamCases are the analyses of TestStreamedWritersMatchLegacy, the
// year-10000 and tab-in-zone cases and the first random analyses, by name.
func streamCases(random int) map[string]*Analysis {
	empty := fixture()
	empty.Inventory = correlate.NewInventory(correlate.InventoryLimits{})
	noInv := fixture()
	noInv.Inventory = nil
	future := fixture()
	future.Inventory.Add(&correlate.Observation{Time: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), UA: []byte("future"),
		Src: netip.MustParseAddrPort("192.0.2.1:5060"), Request: true, Method: []byte("OPTIONS")})
	zoned := fixture()
	zoned.Inventory.Add(&correlate.Observation{Time: t0, UA: []byte("zoned"), Request: true, Method: []byte("OPTIONS"),
		Src: netip.AddrPortFrom(netip.MustParseAddr("fe80::1").WithZone("e\tth0"), 5060)})
	cases := map[string]*Analysis{
		"fixture": fixture(), "logs": logsFixture(), "empty-inventory": empty, "no-inventory": noInv,
		"bare": {Inventory: fixture().Inventory}, "10000-uas": scaleBench(), "year-10000": future, "zone-tab": zoned,
	}
	rng := rand.New(rand.NewPCG(1, 2))
	src := make([]byte, 4096)
	for i := 0; i < random; i++ {
		for j := range src {
			src[j] = byte(rng.Uint32())
		}
		cases[fmt.Sprintf("random-%03d", i)] = randomAnalysis(src)
	}
	return cases
}

// streamOutputs renders a in every format and as the offender report.
func streamOutputs(a *Analysis) map[string][]byte {
	out := map[string][]byte{}
	for _, f := range []Format{FormatJSON, FormatCSV, FormatTable} {
		var b bytes.Buffer
		if err := WriteAnalysis(&b, f, a); err != nil {
			fmt.Fprintf(&b, "\nerror: %v\n", err)
		}
		out[string(f)] = b.Bytes()
	}
	o := offenderFixture()
	o.Analysis = a
	var b bytes.Buffer
	if err := WriteOffenders(&b, FormatJSON, o); err != nil {
		fmt.Fprintf(&b, "\nerror: %v\n", err)
	}
	out["offenders.json"] = b.Bytes()
	return out
}

func TestStreamedWritersGolden(t *testing.T) {
	cases := streamCases(100)
	noAnalysis := offenderFixture()
	noAnalysis.Analysis = nil
	var off bytes.Buffer
	if err := WriteOffenders(&off, FormatJSON, noAnalysis); err != nil {
		t.Fatal(err)
	}
	names := make([]string, 0, len(cases))
	for name := range cases {
		names = append(names, name)
	}
	sort.Strings(names)
	var digests strings.Builder
	line := func(name, format string, b []byte) {
		fmt.Fprintf(&digests, "%s\t%s\t%d\t%x\n", name, format, len(b), sha256.Sum256(b))
		if len(b) <= streamGoldenMaxFile && !strings.HasPrefix(name, "random-") {
			golden(t, "stream/"+name+"."+format, b)
		}
	}
	for _, name := range names {
		outs := streamOutputs(cases[name])
		formats := make([]string, 0, len(outs))
		for f := range outs {
			formats = append(formats, f)
		}
		sort.Strings(formats)
		for _, f := range formats {
			line(name, f, outs[f])
		}
	}
	line("offenders-without-analysis", "json", off.Bytes())
	golden(t, "stream/digests", []byte(digests.String()))
}
