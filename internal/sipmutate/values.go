package sipmutate

// Value pools per header grammar. Each pool mixes what RFC 3261 allows with
// what devices get wrong; the generator also combines entries, so the
// pools stay short and the shapes many.

var viaTransports = []string{"UDP", "TCP", "TLS", "SCTP", "WS", "WSS", "udp", "Tcp", "XYZ", "", "UDP ", " UDP"}

var viaVersions = []string{"SIP/2.0", "sip/2.0", "SIP/2.00", "SIP/2.1", "SIP/3.0", "SIP /2.0", "SIP/ 2.0", "SIP/2.0 ", "SIP2.0", "SIP/", "FOO/2.0"}

var viaHosts = []string{
	"192.0.2.10", "192.0.2.10:5060", "phone.example.com", "phone.example.com:5070", "[2001:db8::10]",
	"[2001:db8::10]:5060", "[::1]", "2001:db8::10", "[2001:db8::10", "192.0.2.10:", "192.0.2.10:0",
	"192.0.2.10:65535", "192.0.2.10:65536", "192.0.2.10:99999", "192.0.2.10 : 5060", "a-b.c_d.example",
	"-bad-.example", "host..example", "192.0.2.10:50a0", "", "xn--bcher-kva.example", "h", "[fe80::1%eth0]:5060",
}

var viaParams = []string{
	";branch=z9hG4bK1d4a7c2e", ";branch=z9hG4bK" + "x", ";branch=", ";branch", ";rport", ";rport=", ";rport=5060",
	";rport=abc", ";received=192.0.2.99", ";received=2001:db8::1", ";received=[2001:db8::1]", ";received=",
	";maddr=224.0.1.75", ";ttl=16", ";ttl=300", ";i=1", ";alias", ";comp=sigcomp", `;x="quoted value"`,
	`;x="unterminated`, `;x="a\"b"`, ";x=a b", ";;", ";", " ; branch = z9hG4bKsp", "\t;branch=z9hG4bKtab",
	";BRANCH=z9hG4bKup", ";Rport", ";x=", ";x==y", ";x=y=z", ";x=\"\"", ";x=[v6]", ";x=a/b", ";keep",
	";branch=z9hG4bK1;branch=z9hG4bK2", " (comment)", "(nested (comment))", ";x=\"q\" (c)", ";x=<y>",
}

// viaSeps join several via-parms in one header.
var viaSeps = []string{", ", ",", " , ", ",,", ", ,", ",\r\n ", ",\t"}

var displayNames = []string{
	"", `"Alice" `, "Alice ", "Alice Smith ", `"Al\"ice" `, `"Al\\ice" `, `"unterminated `, `"" `, `"a,b" `,
	`"a;b" `, `"<x>" `, "\"\xc3\xa9l\xc3\xa8ve\" ", `Alice"quoted" `, " ", "\t", `"Alice"`, "Al ice ",
}

var uris = []string{
	"sip:1001@example.com", "sips:1001@example.com", "sip:example.com", "sip:1001@192.0.2.10:5060",
	"sip:1001@[2001:db8::10]:5060", "sip:1001@2001:db8::10", "tel:+15551234567", "tel:+1-555;phone-context=example.com",
	"sip:1001:secret@example.com", "sip:%31001@example.com", "sip:10%4@example.com", "sip:10%zz@example.com",
	"sip:1001@example.com;transport=udp", "sip:1001@example.com;user=phone;lr", "sip:1001@example.com?subject=x",
	"sip:1001@example.com;transport=tcp?h=v&i=w", "sip:@example.com", "sip:1001@", "sip:", "sip:1001@example.com:",
	"sip:1001@example.com:5060a", "sip:1001@example.com:99999", "SIP:1001@EXAMPLE.COM", "urn:service:sos",
	"mailto:a@example.com", "sip:1001@exa mple.com", "sip:10 01@example.com", "sip:1001@ex_ample.com",
	"sip:1001@-example.com", "sip:+1 (555)@example.com", "sip:1001@example.com;", "sip:1001@example.com;;x",
	"sip:1001@example.com;maddr=", "sip:a@b", "*", "sip:1001@[::1", "sip:1001@example.com;x=\"y\"",
}

