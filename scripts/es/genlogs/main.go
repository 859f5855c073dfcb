// Command genlogs fills an Elasticsearch index with synthetic Kamailio
// "Malformed SIP received" log documents at operator scale, and writes the
// matching memory series, for the benchmark of sipcorr's Elasticsearch path
// (see scripts/es/bench.sh and esquery/README.md).
//
// The defaults are the case of issue 15: 2 000 000 malformed-SIP documents
// over 14 days from 5 000 User-Agents, one leaking UA with 60 000 hits (it
// appears only in the second half of the window, so first-come bounds lose
// it), one innocent heavy UA with 400 000, plus unrelated log lines in the
// same index. The memory series (CSV, one poll per -poll) grows by
// -leak-bytes per leaking hit plus bounded noise.
//
// Documents are structured like Filebeat/ECS output: message,
// user_agent.original (keyword), source.ip, source.port. With -message-only
// a fraction carries the message alone (the paging path).
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"
)

type config struct {
	url, index, mem          string
	docs, uas                int
	leakHits, heavyHits      int
	other                    int
	days                     int
	start                    time.Time
	poll                     time.Duration
	leakBytes                float64
	messageOnly              float64
	batch, workers           int
	seed                     uint64
	leakUA, heavyUA          string
	user, password, endpoint string
}

func main() {
	var c config
	var start string
	flag.StringVar(&c.url, "url", os.Getenv("SIPCORR_ES_URL"), "Elasticsearch URL (user:password@ allowed; default $SIPCORR_ES_URL)")
	flag.StringVar(&c.index, "index", "sipcorr-bench-logs", "index to create (deleted first if it exists)")
	flag.StringVar(&c.mem, "memory", "", "write the memory series CSV here")
	flag.IntVar(&c.docs, "docs", 2000000, "malformed-SIP documents")
	flag.IntVar(&c.uas, "uas", 5000, "distinct User-Agents (including the leaker and the heavy one)")
	flag.IntVar(&c.leakHits, "leak-hits", 60000, "documents of the leaking UA")
	flag.IntVar(&c.heavyHits, "heavy-hits", 400000, "documents of the innocent heavy UA")
	flag.IntVar(&c.other, "other", 100000, "unrelated log documents in the same index")
	flag.IntVar(&c.days, "days", 14, "days covered")
	flag.StringVar(&start, "start", "2026-11-01T00:00:00Z", "start of the window (RFC 3339)")
	flag.DurationVar(&c.poll, "poll", time.Minute, "memory poll interval")
	flag.Float64Var(&c.leakBytes, "leak-bytes", 100, "bytes leaked per message of the leaking UA")
	flag.Float64Var(&c.messageOnly, "message-only", 0, "fraction of documents without structured fields")
	flag.IntVar(&c.batch, "batch", 5000, "documents per bulk request")
	flag.IntVar(&c.workers, "workers", 2, "bulk requests in flight")
	flag.Uint64Var(&c.seed, "seed", 15, "random seed")
	flag.StringVar(&c.leakUA, "leak-ua", "LeakyPhone/2.1 (late leaker)", "User-Agent of the leaker")
	flag.StringVar(&c.heavyUA, "heavy-ua", "BusyTrunk/9.0", "User-Agent of the innocent heavy sender")
	flag.Parse()
	t, err := time.Parse(time.RFC3339, start)
	if err != nil {
		fatal(fmt.Errorf("-start: %w", err))
	}
	c.start = t.UTC()
	if c.uas < 3 || c.docs < c.leakHits+c.heavyHits+c.uas-2 {
		fatal(errors.New("-docs must cover -leak-hits + -heavy-hits + one per other UA, and -uas >= 3"))
	}
	if err := c.parseURL(); err != nil {
		fatal(err)
	}
	if err := run(&c); err != nil {
		fatal(err)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "genlogs:", err)
	os.Exit(1)
}

