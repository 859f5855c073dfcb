package leaktest

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/sipcorr/sipcorr/memstat"
)

// SettledShm polls core.shmmem (live values, unlike the statistics, which
// refresh once per timer tick) until two readings 100 ms apart agree.
func SettledShm(ctx context.Context, c *memstat.Client) (memstat.ShmStat, error) {
	prev, err := c.CoreShmmem(ctx)
	if err != nil {
		return prev, err
	}
	for range 100 {
		time.Sleep(100 * time.Millisecond)
		cur, err := c.CoreShmmem(ctx)
		if err != nil {
			return cur, err
		}
		if cur == prev {
			return cur, nil
		}
		prev = cur
	}
	return prev, fmt.Errorf("leaktest: shared memory did not settle: %+v", prev)
}

// HTableItems returns the number of items in htable name (RPC
// htable.stats of the htable module).
func HTableItems(ctx context.Context, c *memstat.Client, name string) (int, error) {
	raw, err := c.Call(ctx, "htable.stats")
	if err != nil {
		return 0, err
	}
	var tables []struct {
		Name string `json:"name"`
		All  int    `json:"all"`
	}
	if err := json.Unmarshal(raw, &tables); err != nil {
		// One table comes back as an object in some versions.
		var one struct {
			Name string `json:"name"`
			All  int    `json:"all"`
		}
		if err2 := json.Unmarshal(raw, &one); err2 != nil {
			return 0, fmt.Errorf("leaktest: htable.stats answer %s: %w", raw, err)
		}
		tables = append(tables, one)
	}
	for _, t := range tables {
		if t.Name == name {
			return t.All, nil
		}
	}
	return 0, fmt.Errorf("leaktest: htable.stats has no table %q: %s", name, raw)
}
