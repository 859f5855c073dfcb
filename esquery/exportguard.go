package esquery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/olivere/elastic/v7"
)

// ErrNotOwned means the export would overwrite an index template or write
// into an index that sipcorr did not create (no managed_by marker);
// ExportOptions.Force overrides it.
var ErrNotOwned = errors.New("not created by sipcorr")

// managedBy is the marker sipcorr writes into its template's and its
// mappings' _meta, so that it can tell its own from an operator's.
const managedBy = "sipcorr"

// guardTemplate refuses to replace an existing index template named index
// unless sipcorr wrote it (its _meta.managed_by) or force is set. An
// operator's template of the same name would otherwise be replaced
// silently, changing how their own indices are created from then on.
func (c *Client) guardTemplate(ctx context.Context, index string, force bool) error {
	cctx, cancel := c.call(ctx)
	defer cancel()
	res, err := c.es.IndexGetIndexTemplate(index).Do(cctx)
	if elastic.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return classify("get template", index, err)
	}
	for _, t := range res.IndexTemplates {
		if t.Name != index || t.IndexTemplate == nil {
			continue
		}
		owner := metaOwner(t.IndexTemplate.Meta)
		if owner == managedBy || force {
			return nil
		}
		return &Error{Op: "install template", Target: index, Kind: ErrNotOwned,
			Err: fmt.Errorf("index template %q already exists (patterns %s, _meta.managed_by %s) and sipcorr did not create it; "+
				"export under another name (e.g. %q), or force the export to replace that template",
				index, sanitize(strings.Join(t.IndexTemplate.IndexPatterns, ","), 200), quoteOwner(owner), suggestName(index))}
	}
	return nil
}

// guardResolved checks, for an index that does not exist yet, which
// template Elasticsearch would create it from: a foreign template of
// higher priority whose patterns cover the name wins over sipcorr's, and
// the index would get its mapping (no strict fields, maybe ILM, maybe
// someone's log pipeline). Elasticsearch 7.9+ answers _simulate_index;
// older servers (404/400) are not checked.
func (c *Client) guardResolved(ctx context.Context, index string) error {
	cctx, cancel := c.call(ctx)
	defer cancel()
	res, err := c.es.PerformRequest(cctx, elastic.PerformRequestOptions{Method: "POST",
		Path: "/_index_template/_simulate_index/" + url.PathEscape(index)})
	if err != nil {
		var ee *elastic.Error
		if errors.As(err, &ee) && (ee.Status == 404 || ee.Status == 400 || ee.Status == 405) {
			return nil
		}
		return classify("simulate template", index, err)
	}
	var sim struct {
		Template struct {
			Mappings struct {
				Meta map[string]any `json:"_meta"`
			} `json:"mappings"`
		} `json:"template"`
	}
	if err := json.Unmarshal(res.Body, &sim); err != nil {
		return &Error{Op: "simulate template", Target: index, Kind: ErrServer, Err: err}
	}
	if metaOwner(sim.Template.Mappings.Meta) == managedBy {
		return nil
	}
	return &Error{Op: "install template", Target: index, Kind: ErrNotOwned,
		Err: fmt.Errorf("index %q would be created from another index template (%s), not sipcorr's; "+
			"export under a name no other template covers (e.g. %q), or force the export",
			index, orNone(c.winners(ctx, index)), suggestName(index))}
}

// winners names the composable templates other than sipcorr's whose
// patterns cover index with a higher priority: the ones that take it.
// _simulate_index lists only the losers, so they are looked up; on error
// the message just has no names.
func (c *Client) winners(ctx context.Context, index string) []string {
	cctx, cancel := c.call(ctx)
	defer cancel()
	res, err := c.es.IndexGetIndexTemplate("*").Do(cctx)
	if err != nil {
		return nil
	}
	var out []string
	for _, t := range res.IndexTemplates {
		it := t.IndexTemplate
		if it == nil || metaOwner(it.Meta) == managedBy || it.Priority <= templatePriority {
			continue
		}
		if slices.ContainsFunc(it.IndexPatterns, func(p string) bool { return simpleMatch(p, index) }) {
			out = append(out, fmt.Sprintf("%s, priority %d, patterns %s", sanitize(t.Name, 100), it.Priority,
				sanitize(strings.Join(it.IndexPatterns, ","), 200)))
		}
	}
	slices.Sort(out)
	return out
}

