// Command peer-go is the go-control-plane side of Ricochet's push benchmark (bench/xds-push.ts):
// a SnapshotCache (ADS mode) behind go-control-plane's SotW ADS server with ordered ADS, serving
// exactly the resources Ricochet serves. The benchmark driver writes each step's resources as the
// encoded Any bytes Ricochet produced; they are unmarshalled here into go-control-plane's Envoy
// types once, before the clock starts, so both servers serve the same content with the same
// per-type versions.
//
// It speaks the line protocol of bench/lib/serverProtocol.ts on stdin/stdout. All nodes map to one
// snapshot key (a constant NodeHash), the go-control-plane equivalent of Ricochet's shared view.
package main

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"sync/atomic"
	"syscall"
	"time"

	core "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	discoverygrpc "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	"github.com/envoyproxy/go-control-plane/pkg/cache/types"
	cachev3 "github.com/envoyproxy/go-control-plane/pkg/cache/v3"
	"github.com/envoyproxy/go-control-plane/pkg/server/sotw/v3"
	serverv3 "github.com/envoyproxy/go-control-plane/pkg/server/v3"
	"golang.org/x/sys/unix"
	"google.golang.org/grpc"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"

	// Top-level resource types, registered for anypb.UnmarshalNew. Nested typed_config Anys stay
	// as bytes, as they do when a Go control plane builds them with anypb.New.
	_ "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/config/endpoint/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
)

const snapshotKey = "bench"

// Sum of the resource bytes as Ricochet encoded them (Any.value), for comparison with Go's marshal.
var originalBytes int

type constHash struct{}

func (constHash) ID(*core.Node) string { return snapshotKey }

type command struct {
	Cmd  string `json:"cmd"`
	Step int    `json:"step"`
	File string `json:"file"`
}

type stepFile struct {
	Versions  map[string]string   `json:"versions"`
	Resources map[string][]string `json:"resources"`
}

func monotonicNanos() int64 {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		panic(err)
	}
	return ts.Nano()
}

func reply(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	os.Stdout.Write(append(b, '\n'))
}

func fail(err error) {
	reply(map[string]any{"ok": false, "error": err.Error()})
}

// loadStep builds a snapshot with per-type versions (the same version strings Ricochet uses).
func loadStep(path string) (*cachev3.Snapshot, map[string]string, int, error) {
	originalBytes = 0
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, 0, err
	}
	var f stepFile
	if err := json.Unmarshal(raw, &f); err != nil {
		return nil, nil, 0, err
	}
	snap := &cachev3.Snapshot{}
	count := 0
	for typeURL, encoded := range f.Resources {
		items := make([]types.Resource, 0, len(encoded))
		for _, b64 := range encoded {
			bytes, err := base64.StdEncoding.DecodeString(b64)
			if err != nil {
				return nil, nil, 0, err
			}
			var a anypb.Any
			if err := proto.Unmarshal(bytes, &a); err != nil {
				return nil, nil, 0, err
			}
			originalBytes += len(a.GetValue())
			msg, err := a.UnmarshalNew()
			if err != nil {
				return nil, nil, 0, fmt.Errorf("%s: %w", a.GetTypeUrl(), err)
			}
			items = append(items, msg)
		}
		index := cachev3.GetResponseType(typeURL)
		if index == types.UnknownType {
			return nil, nil, 0, fmt.Errorf("unknown type %s", typeURL)
		}
		snap.Resources[index] = cachev3.NewResources(f.Versions[typeURL], items)
		count += len(items)
	}
	if err := snap.Consistent(); err != nil {
		return nil, nil, 0, fmt.Errorf("inconsistent snapshot: %w", err)
	}
	return snap, f.Versions, count, nil
}

