// Package correlate finds the SIP devices that make a Kamailio server leak
// memory.
//
// It takes two inputs, both plain values built by cmd/sipcorr: a stream of
// Events (one per judged SIP message or Elasticsearch log hit: time,
// User-Agent, source, failed Kamailio sanity bits) accumulated in a bounded
// Timeline, and the server's memory series (MemSeries, per pkg process or
// shm). Attribute regresses the memory growth per time bucket on the
// per-(User-Agent, rule) malformed counts with non-negative least squares,
// bootstraps 95 % intervals for the bytes leaked per message, and keeps as
// suspects only the devices whose effect is significant. It also finds
// growth windows, projects the time until the weakest pool runs out and
// writes the kamailio.cfg lines that stop the leak.
//
// Everything here is a pure function of its inputs: no I/O, no clocks, no
// global mutable state; randomness comes from a PRNG seeded in Options.
// README.md documents the model, its assumptions and the significance rule.
package correlate
