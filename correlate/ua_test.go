package correlate

import (
	"strings"
	"testing"
	"unicode"
)

func TestNormalizeUA(t *testing.T) {
	tests := []struct {
		raw                     string
		vendor, model, firmware string
		scanner                 bool
	}{
		{"Yealink SIP-T48G 66.84.0.15", "Yealink", "SIP-T48G", "66.84.0.15", false},
		{"Yealink SIP-T46S 66.85.0.5 00:15:65:aa:bb:cc", "Yealink", "SIP-T46S", "66.85.0.5", false},
		{"Yealink W52P 25.81.0.10", "Yealink", "W52P", "25.81.0.10", false},
		{"Polycom SoundPoint IP-SPIP_650-UA/4.0.1", "Polycom", "SPIP_650", "4.0.1", false},
		{"PolycomSoundPointIP-SPIP_650-UA/4.0.1.13681", "Polycom", "SPIP_650", "4.0.1.13681", false},
		{"PolycomVVX-VVX_410-UA/5.4.1.16246", "Polycom", "VVX_410", "5.4.1.16246", false},
		{"Zoiper rv2.8.x", "Zoiper", "", "rv2.8.x", false},
		{"Linphone/3.12 (belle-sip/1.6.3)", "Linphone", "", "3.12", false},
		{"LinphoneAndroid/4.5.1 (belle-sip/4.5.1)", "Linphone", "Android", "4.5.1", false},
		{"friendly-scanner", "friendly-scanner", "", "", true},
		{"sipcli/v1.8", "sipcli", "", "v1.8", true},
		{"sipvicious", "sipvicious", "", "", true},
		{"Asterisk PBX 16.2.1", "Asterisk", "PBX", "16.2.1", false},
		{"Asterisk PBX 16.x", "Asterisk", "PBX", "16.x", false},
		{"FreeSWITCH-mod_sofia/1.6.12-37~64bit", "FreeSWITCH", "mod_sofia", "1.6.12-37~64bit", false},
		{"Grandstream GXP2160 1.0.11.3", "Grandstream", "GXP2160", "1.0.11.3", false},
		{"Cisco-CP7960G/8.0", "Cisco", "CP7960G", "8.0", false},
		{"Cisco/SPA504G-7.6.2", "Cisco", "SPA504G", "7.6.2", false},
		{"snom320/8.7.3", "snom", "320", "8.7.3", false},
		{"snomD785/10.1.33.33", "snom", "D785", "10.1.33.33", false},
		{"MicroSIP/3.20.5", "MicroSIP", "", "3.20.5", false},
		{"X-Lite release 5.8.3 stamp 102651", "CounterPath", "X-Lite", "5.8.3", false},
		{"eyeBeam release 1011d stamp 40820", "CounterPath", "eyeBeam", "1011d", false},
		{"Bria 5 release 5.5.4 stamp 98523", "CounterPath", "Bria 5", "5.5.4", false},
		{"Kamailio (5.2.1 (x86_64/linux))", "Kamailio", "", "5.2.1", false},
		{"OpenSIPS (3.1.1 (x86_64/linux))", "OpenSIPS", "", "3.1.1", false},
		{"Aastra 6757i/3.3.1.4305", "Aastra", "6757i", "3.3.1.4305", false},
		{"Fanvil X4 2.10.2.6887 0c383e1c5b8e", "Fanvil", "X4", "2.10.2.6887", false},
		{"Gigaset N510 IP PRO/42.250.00.000.000", "Gigaset", "N510 IP PRO", "42.250.00.000.000", false},
		{"SomeVendor Box v1.2", "SomeVendor", "Box", "v1.2", false},
		{"", "", "", "", false},
		{"   ", "", "", "", false},
	}
	for _, tc := range tests {
		got := NormalizeUA(tc.raw)
		if got.Raw != tc.raw || got.Vendor != tc.vendor || got.Model != tc.model || got.Firmware != tc.firmware || got.Scanner != tc.scanner {
			t.Errorf("NormalizeUA(%q) = %+v, want vendor %q model %q firmware %q scanner %v", tc.raw, got, tc.vendor, tc.model, tc.firmware, tc.scanner)
		}
	}
}

// Hostile User-Agents: control characters never reach the derived fields,
// which stay bounded; Raw is kept as received.
func TestNormalizeUAHostile(t *testing.T) {
	raw := "Evil\x1b[2J\x00Phone\r\n/1.\xff0 " + strings.Repeat("A", 5000)
	got := NormalizeUA(raw)
	if got.Raw != raw {
		t.Errorf("Raw changed")
	}
	checkDerived(t, got)
}

func checkDerived(t *testing.T, u UAInfo) {
	t.Helper()
	for _, f := range []string{u.Vendor, u.Model, u.Firmware} {
		if len(f) > 256 {
			t.Errorf("derived field of %d bytes", len(f))
		}
		for _, r := range f {
			if unicode.IsControl(r) || r == unicode.ReplacementChar {
				t.Errorf("derived field %q holds %U", f, r)
			}
		}
	}
}

func FuzzNormalizeUA(f *testing.F) {
	for _, s := range []string{"Yealink SIP-T48G 66.84.0.15", "PolycomVVX-VVX_410-UA/5.4.1", "Kamailio (5.2.1 (x86_64/linux))",
		"X-Lite release 5.8.3 stamp 1", "Cisco/SPA504G-7.6.2", "a (", " release ", "Polycom/", "x/-1.2", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		checkDerived(t, NormalizeUA(raw))
	})
}
