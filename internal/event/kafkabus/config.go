package kafkabus

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/parleychat/parley/internal/errs"
	"github.com/parleychat/parley/internal/event"
)

// Config says which brokers to use and how topics are named and created.
// Zero values take the defaults.
type Config struct {
	// Brokers are the seed brokers, host:port each (the port defaults
	// to 9092 in ParseURL). At least one is required.
	Brokers []string
	// TopicPrefix is put before every topic and consumer group name
	// (default "parley."), so that several deployments can share a
	// cluster.
	TopicPrefix string
	// Partitions is the partition count of topics the bus creates
	// (default 16). Topics that exist already are used as they are.
	Partitions int32
	// ReplicationFactor of topics the bus creates (default -1: the
	// broker's default.replication.factor).
	ReplicationFactor int16
	// ClientID names this process to the brokers (default "parley").
	ClientID string
	// Logger receives retries, skipped events and client warnings
	// (default: discard).
	Logger *slog.Logger
	// Backoff is the retry policy for failing handlers (default
	// event.DefaultBackoff).
	Backoff event.Backoff
}

func (c Config) withDefaults() Config {
	if c.TopicPrefix == "" {
		c.TopicPrefix = "parley."
	}
	if c.Partitions <= 0 {
		c.Partitions = 16
	}
	if c.ReplicationFactor == 0 {
		c.ReplicationFactor = -1
	}
	if c.ClientID == "" {
		c.ClientID = "parley"
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return c
}

// ParseURL reads a kafka:// URL:
//
//	kafka://host1:9092,host2:9092?prefix=parley.&partitions=16&replication=3&client_id=parley
//
// Every query parameter is optional; an unknown one is an error, as is a
// URL of another scheme or without a host. The Logger and Backoff are not
// part of the URL.
func ParseURL(raw string) (Config, error) {
	rest, ok := strings.CutPrefix(raw, "kafka://")
	if !ok {
		return Config{}, errs.E(errs.Invalid, "event bus URL %q: want kafka://host:port[,host:port…][?options]", raw)
	}
	hosts, query, _ := strings.Cut(rest, "?")
	hosts = strings.TrimSuffix(hosts, "/")
	var c Config
	for h := range strings.SplitSeq(hosts, ",") {
		h = strings.TrimSpace(h)
		if h == "" {
			continue
		}
		if _, _, err := net.SplitHostPort(h); err != nil {
			// No port: the default one. What still is no host:port
			// ("k[1", say) is refused here rather than at the first dial.
			given := h
			h = net.JoinHostPort(strings.Trim(h, "[]"), "9092")
			if _, _, err := net.SplitHostPort(h); err != nil {
				return Config{}, errs.E(errs.Invalid, "event bus URL %q: broker %q is not host or host:port", raw, given)
			}
		}
		c.Brokers = append(c.Brokers, h)
	}
	if len(c.Brokers) == 0 {
		return Config{}, errs.E(errs.Invalid, "event bus URL %q names no broker", raw)
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return Config{}, errs.Wrap(errs.Invalid, err, fmt.Sprintf("event bus URL %q: bad query", raw))
	}
	for k, vs := range q {
		v := vs[len(vs)-1]
		switch k {
		case "prefix":
			c.TopicPrefix = v
		case "partitions":
			n, err := strconv.ParseInt(v, 10, 32)
			if err != nil || n <= 0 {
				return Config{}, errs.E(errs.Invalid, "event bus URL %q: partitions must be a positive number", raw)
			}
			c.Partitions = int32(n)
		case "replication":
			n, err := strconv.ParseInt(v, 10, 16)
			if err != nil || n == 0 || n < -1 {
				return Config{}, errs.E(errs.Invalid, "event bus URL %q: replication must be a positive number or -1", raw)
			}
			c.ReplicationFactor = int16(n)
		case "client_id":
			c.ClientID = v
		default:
			return Config{}, errs.E(errs.Invalid, "event bus URL %q: unknown option %q (known: prefix, partitions, replication, client_id)", raw, k)
		}
	}
	return c, nil
}