func (c *config) parseURL() error {
	if c.url == "" {
		return errors.New("no -url and no $SIPCORR_ES_URL")
	}
	u, err := url.Parse(strings.Split(c.url, ",")[0])
	if err != nil {
		return fmt.Errorf("-url: %w", err)
	}
	if u.User != nil {
		c.user = u.User.Username()
		c.password, _ = u.User.Password()
		u.User = nil
	}
	if c.user == "" {
		c.user, c.password = os.Getenv("SIPCORR_ES_USERNAME"), os.Getenv("SIPCORR_ES_PASSWORD")
	}
	c.endpoint = strings.TrimRight(u.String(), "/")
	return nil
}

func (c *config) do(method, path, ctype string, body io.Reader) ([]byte, error) {
	req, err := http.NewRequestWithContext(context.Background(), method, c.endpoint+path, body)
	if err != nil {
		return nil, err
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if c.user != "" {
		req.SetBasicAuth(c.user, c.password)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	if res.StatusCode >= 300 && !(method == http.MethodDelete && res.StatusCode == http.StatusNotFound) {
		return b, fmt.Errorf("%s %s: HTTP %d: %.300s", method, path, res.StatusCode, b)
	}
	return b, nil
}

const mapping = `{
 "settings": {"number_of_shards": 1, "number_of_replicas": 0, "refresh_interval": "-1"},
 "mappings": {"properties": {
  "@timestamp": {"type": "date"},
  "message": {"type": "text"},
  "host": {"properties": {"name": {"type": "keyword"}}},
  "user_agent": {"properties": {"original": {"type": "keyword", "ignore_above": 1024}}},
  "source": {"properties": {"ip": {"type": "ip"}, "port": {"type": "long"}}}
 }}
}`

// plan says how many documents each UA sends.
func (c *config) plan() []int {
	n := make([]int, c.uas)
	n[0], n[1] = c.leakHits, c.heavyHits
	rest := c.docs - c.leakHits - c.heavyHits
	for i := 2; i < c.uas; i++ {
		n[i] = rest / (c.uas - 2)
	}
	n[2] += rest % (c.uas - 2)
	return n
}

func (c *config) ua(i int) string {
	switch i {
	case 0:
		return c.leakUA
	case 1:
		return c.heavyUA
	}
	return fmt.Sprintf("Vendor%03d-Phone/%d.%d", i%997, i/997, i%13)
}

func run(c *config) error {
	began := time.Now()
	if _, err := c.do(http.MethodDelete, "/"+c.index, "", nil); err != nil {
		return err
	}
	if _, err := c.do(http.MethodPut, "/"+c.index, "application/json", strings.NewReader(mapping)); err != nil {
		return err
	}
	span := time.Duration(c.days) * 24 * time.Hour
	polls := int(span / c.poll)
	leakPerPoll := make([]int, polls+1)
	rng := rand.New(rand.NewPCG(c.seed, c.seed^0x5eed))
	counts := c.plan()
	// Every document is (UA, time); the order of indexing is random, as a
	// cluster fed by many shippers sees it.
	type doc struct {
		ua int32
		at int64 // ms offset
	}
	docs := make([]doc, 0, c.docs+c.other)
	for ua, n := range counts {
		from, width := int64(0), span.Milliseconds()
		if ua == 0 { // the leaker starts in the second half
			from, width = width/2, width/2
		}
		for range n {
			at := from + rng.Int64N(width)
			docs = append(docs, doc{int32(ua), at})
			if ua == 0 {
				leakPerPoll[at/c.poll.Milliseconds()]++
			}
		}
	}
	for range c.other {
		docs = append(docs, doc{-1, rng.Int64N(span.Milliseconds())})
	}
	rng.Shuffle(len(docs), func(i, j int) { docs[i], docs[j] = docs[j], docs[i] })

	jobs := make(chan []byte, c.workers)
	errs := make(chan error, c.workers)
	var wg sync.WaitGroup
	for range c.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for body := range jobs {
				if err := c.bulk(body); err != nil {
					errs <- err
					for range jobs {
					}
					return
				}
			}
		}()
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	sent := 0
	for i, d := range docs {
		if err := c.encode(enc, &buf, d.ua, d.at, i, rng); err != nil {
			return err
		}
		if (i+1)%c.batch == 0 || i == len(docs)-1 {
			select {
			case err := <-errs:
				close(jobs)
				return err
			case jobs <- bytes.Clone(buf.Bytes()):
			}
			buf.Reset()
			sent = i + 1
			if sent%(c.batch*40) == 0 {
				fmt.Fprintf(os.Stderr, "genlogs: %d / %d documents (%.0f s)\n", sent, len(docs), time.Since(began).Seconds())
			}
		}
	}
	close(jobs)
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
	}
	if _, err := c.do(http.MethodPut, "/"+c.index+"/_settings", "application/json", strings.NewReader(`{"index":{"refresh_interval":"1s"}}`)); err != nil {
		return err
	}
	if _, err := c.do(http.MethodPost, "/"+c.index+"/_refresh", "", nil); err != nil {
		return err
	}
	if _, err := c.do(http.MethodPost, "/"+c.index+"/_forcemerge?max_num_segments=1", "", nil); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "genlogs: %d documents (%d malformed SIP, %d UAs, %d other) in %s in %.0f s\n",
		len(docs), c.docs, c.uas, c.other, c.index, time.Since(began).Seconds())
	fmt.Printf("index=%s from=%s to=%s leak_ua=%q heavy_ua=%q\n", c.index, c.start.Format(time.RFC3339),
		c.start.Add(span).Format(time.RFC3339), c.leakUA, c.heavyUA)
	if c.mem != "" {
		return c.writeMemory(leakPerPoll, rng)
	}
	return nil
}

