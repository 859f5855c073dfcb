package synth

import (
	"path/filepath"
	"reflect"
	"testing"
)

func TestManifestRoundTrip(t *testing.T) {
	fs := Fixtures()[:3]
	m := &Manifest{Generator: "test"}
	for _, f := range fs {
		_, e, err := f.Generate()
		if err != nil {
			t.Fatal(err)
		}
		m.Files = append(m.Files, e)
	}
	path := filepath.Join(t.TempDir(), ManifestName)
	if err := WriteManifest(path, m); err != nil {
		t.Fatal(err)
	}
	got, err := ReadManifest(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, m) {
		t.Errorf("round trip changed the manifest")
	}
	if e := got.Entry(fs[1].Name); e == nil || e.File != fs[1].Name {
		t.Errorf("Entry(%s) = %v", fs[1].Name, e)
	}
	if got.Entry("nope.pcap") != nil {
		t.Error("Entry of a missing file")
	}
	if _, err := ReadManifest(filepath.Join(t.TempDir(), "missing.json")); err == nil {
		t.Error("missing manifest read")
	}
}
