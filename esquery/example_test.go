package esquery_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/sipcorr/sipcorr/esquery"
)

// Reading Kamailio's log (here from a string; ReadLogFile takes a path,
// gzip or not) and counting malformed-SIP lines per UA and minute, as
// `sipcorr analyze --logs kamailio.log` does without any capture.
func ExampleReadLog() {
	log := `2026-11-29T10:00:01Z edge1 kamailio[880]: NOTICE: <script>: Malformed SIP received. ua: [Yealink SIP-T48G] received from <198.51.100.7:5060>
2026-11-29T10:00:31Z edge1 kamailio[880]: NOTICE: <script>: Malformed SIP received. ua: [Yealink SIP-T48G] received from <198.51.100.7:5060>
2026-11-29T10:00:40Z edge1 kamailio[880]: INFO: <core> [core/tcp_main.c:4370]: connection closed
2026-11-29T10:01:02Z edge1 kamailio[880]: ERROR: <script>: Malformed SIP request from 2001:db8::5:5062
`
	tally := &esquery.Tally{Bucket: time.Minute}
	st, err := esquery.ReadLog(strings.NewReader(log), "kamailio.log", esquery.Query{}, esquery.FileOptions{},
		func(h esquery.Hit) error { tally.AddHit(h); return nil })
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d lines, %d hits, %d other\n", st.Lines, st.Hits, st.Other)
	for _, b := range tally.Buckets() {
		if b.HasUA {
			fmt.Printf("%s ua=%q %d\n", b.Start.Format("15:04"), b.UA, b.Count)
		} else {
			fmt.Printf("%s src=%s %d\n", b.Start.Format("15:04"), b.Src, b.Count)
		}
	}
	// Output:
	// 4 lines, 3 hits, 1 other
	// 10:00 ua="Yealink SIP-T48G" 2
	// 10:01 src=2001:db8::5 1
}