// marshalOnce is what go-control-plane's SnapshotCache pays per response: a deterministic
// marshal of every resource of the snapshot (timed here once, for the report).
// The best of three runs, so lazy per-type initialisation is not counted.
func marshalOnce(snap *cachev3.Snapshot) (time.Duration, int, error) {
	opts := proto.MarshalOptions{Deterministic: true}
	best := time.Duration(1<<63 - 1)
	size := 0
	for run := 0; run < 3; run++ {
		start := time.Now()
		size = 0
		for _, r := range snap.Resources {
			for _, item := range r.Items {
				b, err := opts.Marshal(item.Resource)
				if err != nil {
					return 0, 0, err
				}
				size += len(b)
			}
		}
		best = min(best, time.Since(start))
	}
	return best, size, nil
}

func main() {
	ctx := context.Background()
	snapshots := cachev3.NewSnapshotCache(true, constHash{}, nil)
	var responses, requests atomic.Int64
	callbacks := serverv3.CallbackFuncs{
		StreamRequestFunc: func(int64, *discoverygrpc.DiscoveryRequest) error {
			requests.Add(1)
			return nil
		},
		StreamResponseFunc: func(context.Context, int64, *discoverygrpc.DiscoveryRequest, *discoverygrpc.DiscoveryResponse) {
			responses.Add(1)
		},
	}
	xds := serverv3.NewServer(ctx, snapshots, callbacks, sotw.WithOrderedADS())
	// Server options as in go-control-plane's own example server.
	grpcServer := grpc.NewServer(
		grpc.MaxConcurrentStreams(1000000),
		grpc.KeepaliveParams(keepalive.ServerParameters{Time: 30 * time.Second, Timeout: 5 * time.Second}),
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: 30 * time.Second, PermitWithoutStream: true}),
	)
	discoverygrpc.RegisterAggregatedDiscoveryServiceServer(grpcServer, xds)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	go func() {
		if err := grpcServer.Serve(lis); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	}()

	var prepared *cachev3.Snapshot
	reply(map[string]any{"event": "ready", "port": lis.Addr().(*net.TCPAddr).Port, "pid": os.Getpid()})
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 64<<20)
	for in.Scan() {
		var c command
		if err := json.Unmarshal(in.Bytes(), &c); err != nil {
			fail(err)
			continue
		}
		switch c.Cmd {
		case "prepare":
			start := time.Now()
			snap, versions, count, err := loadStep(c.File)
			if err != nil {
				fail(err)
				continue
			}
			prepareMs := float64(time.Since(start).Microseconds()) / 1000
			marshal, size, err := marshalOnce(snap)
			if err != nil {
				fail(err)
				continue
			}
			prepared = snap
			reply(map[string]any{"ok": true, "versions": versions, "prepareMs": prepareMs, "encodes": 0,
				"resources": count, "marshalAllMs": float64(marshal.Microseconds()) / 1000, "marshalledBytes": size, "ricochetBytes": originalBytes})
		case "push":
			if prepared == nil {
				fail(fmt.Errorf("nothing prepared"))
				continue
			}
			t0 := monotonicNanos()
			err := snapshots.SetSnapshot(ctx, snapshotKey, prepared)
			setMs := float64(monotonicNanos()-t0) / 1e6
			prepared = nil
			if err != nil {
				fail(err)
				continue
			}
			reply(map[string]any{"ok": true, "t0": fmt.Sprint(t0), "setMs": setMs})
		case "stats":
			var u syscall.Rusage
			if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
				fail(err)
				continue
			}
			reply(map[string]any{"ok": true,
				"cpuUserUs": u.Utime.Sec*1e6 + u.Utime.Usec, "cpuSysUs": u.Stime.Sec*1e6 + u.Stime.Usec,
				"maxRssKb": u.Maxrss,
				"metrics":  map[string]int64{"responsesSent": responses.Load(), "requests": requests.Load()}})
		case "exit":
			grpcServer.Stop()
			reply(map[string]any{"ok": true})
			return
		default:
			fail(fmt.Errorf("unknown command %q", c.Cmd))
		}
	}
}
