package config

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Load builds the configuration: defaults < YAML file (--config or
// PARLEY_CONFIG) < PARLEY_* environment < flags. args are the flags that
// follow the subcommand; getenv is os.Getenv in production. Unknown keys in
// any of the three sources are errors naming the key. Returns the
// positional arguments left after the flags.
func Load(args []string, getenv func(string) string) (*Config, []string, error) {
	c := &Config{}
	fields := Fields()
	for _, f := range fields {
		if err := c.set(f, f.Default); err != nil {
			return nil, nil, err
		}
	}

	fs := flag.NewFlagSet("parley", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	configPath := fs.String("config", getenv("PARLEY_CONFIG"), "YAML configuration file")
	flagVals := map[string]*string{}
	for _, f := range fields {
		flagVals[f.Key] = fs.String(f.Flag, "", f.Help)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, nil, err
		}
		return nil, nil, fmt.Errorf("flags: %w", err)
	}

	if *configPath != "" {
		values, err := readYAML(*configPath)
		if err != nil {
			return nil, nil, err
		}
		for _, f := range fields {
			if v, ok := values[f.Key]; ok {
				if err := c.set(f, v); err != nil {
					return nil, nil, fmt.Errorf("%s: %w", *configPath, err)
				}
				delete(values, f.Key)
			}
		}
		if len(values) > 0 {
			return nil, nil, fmt.Errorf("%s: unknown keys: %s", *configPath, strings.Join(sortedKeys(values), ", "))
		}
	}

	known := map[string]bool{"PARLEY_CONFIG": true}
	for _, f := range fields {
		known[f.Env] = true
		if v := getenv(f.Env); v != "" {
			if err := c.set(f, v); err != nil {
				return nil, nil, fmt.Errorf("%s: %w", f.Env, err)
			}
		}
	}
	if getenv != nil {
		if unknown := unknownEnv(known, getenv); len(unknown) > 0 {
			return nil, nil, fmt.Errorf("unknown environment variables: %s", strings.Join(unknown, ", "))
		}
	}

	set := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	for _, f := range fields {
		if set[f.Flag] {
			if err := c.set(f, *flagVals[f.Key]); err != nil {
				return nil, nil, fmt.Errorf("--%s: %w", f.Flag, err)
			}
		}
	}
	c.resolve()
	if err := c.Validate(); err != nil {
		return nil, nil, err
	}
	return c, fs.Args(), nil
}

// environ is swapped in tests; it lists the process environment.
var environ = os.Environ

// unknownEnv returns PARLEY_* variables that name no key. Only variables
// visible through getenv are reported, so tests with a fake getenv and the
// PARLEY_TEST_* variables of the test suites are left alone.
func unknownEnv(known map[string]bool, getenv func(string) string) []string {
	var out []string
	for _, kv := range environ() {
		name, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(name, "PARLEY_") || strings.HasPrefix(name, "PARLEY_TEST_") || known[name] {
			continue
		}
		if getenv(name) != "" {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// readYAML reads a YAML file of nested maps into dotted keys.
func readYAML(path string) (map[string]string, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config file: %w", err)
	}
	var tree map[string]any
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&tree); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	out := map[string]string{}
	if err := flatten("", tree, out); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}

func flatten(prefix string, tree map[string]any, out map[string]string) error {
	for k, v := range tree {
		key := k
		if prefix != "" {
			key = prefix + "." + k
		}
		switch v := v.(type) {
		case map[string]any:
			if err := flatten(key, v, out); err != nil {
				return err
			}
		case string:
			out[key] = v
		case int:
			out[key] = strconv.Itoa(v)
		case bool:
			out[key] = strconv.FormatBool(v)
		case float64:
			out[key] = strconv.FormatFloat(v, 'f', -1, 64)
		case []any:
			parts := make([]string, 0, len(v))
			for _, e := range v {
				parts = append(parts, fmt.Sprint(e))
			}
			out[key] = strings.Join(parts, ",")
		case nil:
			out[key] = ""
		default:
			return fmt.Errorf("%s: unsupported value %v", key, v)
		}
	}
	return nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// WriteYAML prints the effective configuration as YAML (nested by key
// path), with secrets and URL passwords redacted.
func (c *Config) WriteYAML(w io.Writer) error {
	root := &yaml.Node{Kind: yaml.MappingNode}
	for _, f := range Fields() {
		val := c.Get(f.Key)
		if f.Secret && val != "" {
			val = "<redacted-secret>" // long enough to read back as a valid secret
		} else if len(f.Schemes) > 0 {
			val = Redact(val)
		}
		parts := strings.Split(f.Key, ".")
		node := root
		for _, p := range parts[:len(parts)-1] {
			node = child(node, p)
		}
		node.Content = append(node.Content,
			&yaml.Node{Kind: yaml.ScalarNode, Value: parts[len(parts)-1], LineComment: f.Help},
			&yaml.Node{Kind: yaml.ScalarNode, Value: val, Style: quoteIfNeeded(val)})
	}
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(root); err != nil {
		return err
	}
	return enc.Close()
}

func child(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	n := &yaml.Node{Kind: yaml.MappingNode}
	m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: key}, n)
	return n
}

func quoteIfNeeded(v string) yaml.Style {
	if v == "" {
		return yaml.DoubleQuotedStyle
	}
	return 0
}

// ShutdownTimeoutOr returns the shutdown timeout, or def when unset.
func (c *Config) ShutdownTimeoutOr(def time.Duration) time.Duration {
	if c.ShutdownTimeout <= 0 {
		return def
	}
	return c.ShutdownTimeout
}
