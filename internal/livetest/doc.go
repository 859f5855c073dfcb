// Package livetest gives the live-capture tests what they need: a pair of
// network namespaces joined by a veth link (root only), and a bounded,
// rate-controlled UDP sender of a known SIP mix (well-formed messages and
// one kind of malformed message per Kamailio sanity rule, each from its own
// User-Agent). Traffic goes only to 127.0.0.0/8 or into namespaces the
// tests create, and every send is bounded in count and time.
package livetest