func (c *config) encode(enc *json.Encoder, buf *bytes.Buffer, ua int32, at int64, i int, rng *rand.Rand) error {
	buf.WriteString(`{"index":{}}` + "\n")
	ts := c.start.Add(time.Duration(at) * time.Millisecond).Format("2006-01-02T15:04:05.000Z")
	if ua < 0 {
		return enc.Encode(map[string]any{"@timestamp": ts, "host": map[string]string{"name": "edge1"},
			"message": fmt.Sprintf("ACC: transaction answered: method=INVITE id=%d", i)})
	}
	name := c.ua(int(ua))
	ip := fmt.Sprintf("10.%d.%d.%d", (ua>>16)&0xff, (ua>>8)&0xff, ua&0xff)
	port := 5060 + int(ua)%7
	msg := fmt.Sprintf("Malformed SIP received. ua: [%s] received from <%s:%d>", name, ip, port)
	d := map[string]any{"@timestamp": ts, "message": msg, "host": map[string]string{"name": "edge1"}}
	if c.messageOnly == 0 || rng.Float64() >= c.messageOnly {
		d["user_agent"] = map[string]string{"original": name}
		d["source"] = map[string]any{"ip": ip, "port": port}
	}
	return enc.Encode(d)
}

func (c *config) bulk(body []byte) error {
	for attempt := 0; ; attempt++ {
		b, err := c.do(http.MethodPost, "/"+c.index+"/_bulk", "application/x-ndjson", bytes.NewReader(body))
		if err == nil {
			var r struct {
				Errors bool `json:"errors"`
			}
			if jerr := json.Unmarshal(b, &r); jerr != nil {
				return jerr
			}
			if r.Errors {
				return fmt.Errorf("bulk: item errors: %.300s", b)
			}
			return nil
		}
		if attempt >= 5 || !strings.Contains(err.Error(), "HTTP 429") {
			return err
		}
		time.Sleep(time.Duration(250<<attempt) * time.Millisecond)
	}
}

// writeMemory writes shared memory as Kamailio's shm real_used over time:
// a baseline, the leak, and a bounded wobble that does not accumulate.
func (c *config) writeMemory(leakPerPoll []int, rng *rand.Rand) error {
	f, err := os.Create(c.mem)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "time,shm_real_used")
	used := 48.0 * 1024 * 1024
	for i, n := range leakPerPoll {
		used += float64(n) * c.leakBytes
		wobble := rng.Float64() * 64 * 1024
		fmt.Fprintf(w, "%d,%.0f\n", c.start.Add(time.Duration(i)*c.poll).Unix(), used+wobble)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
