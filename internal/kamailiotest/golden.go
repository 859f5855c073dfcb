package kamailiotest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// GoldenIndex is the file in testdata/sip that lists the golden verdict
// files and the configuration each records.
const GoldenIndex = "kamailio-5.6.3.verdicts.index.json"

// GoldenConfig is one configuration a golden file records.
type GoldenConfig struct {
	File         string `json:"file"`
	Checks       uint32 `json:"checks"`
	URIChecks    uint8  `json:"uri_checks"`
	ProxyRequire string `json:"proxy_require"`
}

// GoldenSet is the content of GoldenIndex.
type GoldenSet struct {
	Kamailio string         `json:"kamailio"` // version that produced the verdicts
	Files    []GoldenConfig `json:"files"`
}

// ReadGoldenIndex reads dir/GoldenIndex (dir is testdata/sip). Tests of
// other packages use it with ReadVerdicts to compare against Kamailio's
// verdicts without running Kamailio.
func ReadGoldenIndex(dir string) (GoldenSet, error) {
	var set GoldenSet
	b, err := os.ReadFile(filepath.Join(dir, GoldenIndex))
	if err != nil {
		return set, err
	}
	if err := json.Unmarshal(b, &set); err != nil {
		return set, fmt.Errorf("%s: %w", GoldenIndex, err)
	}
	return set, nil
}

// ReadVerdicts reads a JSON-lines file of check-output lines.
func ReadVerdicts(path string) ([]Line, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Line
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	for n := 1; sc.Scan(); n++ {
		var l Line
		dec := json.NewDecoder(strings.NewReader(sc.Text()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&l); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, n, err)
		}
		out = append(out, l)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}
