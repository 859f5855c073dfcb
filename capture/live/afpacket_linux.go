//go:build linux

package live

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/afpacket"
	"github.com/gopacket/gopacket/layers"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// afpacketSource is an AF_PACKET socket with a TPACKET_V3 ring.
type afpacketSource struct {
	tp     *afpacket.TPacket
	ctl    int // AF_INET socket in the capture namespace, for interface ioctls
	iface  string
	name   string
	link   layers.LinkType
	filter []bpf.RawInstruction

	received  uint64
	closeOnce sync.Once
	closeErr  error
}

// Open starts an AF_PACKET capture on o.Interface with the default filter
// (or o.Filter). Errors are *Error values wrapping ErrNoInterface,
// ErrPermission, ErrInterfaceDown or the system error.
func Open(o Options) (Source, error) {
	o = o.withDefaults()
	name := o.Interface
	if o.Netns != "" {
		name += "@" + o.Netns
	}
	fail := func(op string, err error) error { return &Error{Interface: name, Op: op, Err: err} }
	switch o.Interface {
	case "":
		return nil, fail("open", errors.New("no interface given"))
	case "any":
		return nil, fail("open", errors.New(`"any" is not supported: name one interface (the frames of "any" have no link header)`))
	}
	var s *afpacketSource
	err := inNetns(o.Netns, func() error {
		var err error
		s, err = openAFPacket(o, name)
		return err
	})
	if err != nil {
		var le *Error
		if errors.As(err, &le) {
			return nil, err
		}
		return nil, fail("open", err)
	}
	return s, nil
}

func openAFPacket(o Options, name string) (*afpacketSource, error) {
	fail := func(op string, err error) error { return &Error{Interface: name, Op: op, Err: err} }
	ctl, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fail("open", err)
	}
	s := &afpacketSource{ctl: ctl, iface: o.Interface, name: name}
	if err := s.checkInterface(); err != nil {
		unix.Close(ctl)
		return nil, fail("open", err)
	}
	arphrd, err := s.ioctlUint16(unix.SIOCGIFHWADDR)
	if err != nil {
		unix.Close(ctl)
		return nil, fail("open", err)
	}
	if s.link, err = linkTypeOf(arphrd); err != nil {
		unix.Close(ctl)
		return nil, fail("open", err)
	}
	blocks := o.RingSize / o.BlockSize
	if blocks < 2 {
		blocks = 2
	}
	s.tp, err = afpacket.NewTPacket(
		afpacket.OptInterface(o.Interface),
		afpacket.TPacketVersion3,
		afpacket.SocketRaw,
		afpacket.OptBlockSize(o.BlockSize),
		afpacket.OptNumBlocks(blocks),
		afpacket.OptBlockTimeout(o.BlockTimeout),
		afpacket.OptPollTimeout(o.PollTimeout),
	)
	if err != nil {
		unix.Close(ctl)
		if errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES) {
			return nil, fail("open", ErrPermission)
		}
		return nil, fail("open", err)
	}
	filter := o.Filter
	if filter == nil {
		ins, err := BuildFilter(FilterSpec{Link: s.link, Ports: o.Ports, Tunnels: o.Tunnels,
			SkipOutgoing: arphrd == unix.ARPHRD_LOOPBACK, Snaplen: uint32(o.Snaplen)})
		if err != nil {
			s.Close()
			return nil, fail("filter", err)
		}
		if filter, err = bpf.Assemble(ins); err != nil {
			s.Close()
			return nil, fail("filter", err)
		}
	}
	// an empty filter means none: a fresh socket has nothing to detach
	if len(filter) > 0 {
		if err := s.tp.SetBPF(filter); err != nil {
			s.Close()
			return nil, fail("filter", fmt.Errorf("%w: the kernel rejected it: %v", ErrBadFilter, err))
		}
	}
	s.filter = filter
	if o.Promiscuous {
		if err := s.tp.SetPromiscuous(true); err != nil {
			s.Close()
			return nil, fail("promiscuous", err)
		}
	}
	return s, nil
}

// checkInterface says whether the interface exists and is up.
func (s *afpacketSource) checkInterface() error {
	if _, err := s.ioctlUint16(unix.SIOCGIFINDEX); err != nil {
		if errors.Is(err, unix.ENODEV) {
			return ErrNoInterface
		}
		return err
	}
	flags, err := s.ioctlUint16(unix.SIOCGIFFLAGS)
	if err != nil {
		if errors.Is(err, unix.ENODEV) {
			return fmt.Errorf("%w (the interface was deleted)", ErrInterfaceDown)
		}
		return err
	}
	if flags&unix.IFF_UP == 0 {
		return fmt.Errorf("%w (ip link set %s up)", ErrInterfaceDown, s.iface)
	}
	return nil
}

