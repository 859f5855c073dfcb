package kamcfg

import "testing"

func TestReceivers(t *testing.T) {
	for _, tc := range []struct {
		name, cfg string
		want      Receivers
	}{
		{"defaults, no listen", "debug=2\n", Receivers{Children: 8}},
		{"children 4, one udp", "children=4\nlisten=udp:127.0.0.1:5060\nlisten=tcp:127.0.0.1:5060\n", Receivers{Children: 4, ChildrenSet: true, UDPSockets: 1, UDP: 4}},
		{"no proto counts as udp", "listen=10.0.0.1\nlisten=10.0.0.2:5080\nchildren = 3\n", Receivers{Children: 3, ChildrenSet: true, UDPSockets: 2, UDP: 6}},
		{"socket_workers", "children=4\nsocket_workers=2\nlisten=udp:10.0.0.1:5060\nlisten=udp:10.0.0.2:5060\n", Receivers{Children: 4, ChildrenSet: true, UDPSockets: 2, UDP: 6}},
		{"receiver mode", "children=4\nudp_receiver_mode=1\nlisten=udp:1.2.3.4:5060\n", Receivers{Children: 4, ChildrenSet: true, UDPSockets: 1, UDP: 4, ReceiverMode: 1}},
		{"define", "#!define KIDS 6\nchildren=KIDS\nlisten=udp:1.2.3.4:5060 advertise 5.6.7.8:5060\n", Receivers{Children: 6, ChildrenSet: true, UDPSockets: 1, UDP: 6}},
		{"route body ignored", "children=2\nlisten=udp:1.2.3.4:5060\nrequest_route {\n $var(children) = 9;\n}\n", Receivers{Children: 2, ChildrenSet: true, UDPSockets: 1, UDP: 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := Options{}.ParseBytes([]byte(tc.cfg), "k.cfg")
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Receivers != tc.want {
				t.Errorf("got %+v, want %+v", cfg.Receivers, tc.want)
			}
		})
	}
}
