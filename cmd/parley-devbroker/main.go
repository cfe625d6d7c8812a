// Command parley-devbroker runs a Kafka-protocol broker (franz-go's kfake)
// as its own process, for development, for the split-mode cluster on one
// machine and for the integration tests of event/kafkabus
// (PARLEY_TEST_KAFKA_URL, default kafka://127.0.0.1:19092).
//
// It is one broker: produce, fetch, consumer groups and committed offsets
// work as in Kafka, without replication. With -data it keeps topics,
// records, groups and offsets in that directory across restarts;
// without it everything is in memory and lost when it stops.
//
//	parley-devbroker -addr 127.0.0.1:19092 -data ./data/broker -partitions 16
//
// It stops on SIGINT or SIGTERM, saving its state first when -data is set.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	"github.com/twmb/franz-go/pkg/kfake"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "parley-devbroker:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("parley-devbroker", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:19092", "`host:port` to listen on; the host is also the address advertised to clients (an empty host means 127.0.0.1)")
	data := fs.String("data", "", "`directory` where topics, records, groups and offsets persist across restarts (default: memory only)")
	partitions := fs.Int("partitions", 16, "partitions of topics created without a partition count")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	host, portStr, err := net.SplitHostPort(*addr)
	if err != nil {
		return fmt.Errorf("-addr %q: %w", *addr, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil || port <= 0 || port > 65535 {
		return fmt.Errorf("-addr %q: want a port between 1 and 65535", *addr)
	}
	if host == "" {
		host = "127.0.0.1"
	}
	// Clients connect to the address the broker advertises, which is the
	// address it listens on: an unspecified one would be unreachable.
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		return fmt.Errorf("-addr %q: listen on a specific address clients can reach, not %s", *addr, host)
	}
	if *partitions <= 0 {
		return errors.New("-partitions must be positive")
	}

	log := slog.New(slog.NewTextHandler(stderr, nil))
	listen := net.JoinHostPort(host, portStr)
	opts := []kfake.Opt{
		kfake.NumBrokers(1),
		kfake.Ports(port),
		// kfake binds 127.0.0.1 itself; this lets -addr choose the host.
		kfake.ListenFn(func(network, _ string) (net.Listener, error) { return net.Listen(network, listen) }),
		kfake.DefaultNumPartitions(*partitions),
		kfake.AllowAutoTopicCreation(),
	}
	if *data != "" {
		opts = append(opts, kfake.DataDir(*data))
	}
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		return fmt.Errorf("start broker on %s: %w", listen, err)
	}
	log.Info("parley-devbroker listening", "addr", c.ListenAddrs(), "url", "kafka://"+listen, "data", *data, "partitions", *partitions)

	<-ctx.Done()
	log.Info("parley-devbroker stopping")
	c.Close()
	return nil
}
