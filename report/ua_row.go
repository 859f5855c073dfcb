package report

import (
	"bytes"
	"cmp"
	"math/bits"
	"net/netip"
	"slices"
	"strconv"
	"time"

	"github.com/sipcorr/sipcorr/correlate"
)

// uaRow is one UA of the inventory as the JSON, CSV and table writers show
// it: the content of a uaDoc (docs.go), held in slices that are reused from
// one UA to the next. With up to 10 000 UAs, building a uaDoc with its two
// maps for every UA before writing the first byte was most of the report's
// time and memory; a uaRow keeps the report's own memory to one UA.
type uaRow struct {
	ua                 string // raw User-Agent; "" for the other row
	present, other     bool
	messages, requests uint64
	responses          uint64
	malformed          uint64
	coreDrops          uint64
	// methods and codes hold what uaDoc's maps hold (the "(other)" method
	// included), most messages first, ties by key: mapList's order.
	methods      []correlate.Count[string]
	codes        []codeCount
	sources      []correlate.Count[netip.AddrPort] // every counted source, most first
	otherSources uint64
	first, last  time.Time // UTC
	rules        []ruleRow // failed checks, ascending by bit

	names ruleNameCache
}

// codeCount is a response code with its key as uaDoc's map holds it
// (strconv.Itoa), kept inline so that the row allocates nothing of its own.
type codeCount struct {
	key      [20]byte // decimal, key[:n]
	n        uint8
	messages uint64
}

func (c *codeCount) keyBytes() []byte { return c.key[:c.n] }

type ruleRow struct {
	bit             uint32
	messages, first uint64
}

// ruleNameCache caches RuleName per bit: sipparse builds the name anew on
// every call, and each UA's rules need it.
type ruleNameCache [32]string

func (r *ruleNameCache) name(bit uint32) string {
	if bits.OnesCount32(bit) != 1 { // not a single check: not cached
		return RuleName(bit)
	}
	i := bits.TrailingZeros32(bit)
	if r[i] == "" {
		r[i] = RuleName(bit)
	}
	return r[i]
}

// reset fills the row from s with newUADoc's content. It allocates only
// inside correlate's accessors (Methods, Codes, Sources, Rules), which build
// their result on every call.
func (r *uaRow) reset(s *correlate.UAStats) {
	r.ua, r.present, r.other = s.UA, s.Present, false
	if s.UA == correlate.OtherUA {
		r.ua, r.other = "", true
	}
	r.messages, r.requests, r.responses = s.Messages, s.Requests, s.Responses
	r.malformed, r.coreDrops = s.Malformed, s.CoreDrops
	r.otherSources = s.OtherSources
	r.first, r.last = s.First.UTC(), s.Last.UTC()

	r.methods = append(r.methods[:0], s.Methods()...)
	if s.OtherMethods > 0 {
		// uaDoc's map stores the folded count under "(other)", over a
		// method of that name should the wire have sent one.
		i := slices.IndexFunc(r.methods, func(c correlate.Count[string]) bool { return c.Key == "(other)" })
		if i >= 0 {
			r.methods[i].Messages = s.OtherMethods
		} else {
			r.methods = append(r.methods, correlate.Count[string]{Key: "(other)", Messages: s.OtherMethods})
		}
		slices.SortFunc(r.methods, func(a, b correlate.Count[string]) int {
			return byCountThenKey(a.Messages, b.Messages, a.Key, b.Key)
		})
	}

	r.setCodes(s)

	r.sources = append(r.sources[:0], s.Sources()...)

	r.rules = r.rules[:0]
	first := s.Rules(true)
	for _, c := range s.Rules(false) {
		rr := ruleRow{bit: c.Key, messages: c.Messages}
		for _, f := range first {
			if f.Key == c.Key {
				rr.first = f.Messages
			}
		}
		r.rules = append(r.rules, rr)
	}
}

// setCodes fills r.codes, most messages first, ties by key as a string
// (mapList's order: "99" after "404", where correlate sorts numbers).
func (r *uaRow) setCodes(s *correlate.UAStats) {
	r.codes = r.codes[:0]
	if s.Responses == 0 {
		// Only responses carry a code: skip correlate building an empty
		// map. Most UAs of a large inventory are scanners that never answer.
		return
	}
	for _, c := range s.Codes() {
		cc := codeCount{messages: c.Messages}
		cc.n = uint8(len(strconv.AppendInt(cc.key[:0], int64(c.Key), 10)))
		r.codes = append(r.codes, cc)
	}
	slices.SortFunc(r.codes, func(a, b codeCount) int {
		if a.messages != b.messages {
			return cmp.Compare(b.messages, a.messages)
		}
		return bytes.Compare(a.keyBytes(), b.keyBytes())
	})
}

// byCountThenKey orders most messages first, ties by key: mapList's order.
func byCountThenKey(an, bn uint64, ak, bk string) int {
	if an != bn {
		return cmp.Compare(bn, an)
	}
	return cmp.Compare(ak, bk)
}

// methodsByKey and codesByKey sort the row's maps by key, as encoding/json
// writes a map. They reorder the row's slices: the JSON writer calls them
// after nothing else needs mapList's order.
func (r *uaRow) methodsByKey() []correlate.Count[string] {
	slices.SortFunc(r.methods, func(a, b correlate.Count[string]) int { return cmp.Compare(a.Key, b.Key) })
	return r.methods
}

func (r *uaRow) codesByKey() []codeCount {
	slices.SortFunc(r.codes, func(a, b codeCount) int { return bytes.Compare(a.keyBytes(), b.keyBytes()) })
	return r.codes
}
