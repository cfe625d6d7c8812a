// Package config holds Parley's one configuration struct and loads it.
//
// The defaults are the embedded mode: `parley` with no configuration runs
// every role in one process on SQLite, the in-process event bus, local
// files, a bleve index and mail printed to the log, all under data_dir.
// Switching a key to a distributed URL (mysql://, kafka://, s3://,
// redis://, elasticsearch://, smtp://) is all it takes to scale out.
//
// Sources, lowest precedence first: defaults, a YAML file (--config or
// PARLEY_CONFIG), PARLEY_* environment variables, flags. Unknown keys,
// unknown PARLEY_* variables, bad durations, unknown roles and URLs with an
// unknown scheme are errors that name the key. `parley config` prints the
// effective configuration with secrets and URL passwords redacted.
package config
