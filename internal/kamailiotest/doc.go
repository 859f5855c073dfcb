// Package kamailiotest runs a real Kamailio (Debian's package) as a test
// oracle for sipcorr's sanity engine.
//
// Start generates a kamailio.cfg in which every sanity_check(msg, uri) call
// of interest runs alone on its own UDP socket (autodrop=0, noreply=1),
// starts Kamailio in the foreground, and waits until every socket answers.
// Judge and JudgeBatch send each message, byte for byte, to every socket and
// follow it with a sentinel request on the same socket; the worker handles
// its socket in order, so whatever it logs and sends before the sentinel's
// answer belongs to the message. From that the Observation records, per
// call, whether the route ran at all (a core drop otherwise), whether the
// check passed, and which reply sanity_reply() put on the wire. Verdict
// turns an observation into the verdict for a msg_checks/uri_checks pair,
// in the shape of `sipcorr check` output.
package kamailiotest