// simpleMatch matches Elasticsearch index patterns, where '*' is the only
// wildcard.
func simpleMatch(pattern, s string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == s
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return strings.HasSuffix(s, parts[len(parts)-1])
}

// guardIndex refuses to write into an existing index whose mapping lacks
// sipcorr's marker: exporting into a log index would mix verdict documents
// into the operator's data. mapping is the index's "mappings" object.
func guardIndex(idx string, mapping map[string]any, types map[string]string) error {
	meta, _ := mapping["_meta"].(map[string]any)
	owner := metaOwner(meta)
	if owner == managedBy {
		return nil
	}
	// Indices exported before the marker existed: the strict mapping with
	// sipcorr's own type field is sipcorr's fingerprint.
	if owner == "" && mapping["dynamic"] == "strict" && types["sipcorr.type"] == "keyword" {
		return nil
	}
	var fields []string
	for f := range types {
		fields = append(fields, sanitize(f, 60))
	}
	slices.Sort(fields)
	if len(fields) > 8 {
		fields = append(fields[:8], "...")
	}
	return &Error{Op: "check index", Target: idx, Kind: ErrNotOwned,
		Err: fmt.Errorf("index %q exists and sipcorr did not create it (_meta.managed_by %s; fields %s); "+
			"export under another name (e.g. %q), or force the export to write into it",
			idx, quoteOwner(owner), orNone(fields), suggestName(strings.TrimSuffix(idx, rollupSuffix)))}
}

// metaOwner reads _meta.managed_by ("" if absent or not a string).
func metaOwner(meta map[string]any) string {
	s, _ := meta["managed_by"].(string)
	return sanitize(s, 60)
}

func quoteOwner(owner string) string {
	if owner == "" {
		return "absent"
	}
	return fmt.Sprintf("%q", owner)
}

func orNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ",")
}

// suggestName proposes an export name unlikely to be taken.
func suggestName(index string) string {
	if strings.HasPrefix(index, "sipcorr-") {
		return index + "-verdicts"
	}
	return "sipcorr-" + index
}

// checkIndex reports whether idx exists, and refuses it if sipcorr did not
// create it (unless force) or if it maps a key field differently.
func (c *Client) checkIndex(ctx context.Context, idx string, force bool) (exists bool, err error) {
	cctx, cancel := c.call(ctx)
	defer cancel()
	res, err := c.es.GetMapping().Index(idx).Do(cctx)
	if err != nil {
		cerr := classify("get mapping", idx, err)
		if errors.Is(cerr, ErrIndexNotFound) {
			return false, nil // the template will create it
		}
		return false, cerr
	}
	for name, m := range res {
		mapping, _ := dig(m, "mappings")
		types := map[string]string{}
		if props, ok := dig(m, "mappings", "properties"); ok {
			flattenMapping(props, "", types)
		}
		if !force {
			if err := guardIndex(name, mapping, types); err != nil {
				return true, err
			}
		}
		for field, want := range wantTypes {
			if got, ok := types[field]; ok && !slices.Contains(want, got) {
				return true, &Error{Op: "check mapping", Target: idx, Kind: ErrMappingConflict,
					Err: fmt.Errorf("existing index maps %s as %s, sipcorr writes %s", field, got, want[0])}
			}
		}
	}
	return true, nil
}

func dig(v any, path ...string) (map[string]any, bool) {
	m, ok := v.(map[string]any)
	for _, p := range path {
		if !ok {
			return nil, false
		}
		m, ok = m[p].(map[string]any)
	}
	return m, ok
}

func flattenMapping(props map[string]any, prefix string, out map[string]string) {
	for name, v := range props {
		f, ok := v.(map[string]any)
		if !ok {
			continue
		}
		if t, ok := f["type"].(string); ok {
			out[prefix+name] = t
		}
		if sub, ok := f["properties"].(map[string]any); ok {
			flattenMapping(sub, prefix+name+".", out)
		}
	}
}
