package deploy

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// TestDockerfile parses the image's Dockerfile as BuildKit does, with its
// build checks, and checks what the image promises: several stages, a
// static binary on a distroless base, run as an unprivileged user, and
// toolchains that match the module and the web client.
func TestDockerfile(t *testing.T) {
	f, err := os.Open("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := parser.Parse(f)
	if err != nil {
		t.Fatalf("Dockerfile does not parse: %v", err)
	}
	for _, w := range res.Warnings {
		t.Errorf("parser warning: %s", w.Short)
	}
	var warnings []string
	lint := linter.New(&linter.Config{Warn: func(rule, _, _, msg string, loc []parser.Range) {
		warnings = append(warnings, fmt.Sprintf("line %v: %s: %s", loc, rule, msg))
	}})
	stages, _, err := instructions.Parse(res.AST, lint)
	if err != nil {
		t.Fatalf("Dockerfile: %v", err)
	}
	for _, w := range warnings {
		t.Errorf("build check: %s", w)
	}
	if len(stages) < 3 {
		t.Fatalf("%d stages, want the web client, the binary and the runtime", len(stages))
	}

	var names []string
	for _, st := range stages {
		for _, c := range st.Commands {
			if cp, ok := c.(*instructions.CopyCommand); ok && cp.From != "" && !slices.Contains(names, cp.From) {
				t.Errorf("stage %q copies from %q, which is no earlier stage", st.Name, cp.From)
			}
		}
		names = append(names, st.Name)
	}

	final := stages[len(stages)-1]
	if !strings.HasPrefix(final.BaseName, "gcr.io/distroless/static") {
		t.Errorf("runtime base %q, want distroless/static (nothing but the binary)", final.BaseName)
	}
	var user, entry string
	for _, c := range final.Commands {
		switch c := c.(type) {
		case *instructions.UserCommand:
			user = c.User
		case *instructions.EntrypointCommand:
			entry = strings.Join(c.CmdLine, " ")
		case *instructions.RunCommand:
			t.Errorf("the runtime stage runs %q: it has no shell", c.CmdLine)
		}
	}
	if u := strings.Split(user, ":")[0]; u == "" || u == "0" || u == "root" {
		t.Errorf("runtime USER is %q, want an unprivileged user", user)
	}
	if !strings.HasSuffix(entry, "/parley") {
		t.Errorf("ENTRYPOINT %q does not run parley", entry)
	}

	var goImage, nodeImage, goBuild string
	for _, st := range stages {
		switch {
		case strings.HasPrefix(st.BaseName, "golang:"):
			goImage = st.BaseName
			for _, c := range st.Commands {
				if r, ok := c.(*instructions.RunCommand); ok && strings.Contains(strings.Join(r.CmdLine, " "), "go build") {
					goBuild = strings.Join(r.CmdLine, " ")
				}
			}
		case strings.HasPrefix(st.BaseName, "node:"):
			nodeImage = st.BaseName
		}
	}
	if !strings.Contains(goBuild, "CGO_ENABLED=0") || !strings.Contains(goBuild, "./cmd/parley") {
		t.Errorf("the go build %q must make a static ./cmd/parley (CGO_ENABLED=0) for distroless/static", goBuild)
	}
	mod, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	goVersion := regexp.MustCompile(`(?m)^go (\S+)$`).FindSubmatch(mod)
	if goVersion == nil || !strings.HasPrefix(goImage, "golang:"+string(goVersion[1])) {
		t.Errorf("builder %q, want golang:%s (go.mod)", goImage, goVersion[1])
	}
	pkg, err := os.ReadFile("../web/package.json")
	if err != nil {
		t.Fatal(err)
	}
	engine := regexp.MustCompile(`"node": ">=(\d+)\.(\d+)`).FindSubmatch(pkg)
	image := regexp.MustCompile(`^node:(\d+)\.(\d+)`).FindStringSubmatch(nodeImage)
	if engine == nil || image == nil || atoi(image[1]) != atoi(string(engine[1])) || atoi(image[2]) < atoi(string(engine[2])) {
		t.Errorf("web builder %q does not satisfy web/package.json's engines (node >=%s.%s)", nodeImage, engine[1], engine[2])
	}
}

// TestDockerignore checks that the build context keeps what the image is
// built from and drops what would bloat it or leak local state.
func TestDockerignore(t *testing.T) {
	raw, err := os.ReadFile("../.dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	var rules []string
	for _, l := range strings.Split(string(raw), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			rules = append(rules, strings.TrimSuffix(l, "/"))
		}
	}
	ignored := func(path string) bool {
		for _, r := range rules {
			if path == r || strings.HasPrefix(path, r+"/") {
				return true
			}
		}
		return false
	}
	for _, need := range []string{"go.mod", "go.sum", "cmd/parley/main.go", "internal/node/node.go", "api/gen", "web/embed.go", "web/dist/README.md", "web/package.json", "web/package-lock.json", "web/src"} {
		if ignored(need) {
			t.Errorf(".dockerignore drops %s, which the build needs", need)
		}
	}
	for _, drop := range []string{".git", "web/node_modules", ".cache", "bin", "data"} {
		if !ignored(drop) {
			t.Errorf(".dockerignore keeps %s in the build context", drop)
		}
	}
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }
