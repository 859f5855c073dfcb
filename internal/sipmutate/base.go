package sipmutate

// header is one header line of a message under construction.
type header struct {
	name, value string
}

// skeleton is a message before rendering: first line, headers, body.
type skeleton struct {
	kind    string // base message name, e.g. "register"
	first   string
	headers []header
	body    string
}

// clone copies s so that mutators may change it freely.
func (s skeleton) clone() skeleton {
	s.headers = append([]header(nil), s.headers...)
	return s
}

// sdp is a typical device offer (a desk phone's INVITE).
const sdp = "v=0\r\n" +
	"o=- 3912447105 3912447105 IN IP4 192.0.2.10\r\n" +
	"s=SIP Call\r\n" +
	"c=IN IP4 192.0.2.10\r\n" +
	"t=0 0\r\n" +
	"m=audio 11780 RTP/AVP 0 8 9 18 101\r\n" +
	"a=rtpmap:0 PCMU/8000\r\n" +
	"a=rtpmap:8 PCMA/8000\r\n" +
	"a=rtpmap:101 telephone-event/8000\r\n" +
	"a=fmtp:101 0-15\r\n" +
	"a=ptime:20\r\n" +
	"a=sendrecv\r\n"

const pidf = `<?xml version="1.0" encoding="UTF-8"?>` + "\r\n" +
	`<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:1001@example.com">` +
	`<tuple id="t1"><status><basic>open</basic></status></tuple></presence>` + "\r\n"

// bases are realistic device messages, modelled on what desk phones,
// softphones and gateways send (field order and header spelling included).
func bases() []skeleton {
	via := "SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK1d4a7c2e;rport"
	from := `"Reception" <sip:1001@example.com>;tag=8f3a91c2`
	to := "<sip:1001@example.com>"
	return []skeleton{
		{kind: "register", first: "REGISTER sip:example.com SIP/2.0", headers: []header{
			{"Via", via}, {"Max-Forwards", "70"}, {"From", from}, {"To", to},
			{"Call-ID", "3c26700e3b1c-7hq8a5@192.0.2.10"}, {"CSeq", "2 REGISTER"},
			{"Contact", `<sip:1001@192.0.2.10:5060;transport=udp>;+sip.instance="<urn:uuid:00000000-0000-1000-8000-000b82a1b2c3>";reg-id=1;expires=3600`},
			{"Authorization", `Digest username="1001", realm="example.com", nonce="5f2b1c0a3d9e", uri="sip:example.com", response="0a4f113b3c8d2c3e1a6f5b7d9e0c1a2b", algorithm=MD5, cnonce="0a4f113b", qop=auth, nc=00000001`},
			{"Expires", "3600"}, {"Allow", "INVITE, ACK, CANCEL, BYE, NOTIFY, REFER, OPTIONS, INFO, SUBSCRIBE"},
			{"Supported", "path, gruu, outbound"}, {"User-Agent", "Grandstream GXP2170 1.0.11.3"}, {"Content-Length", "0"}}},
		{kind: "invite", first: "INVITE sip:2002@example.com;user=phone SIP/2.0", headers: []header{
			{"Via", via}, {"Max-Forwards", "70"}, {"From", from}, {"To", `"Bob" <sip:2002@example.com>`},
			{"Call-ID", "a84b4c76e66710@192.0.2.10"}, {"CSeq", "101 INVITE"},
			{"Contact", `"Reception" <sip:1001@192.0.2.10:5060>`},
			{"Proxy-Authorization", `Digest username="1001",realm="example.com",nonce="5f2b1c0a3d9e",uri="sip:2002@example.com;user=phone",response="d1b2c3a4e5f60718293a4b5c6d7e8f90",algorithm=MD5`},
			{"Allow", "INVITE, ACK, CANCEL, BYE, OPTIONS"}, {"Supported", "replaces, timer"},
			{"Session-Expires", "1800"}, {"Content-Type", "application/sdp"},
			{"User-Agent", "Yealink SIP-T46S 66.86.0.15"}, {"Content-Length", "%L"}}, body: sdp},
		{kind: "subscribe", first: "SUBSCRIBE sip:2002@example.com SIP/2.0", headers: []header{
			{"Via", "SIP/2.0/TCP [2001:db8::10]:5060;branch=z9hG4bK776asdhds;alias"}, {"Max-Forwards", "70"},
			{"From", "<sip:1001@example.com>;tag=12341234"}, {"To", "<sip:2002@example.com>"},
			{"Call-ID", "8820f41c@2001:db8::10"}, {"CSeq", "1 SUBSCRIBE"},
			{"Contact", "<sip:1001@[2001:db8::10]:5060;transport=tcp>"}, {"Event", "dialog"},
			{"Accept", "application/dialog-info+xml"}, {"Expires", "1800"}, {"Content-Length", "0"}}},
		{kind: "notify", first: "NOTIFY sip:1001@192.0.2.10:5060 SIP/2.0", headers: []header{
			{"Via", "SIP/2.0/UDP 198.51.100.5;branch=z9hG4bKnashds8;received=198.51.100.5"},
			{"Via", "SIP/2.0/UDP 192.0.2.77:5070;branch=z9hG4bK3f1e"}, {"Max-Forwards", "69"},
			{"From", "<sip:2002@example.com>;tag=ab12"}, {"To", "<sip:1001@example.com>;tag=12341234"},
			{"Call-ID", "8820f41c@2001:db8::10"}, {"CSeq", "7 NOTIFY"}, {"Event", "presence"},
			{"Subscription-State", "active;expires=1700"}, {"Content-Type", "application/pidf+xml"},
			{"Content-Length", "%L"}}, body: pidf},
		{kind: "options", first: "OPTIONS sip:gw1.example.com SIP/2.0", headers: []header{
			{"Via", "SIP/2.0/UDP 203.0.113.9:5060;branch=z9hG4bK-524287-1---5b2f;rport"},
			{"From", "<sip:ping@203.0.113.9>;tag=ping1"}, {"To", "<sip:gw1.example.com>"},
			{"Call-ID", "ping-1@203.0.113.9"}, {"CSeq", "1 OPTIONS"}, {"Max-Forwards", "70"},
			{"Proxy-Require", "foo"}, {"Require", "100rel"}, {"Accept", "application/sdp"}, {"Content-Length", "0"}}},
		{kind: "bye", first: "BYE sip:2002@198.51.100.20:5060 SIP/2.0", headers: []header{
			{"Via", via}, {"Max-Forwards", "70"}, {"Route", "<sip:198.51.100.5;lr>"},
			{"From", from}, {"To", `"Bob" <sip:2002@example.com>;tag=314159`},
			{"Call-ID", "a84b4c76e66710@192.0.2.10"}, {"CSeq", "102 BYE"}, {"Content-Length", "0"}}},
		{kind: "ack", first: "ACK sip:2002@198.51.100.20:5060 SIP/2.0", headers: []header{
			{"Via", via}, {"Max-Forwards", "70"}, {"From", from}, {"To", `"Bob" <sip:2002@example.com>;tag=314159`},
			{"Call-ID", "a84b4c76e66710@192.0.2.10"}, {"CSeq", "101 ACK"}, {"Content-Length", "0"}}},
		{kind: "200-invite", first: "SIP/2.0 200 OK", headers: []header{
			{"Via", "SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK1d4a7c2e;rport=5060;received=192.0.2.10"},
			{"From", from}, {"To", `"Bob" <sip:2002@example.com>;tag=314159`},
			{"Call-ID", "a84b4c76e66710@192.0.2.10"}, {"CSeq", "101 INVITE"},
			{"Contact", "<sip:2002@198.51.100.20:5060>"}, {"Content-Type", "application/sdp"},
			{"Server", "Asterisk PBX 18.9.0"}, {"Content-Length", "%L"}}, body: sdp},
		{kind: "401-register", first: "SIP/2.0 401 Unauthorized", headers: []header{
			{"Via", via + "=5061;received=203.0.113.44"}, {"From", from}, {"To", to + ";tag=as5c1f9e"},
			{"Call-ID", "3c26700e3b1c-7hq8a5@192.0.2.10"}, {"CSeq", "1 REGISTER"},
			{"WWW-Authenticate", `Digest realm="example.com", nonce="5f2b1c0a3d9e", algorithm=MD5, qop="auth"`},
			{"Content-Length", "0"}}},
		{kind: "180-invite", first: "SIP/2.0 180 Ringing", headers: []header{
			{"Via", "SIP/2.0/TLS client.example.com:5061;branch=z9hG4bK74bf9"},
			{"From", "sip:1001@example.com;tag=9fxced76sl"}, {"To", "sip:2002@example.com;tag=8321234356"},
			{"Call-ID", "3848276298220188511@client.example.com"}, {"CSeq", "1 INVITE"},
			{"Contact", "<sips:2002@198.51.100.20>"}, {"Expires", "60"}, {"Content-Length", "0"}}},
	}
}
