package deploy

import (
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

type composeService struct {
	Image       string            `yaml:"image"`
	Build       any               `yaml:"build"`
	Environment map[string]string `yaml:"environment"`
	DependsOn   any               `yaml:"depends_on"`
	Volumes     []string          `yaml:"volumes"`
	Ports       []string          `yaml:"ports"`
	Deploy      struct {
		Replicas int `yaml:"replicas"`
	} `yaml:"deploy"`
}

func readCompose(t *testing.T, path string) map[string]composeService {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Services map[string]composeService `yaml:"services"`
	}
	if err := yaml.Unmarshal(raw, &f); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(f.Services) == 0 {
		t.Fatalf("%s: no services", path)
	}
	return f.Services
}

var tagged = regexp.MustCompile(`^[^:]+(:[0-9][^:]*|:RELEASE\.[^:]+|:v[0-9][^:]*)$`)

// checkCompose checks what `docker compose config` cannot, and what it
// would where the plugin is missing: every Parley container's settings
// load as the binary loads them, every role runs, internal RPC URLs name
// a service running that role, dependencies exist, and other images are
// pinned to a version.
func checkCompose(t *testing.T, path string, distributed bool) map[string]composeService {
	t.Helper()
	services := readCompose(t, path)
	running := map[string][]string{}
	for name, s := range services {
		if s.Build != nil {
			if !strings.HasPrefix(s.Image, "parley:") {
				t.Errorf("%s: service %s builds Parley but is tagged %q", path, name, s.Image)
			}
			env := map[string]string{}
			for k, v := range s.Environment {
				env[k] = interpolate(t, v)
			}
			cfg, roles := checkSettings(t, path+": "+name, env)
			for _, r := range roles {
				running[r] = append(running[r], name)
			}
			if distributed && cfg != nil {
				checkDistributed(t, path+": "+name, cfg)
			}
		} else if !tagged.MatchString(s.Image) {
			t.Errorf("%s: service %s uses image %q: pin a version", path, name, s.Image)
		}
		var deps []string
		switch d := s.DependsOn.(type) {
		case []any:
			for _, x := range d {
				deps = append(deps, x.(string))
			}
		case map[string]any:
			for x := range d {
				deps = append(deps, x)
			}
		}
		for _, d := range deps {
			if _, ok := services[d]; !ok {
				t.Errorf("%s: %s depends on %s, which is no service", path, name, d)
			}
		}
	}
	checkRoles(t, path, running)
	// Roles reach each other at <role>_url: a service that runs the role.
	for name, s := range services {
		for _, role := range []string{"user", "token", "email", "group", "message"} {
			v := s.Environment["PARLEY_"+strings.ToUpper(role)+"_URL"]
			if v == "" {
				continue
			}
			u, err := url.Parse(interpolate(t, v))
			if err != nil {
				t.Errorf("%s: %s: %v", path, name, err)
				continue
			}
			host := u.Hostname()
			target, ok := services[host]
			if !ok || !strings.Contains(","+target.Environment["PARLEY_ROLES"]+",", ","+role+",") {
				t.Errorf("%s: %s reaches the %s role at %s, where no service runs it (%s)", path, name, role, v, fmtList(running))
			}
		}
	}
	return services
}

func TestComposeEmbedded(t *testing.T) {
	services := checkCompose(t, "compose/embedded.yaml", false)
	if len(services) != 1 {
		t.Fatalf("%d services, want one container with every role", len(services))
	}
	for _, s := range services {
		if len(s.Volumes) == 0 || !strings.HasSuffix(s.Volumes[0], ":/data") {
			t.Errorf("the embedded container keeps no volume at /data: %v", s.Volumes)
		}
	}
}

func TestComposeDistributed(t *testing.T) {
	services := checkCompose(t, "compose/distributed.yaml", true)
	for _, scaled := range []string{"message", "ws", "webrtc-gateway"} {
		if services[scaled].Deploy.Replicas < 2 {
			t.Errorf("%s runs %d replicas, want at least 2", scaled, services[scaled].Deploy.Replicas)
		}
	}
	// nginx routes with deploy/nginx/parley.conf to the services by name.
	ng, ok := services["nginx"]
	if !ok || len(ng.Volumes) == 0 || !strings.HasPrefix(ng.Volumes[0], "../nginx/parley.conf:") {
		t.Fatalf("nginx does not mount deploy/nginx/parley.conf: %+v", ng)
	}
	conf, err := os.ReadFile("nginx/parley.conf")
	if err != nil {
		t.Fatal(err)
	}
	ups := regexp.MustCompile(`(?m)^upstream parley_(\w+)\s*\{[^}]*server ([\w-]+):8080;`).FindAllStringSubmatch(string(conf), -1)
	if len(ups) < 7 {
		t.Fatalf("parley.conf has %d upstreams", len(ups))
	}
	for _, u := range ups {
		role := map[string]string{"calls": "webrtc-gateway"}[u[1]]
		if role == "" {
			role = u[1]
		}
		s, ok := services[u[2]]
		if !ok || !strings.Contains(","+s.Environment["PARLEY_ROLES"]+",", ","+role+",") {
			t.Errorf("parley.conf sends %s to %s, which is no service running the %s role", u[1], u[2], role)
		}
	}
}
