package sipparse

import "strings"

// Check is a sanity check bit, with Kamailio's values.
type Check uint32

// The sanity module's check bits (src/modules/sanity/sanity_mod.h).
const (
	CheckRURISIPVersion   Check = 1
	CheckRURIScheme       Check = 2
	CheckRequiredHeaders  Check = 4
	CheckViaSIPVersion    Check = 8
	CheckViaProtocol      Check = 16
	CheckCSeqMethod       Check = 32
	CheckCSeqValue        Check = 64
	CheckContentLength    Check = 128
	CheckExpiresValue     Check = 256
	CheckProxyRequire     Check = 512
	CheckParseURIs        Check = 1024
	CheckDigest           Check = 2048
	CheckDuptags          Check = 4096
	CheckAuthorization    Check = 8192
	CheckVia1Header       Check = 16384
	CheckRFC3261          Check = 32768 // master only
	CheckSizes            Check = 65536 // master only
	DefaultChecks         Check = 3047  // modparam default_checks
	DefaultURIChecks      uint8 = 7     // modparam uri_checks
	URICheckRURI          uint8 = 1
	URICheckFrom          uint8 = 2
	URICheckTo            uint8 = 4
	URICheckContact       uint8 = 8
	maxCheckBit                 = 17
	releaseChecksMax      Check = 32767
	masterChecksMax       Check = 131071
	uriChecksMax          uint8 = 15
	stockRequestChecks    Check = 17895 // stock kamailio.cfg, request route
	stockReplyChecks      Check = 17604 // stock kamailio.cfg, reply route (5.3+)
	defaultProxyRequireIs       = ""    // modparam proxy_require default
)

var checkNames = [maxCheckBit]string{
	"ruri_sip_version", "ruri_scheme", "required_headers", "via_sip_version",
	"via_protocol", "cseq_method", "cseq_value", "content_length", "expires_value",
	"proxy_require", "parse_uris", "digest", "duptags", "authorization",
	"via1_header", "rfc3261", "sizes",
}

// String returns Kamailio's documentation name of a single bit
// ("proxy_require"), or the names of a mask joined with '|'.
func (c Check) String() string {
	if c == 0 {
		return "none"
	}
	var parts []string
	for i := 0; i < 32; i++ {
		if c&(1<<i) == 0 {
			continue
		}
		if i < maxCheckBit {
			parts = append(parts, checkNames[i])
		} else {
			parts = append(parts, "bit"+itoa(i))
		}
	}
	return strings.Join(parts, "|")
}

// Bits returns the set bits of c in ascending order (allocates).
func (c Check) Bits() []Check {
	var out []Check
	for i := 0; i < 32; i++ {
		if c&(1<<i) != 0 {
			out = append(out, 1<<i)
		}
	}
	return out
}

// evalOrder is sanity_check()'s evaluation order (sanity_mod.c): not bit
// order. Sizes and rfc3261 exist only on master.
var evalOrder = [...]Check{
	CheckSizes, CheckRURISIPVersion, CheckRURIScheme, CheckRequiredHeaders,
	CheckVia1Header, CheckRFC3261, CheckViaSIPVersion, CheckViaProtocol,
	CheckCSeqMethod, CheckCSeqValue, CheckContentLength, CheckExpiresValue,
	CheckProxyRequire, CheckParseURIs, CheckDigest, CheckAuthorization, CheckDuptags,
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b [20]byte
	n := len(b)
	neg := i < 0
	if neg {
		i = -i
	}
	for i > 0 {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
	}
	if neg {
		n--
		b[n] = '-'
	}
	return string(b[n:])
}