func (s *afpacketSource) ioctlUint16(req uint) (uint16, error) {
	ifr, err := unix.NewIfreq(s.iface)
	if err != nil {
		return 0, fmt.Errorf("%w: %v", ErrNoInterface, err)
	}
	if err := unix.IoctlIfreq(s.ctl, req, ifr); err != nil {
		return 0, err
	}
	return ifr.Uint16(), nil
}

// linkTypeOf maps the interface's ARPHRD type to the link type of the
// frames a SOCK_RAW packet socket reads from it.
func linkTypeOf(arphrd uint16) (layers.LinkType, error) {
	switch arphrd {
	case unix.ARPHRD_ETHER, unix.ARPHRD_LOOPBACK:
		return layers.LinkTypeEthernet, nil
	case unix.ARPHRD_NONE, unix.ARPHRD_TUNNEL, unix.ARPHRD_TUNNEL6, unix.ARPHRD_SIT,
		unix.ARPHRD_IPGRE, unix.ARPHRD_IP6GRE, unix.ARPHRD_RAWIP:
		return layers.LinkTypeRaw, nil
	}
	return 0, fmt.Errorf("unsupported link type (ARPHRD %d)", arphrd)
}

func (s *afpacketSource) ReadPacket() ([]byte, gopacket.CaptureInfo, error) {
	data, ci, err := s.tp.ZeroCopyReadPacketData()
	switch {
	case err == nil:
		s.received++
		return data, ci, nil
	case errors.Is(err, afpacket.ErrTimeout):
		return nil, ci, ErrTimeout
	case errors.Is(err, afpacket.ErrPoll):
		// the kernel flags the socket with ENETDOWN when its interface
		// goes down or away; say which
		if cerr := s.checkInterface(); cerr != nil {
			if errors.Is(cerr, ErrNoInterface) {
				cerr = fmt.Errorf("%w (the interface was deleted)", ErrInterfaceDown)
			}
			return nil, ci, &Error{Interface: s.name, Op: "read", Err: cerr}
		}
		return nil, ci, &Error{Interface: s.name, Op: "read", Err: fmt.Errorf("%w (the socket reported an error)", ErrInterfaceDown)}
	}
	return nil, ci, &Error{Interface: s.name, Op: "read", Err: err}
}

func (s *afpacketSource) LinkType() layers.LinkType    { return s.link }
func (s *afpacketSource) Interface() string            { return s.name }
func (s *afpacketSource) Filter() []bpf.RawInstruction { return s.filter }

func (s *afpacketSource) Stats() (Stats, error) {
	st := Stats{Received: s.received}
	_, v3, err := s.tp.SocketStats()
	if err != nil {
		return st, &Error{Interface: s.name, Op: "stats", Err: err}
	}
	st.KernelPackets = uint64(v3.Packets())
	st.KernelDrops = uint64(v3.Drops())
	st.QueueFreezes = uint64(v3.QueueFreezes())
	return st, nil
}

func (s *afpacketSource) Close() error {
	s.closeOnce.Do(func() {
		if s.tp != nil {
			s.tp.Close()
		}
		s.closeErr = unix.Close(s.ctl)
	})
	return s.closeErr
}

// inNetns runs f with the calling goroutine's thread in the network
// namespace ns ("" runs f here). Sockets f creates stay in that namespace.
// The thread is not returned to the Go scheduler afterwards (it exits with
// its goroutine), so no other goroutine ever runs in the namespace.
func inNetns(ns string, f func() error) error {
	if ns == "" {
		return f()
	}
	path := ns
	if !strings.ContainsRune(ns, '/') {
		path = filepath.Join("/run/netns", ns)
	}
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread dies with the goroutine
		fd, err := os.Open(path)
		if err != nil {
			done <- fmt.Errorf("network namespace %s: %w", ns, err)
			return
		}
		defer fd.Close()
		if err := unix.Setns(int(fd.Fd()), unix.CLONE_NEWNET); err != nil {
			if errors.Is(err, unix.EPERM) {
				err = ErrPermission
			}
			done <- fmt.Errorf("network namespace %s: %w", ns, err)
			return
		}
		done <- f()
	}()
	return <-done
}