var addrParams = []string{
	"", ";tag=8f3a91c2", ";tag=", ";tag", ";tag=a;tag=b", ";TAG=up", ";tag=x;", ";", ";;", " ; tag = sp",
	";tag=\"quoted\"", ";tag=\"unterminated", ";x=\"a\\\"b\"", ";x=\"a\\", ";expires=3600", ";expires=",
	";q=0.5", ";q=1.0;expires=60", ";x", ";x=", ";x=y;z", ";x=y,", ";+sip.instance=\"<urn:uuid:1>\"",
	";x=a b", "\t;tag=tab", ";x=<y>", ";tag=a\tb", ";received=\"sip:1.2.3.4\"", ";reg-id=1;",
}

var cseqs = []string{
	"1 %M", "0 %M", "4294967295 %M", "4294967296 %M", "4294967297 %M", "9999999999 %M", "99999999999 %M",
	"00000000001 %M", "0000000001 %M", "-1 %M", "+1 %M", "1x %M", " 1 %M", "1  %M", "1\t%M", "1 %M ",
	"%M", "1", "", "1 %m", "1 FOO", "1 %M extra", "1 %M,", "1%M", "12a %M", "1 INV ITE",
}

var contentLengths = []string{"%L", "0", "1", "5", "-1", "+3", "00", "4294967296", "99999999999", " %L", "%L ", "0x10", "abc", "", "%L junk", "1 2", "%L%L", "0%L"}

var expires = []string{
	"3600", "0", "", " ", "3600;x", "3600 x", "3600\t", "Thu, 01 Dec 1994 16:00:00 GMT", "4294967296",
	"4294967297", "-1", "00000000001", "0000000001", "1e3", "99999999999", "3600,", " 3600", "+5",
}

var requireLists = []string{
	"foo", "bar", "foo,bar", "foo, bar", "foo,,", ",", "", " ", "foo ,bar", "sip.mysipproxy.com",
	"foo, sip.mysipproxy.com", "100rel", "100rel,timer", "100rel, foo, baz", ",foo", "foo,", "FOO",
	"foo;x=1", "foo bar", "\tfoo", "foo,,100rel",
}

var digestParams = []string{
	`username="1001"`, `realm="example.com"`, `nonce="5f2b1c0a3d9e"`, `uri="sip:example.com"`,
	`response="0a4f113b3c8d2c3e1a6f5b7d9e0c1a2b"`, "algorithm=MD5", "algorithm=SHA-256", "algorithm=md5-sess",
	`cnonce="0a4f113b"`, "qop=auth", `qop="auth"`, "qop=auth-int", "nc=00000001", "nc=1", "nc=0000000g",
	`opaque="5ccc069c"`, "username=1001", `username=""`, `realm=`, `nonce="unterminated`, `username="a\"b"`,
	`uri="sip:other.example.com"`, `response="short"`, "stale=false", `x="y"`, "x", "=", `username="1001", username="1002"`,
}

var authSchemes = []string{"Digest ", "digest ", "DIGEST\t", "Digest", "Digest,", "Basic ", "Bearer ", "Digestx ", ""}

// compact maps header names to their RFC 3261 compact forms.
var compact = map[string]string{
	"Via": "v", "From": "f", "To": "t", "Contact": "m", "Call-ID": "i", "Content-Length": "l",
	"Content-Type": "c", "Supported": "k", "Subject": "s", "Event": "o", "Allow-Events": "u",
}

var requestVersions = []string{"SIP/2.0", "sip/2.0", "SIP/2.00", "SIP/2.0x", "SIP/2.0/", "SIP/2.1", "SIP/3.0", "SIP2.0", "SIP/", "SIP/2", "FOO/2.0", "Sip/2.0"}

var methods = []string{"INVITE", "REGISTER", "OPTIONS", "BYE", "ACK", "CANCEL", "SUBSCRIBE", "NOTIFY", "INFO", "MESSAGE", "PRACK", "UPDATE", "REFER", "PUBLISH", "invite", "FOO", "INV-ITE"}
