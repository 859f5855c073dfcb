package memstat

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// column is what an input column (or a long-format series name) measures.
type column struct {
	metric  Metric
	scope   Scope
	process Process
	key     string // Series.Key
	label   string // the original name
	mult    float64
}

// fieldDef is one known field name. pool says which pool prefix it needs:
// "" = the name alone is enough (compass-monitoring's Munin fields),
// "any" = needs a shm or pkg prefix, which decides the metric.
type fieldDef struct {
	name     string
	shm, pkg Metric
	bare     Metric // metric when there is no pool prefix
	weakest  bool   // Munin min_free/min_used: the least-free process
}

// fields, longest first so that "real_used_size" wins over "used_size".
var fields = func() []fieldDef {
	f := []fieldDef{
		{name: "real_used_size", shm: ShmRealUsed, pkg: PkgRealUsed, bare: ShmRealUsed},
		{name: "max_used_size", shm: ShmMaxUsed, bare: ShmMaxUsed},
		{name: "total_size", shm: ShmTotal, pkg: PkgTotal, bare: ShmTotal},
		{name: "total_frags", pkg: PkgFragments},
		{name: "used_size", shm: ShmUsed, pkg: PkgUsed, bare: ShmUsed},
		{name: "free_size", shm: ShmFree, pkg: PkgFree, bare: ShmFree},
		{name: "fragments", shm: ShmFragments, pkg: PkgFragments, bare: ShmFragments},
		{name: "real_used", shm: ShmRealUsed, pkg: PkgRealUsed},
		{name: "max_used", shm: ShmMaxUsed},
		{name: "min_used", pkg: PkgRealUsed, bare: PkgRealUsed, weakest: true},
		{name: "min_free", pkg: PkgFree, bare: PkgFree, weakest: true},
		{name: "frags", shm: ShmFragments, pkg: PkgFragments},
		{name: "total", shm: ShmTotal, pkg: PkgTotal},
		{name: "used", shm: ShmUsed, pkg: PkgUsed},
		{name: "free", shm: ShmFree, pkg: PkgFree},
	}
	sort.SliceStable(f, func(i, j int) bool { return len(f[i].name) > len(f[j].name) })
	return f
}()

// labelFields are label names whose value names the field, as in
// kamailio_exporter's kamailio_shm_bytes{type="free"}.
var labelFields = [...]string{"type", "field", "stat", "name"}

// mapColumn decides what a column header measures. The name is matched
// case-insensitively after ':', '.', '-', '/' and spaces become '_':
//   - compass-monitoring/Munin fields: min_free, min_used (pkg, the least
//     free process), free_size, used_size, real_used_size, max_used_size,
//     total_size, fragments (shm);
//   - shmem:x / shmem.x / kamailio_shmem_x (xhttp_prom) / shm_x: shm;
//   - pkg_x / pkgmem_x / private_x: pkg of one (unknown) process, unless
//     labels pid, rank or entry say which;
//   - a trailing unit "(MiB)" or "[bytes]", or "_bytes", scales values.
//
// ok is false with the reason for columns that are not Kamailio memory.
func mapColumn(header string, binary bool) (c column, reason string, ok bool) {
	name, labels := splitLabels(strings.TrimSpace(header))
	name, mult := headerUnit(name, binary)
	n := normalise(name)
	n = strings.TrimSuffix(n, "_bytes")
	c, reason, ok = matchField(n, labels)
	if !ok {
		for _, lf := range labelFields {
			if v, has := labels[lf]; has {
				if c2, _, ok2 := matchField(n+"_"+normalise(v), labels); ok2 {
					c, ok, reason = c2, true, ""
					delete(labels, lf)
					break
				}
			}
		}
	}
	if !ok {
		return column{}, reason, false
	}
	c.label, c.mult = cleanSnippet([]byte(header), 200), mult
	c.key = c.metric.String()
	switch c.scope {
	case ScopeWeakest:
		c.key += "/weakest"
	case ScopeProcess:
		c.process = Process{Entry: -1}
		c.process.Entry = atoiOr(labels["entry"], -1)
		c.process.PID = atoiOr(labels["pid"], 0)
		c.process.Rank = atoiOr(labels["rank"], 0)
		c.process.Desc = labels["desc"]
		if c.process.Entry >= 0 {
			c.key += fmt.Sprintf("/entry=%d", c.process.Entry)
		} else {
			c.key += "/column=" + n
		}
	}
	// Labels not used above tell columns of several instances apart.
	for _, k := range []string{"entry", "pid", "rank", "desc"} {
		delete(labels, k)
	}
	if len(labels) > 0 {
		keys := make([]string, 0, len(labels))
		for k := range labels {
			keys = append(keys, k+"="+labels[k])
		}
		sort.Strings(keys)
		c.key += "{" + strings.Join(keys, ",") + "}"
	}
	return c, "", true
}

func matchField(n string, labels map[string]string) (column, string, bool) {
	for _, f := range fields {
		if n != f.name && !strings.HasSuffix(n, "_"+f.name) {
			continue
		}
		shm, pkg := false, false
		for _, tok := range strings.Split(strings.TrimSuffix(n[:len(n)-len(f.name)], "_"), "_") {
			switch tok {
			case "shm", "shmem", "shared":
				shm = true
			case "pkg", "pkgmem", "private":
				pkg = true
			}
		}
		var m Metric
		switch {
		case shm && pkg:
			return column{}, "names both shm and pkg", false
		case shm:
			m = f.shm
		case pkg:
			m = f.pkg
		default:
			m = f.bare
		}
		if m == MetricUnknown {
			if !shm && !pkg {
				return column{}, fmt.Sprintf("%q without a shm or pkg prefix is ambiguous", f.name), false
			}
			return column{}, fmt.Sprintf("%q is not a field of that pool", f.name), false
		}
		sc := ScopeShared
		switch {
		case f.weakest:
			sc = ScopeWeakest
		case m.IsPkg():
			sc = ScopeProcess
		}
		return column{metric: m, scope: sc}, "", true
	}
	return column{}, "not a Kamailio memory field", false
}

// normalise lower-cases a name and turns separators into single '_'.
func normalise(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch r {
		case ':', '.', '-', '/', ' ', '\t', '_':
			if b.Len() > 0 && !strings.HasSuffix(b.String(), "_") {
				b.WriteByte('_')
			}
		default:
			b.WriteRune(r)
		}
	}
	return strings.TrimSuffix(b.String(), "_")
}

// splitLabels splits `name{k="v",k2="v2"}` (Prometheus series notation,
// also what Grafana puts in column headers). Malformed label text is left
// in the name.
func splitLabels(s string) (string, map[string]string) {
	labels := map[string]string{}
	i := strings.IndexByte(s, '{')
	if i < 0 || !strings.HasSuffix(s, "}") {
		return s, labels
	}
	body := s[i+1 : len(s)-1]
	for body != "" {
		k, rest, ok := strings.Cut(body, "=")
		if !ok {
			return s, map[string]string{}
		}
		rest = strings.TrimSpace(rest)
		var v string
		if strings.HasPrefix(rest, `"`) {
			j := strings.IndexByte(rest[1:], '"')
			if j < 0 {
				return s, map[string]string{}
			}
			v, rest = rest[1:j+1], rest[j+2:]
		} else {
			v, rest, _ = strings.Cut(rest, ",")
			rest = "," + rest
		}
		labels[strings.TrimSpace(k)] = v
		body = strings.TrimLeft(strings.TrimSpace(rest), ", ")
	}
	return strings.TrimSpace(s[:i]), labels
}

// atoiOr parses a label value, or returns def when it is absent or not an
// integer (labels are optional decoration; a bad one is not an error).
func atoiOr(s string, def int) int {
	if n, err := strconv.Atoi(strings.TrimSpace(s)); err == nil {
		return n
	}
	return def
}
