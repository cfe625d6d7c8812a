package deploy

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/parleychat/parley/internal/systest"
)

// object is the part of a Kubernetes object these checks read.
type object struct {
	Kind     string `yaml:"kind"`
	Metadata struct {
		Name string `yaml:"name"`
	} `yaml:"metadata"`
	Spec struct {
		Selector struct {
			MatchLabels map[string]string `yaml:"matchLabels"`
		} `yaml:"selector"`
		ScaleTargetRef struct {
			Kind, Name string
		} `yaml:"scaleTargetRef"`
		Template struct {
			Spec struct {
				EnableServiceLinks *bool `yaml:"enableServiceLinks"`
				SecurityContext    struct {
					RunAsNonRoot bool `yaml:"runAsNonRoot"`
				} `yaml:"securityContext"`
				Containers []struct {
					Env []struct {
						Name  string `yaml:"name"`
						Value string `yaml:"value"`
					} `yaml:"env"`
					EnvFrom        []map[string]map[string]string `yaml:"envFrom"`
					LivenessProbe  probe                          `yaml:"livenessProbe"`
					ReadinessProbe probe                          `yaml:"readinessProbe"`
					StartupProbe   probe                          `yaml:"startupProbe"`
				} `yaml:"containers"`
			} `yaml:"spec"`
		} `yaml:"template"`
		Rules []struct {
			HTTP struct {
				Paths []struct {
					Path    string `yaml:"path"`
					Backend struct {
						Service struct {
							Name string `yaml:"name"`
						} `yaml:"service"`
					} `yaml:"backend"`
				} `yaml:"paths"`
			} `yaml:"http"`
		} `yaml:"rules"`
	} `yaml:"spec"`
}

type probe struct {
	HTTPGet struct {
		Path string `yaml:"path"`
	} `yaml:"httpGet"`
}

func readObjects(t *testing.T, path string) []object {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []object
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	for {
		var o object
		if err := dec.Decode(&o); errors.Is(err, io.EOF) {
			return out
		} else if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, o)
	}
}

func readEnvFile(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("%s: %q is not KEY=value", path, line)
		}
		out[k] = v
	}
	return out
}

// TestKubernetesManifests checks the kustomize tree without a cluster
// (scripts/validate-deploy.sh validates the rendered objects against the
// Kubernetes schemas): every file is in the kustomization, each role's
// Deployment loads its settings as the binary would (ConfigMap + Secret +
// its own variables) on the shared adapters, every role runs, probes are
// /healthz (alive) and /readyz (ready), no Service links are injected
// (Parley refuses unknown PARLEY_* variables), every Deployment has a
// PodDisruptionBudget, the HPAs scale ws, message and webrtc-gateway, and
// the Ingress routes what the routing table routes.
func TestKubernetesManifests(t *testing.T) {
	var kust struct {
		Resources []string `yaml:"resources"`
	}
	raw, err := os.ReadFile("k8s/kustomization.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(raw, &kust); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("k8s/*.yaml")
	for _, f := range files {
		if base := filepath.Base(f); base != "kustomization.yaml" && !slices.Contains(kust.Resources, base) {
			t.Errorf("%s is not in kustomization.yaml's resources", f)
		}
	}
	shared := readEnvFile(t, "k8s/config.env")
	for k, v := range readEnvFile(t, "k8s/secret.env") {
		if _, dup := shared[k]; dup {
			t.Errorf("%s is both in config.env and secret.env", k)
		}
		shared[k] = v
	}

	byKind := map[string][]object{}
	for _, r := range kust.Resources {
		for _, o := range readObjects(t, filepath.Join("k8s", r)) {
			byKind[o.Kind] = append(byKind[o.Kind], o)
		}
	}
	running := map[string][]string{}
	names := func(kind string) []string {
		var out []string
		for _, o := range byKind[kind] {
			out = append(out, o.Metadata.Name)
		}
		sort.Strings(out)
		return out
	}
	for _, d := range byKind["Deployment"] {
		where := "Deployment " + d.Metadata.Name
		ps := d.Spec.Template.Spec
		if ps.EnableServiceLinks == nil || *ps.EnableServiceLinks {
			t.Errorf("%s: enableServiceLinks must be false (Kubernetes would inject variables Parley refuses)", where)
		}
		if !ps.SecurityContext.RunAsNonRoot {
			t.Errorf("%s: not runAsNonRoot", where)
		}
		if len(ps.Containers) != 1 {
			t.Fatalf("%s: %d containers", where, len(ps.Containers))
		}
		c := ps.Containers[0]
		env := map[string]string{}
		refs := map[string]bool{}
		for _, ef := range c.EnvFrom {
			for kind, ref := range ef {
				refs[kind+"/"+ref["name"]] = true
			}
		}
		if !refs["configMapRef/parley-config"] || !refs["secretRef/parley-secrets"] {
			t.Errorf("%s: envFrom %v, want the parley-config ConfigMap and the parley-secrets Secret", where, c.EnvFrom)
		}
		for k, v := range shared {
			env[k] = v
		}
		for _, e := range c.Env {
			v := e.Value
			// $(VAR) of the pod's own variables, as the kubelet expands them.
			for _, other := range c.Env {
				v = strings.ReplaceAll(v, "$("+other.Name+")", "10.0.0.7")
			}
			env[e.Name] = v
		}
		cfg, roles := checkSettings(t, where, env)
		if cfg != nil {
			checkDistributed(t, where, cfg)
		}
		for _, r := range roles {
			running[r] = append(running[r], d.Metadata.Name)
		}
		if c.LivenessProbe.HTTPGet.Path != "/healthz" || c.StartupProbe.HTTPGet.Path != "/healthz" || c.ReadinessProbe.HTTPGet.Path != "/readyz" {
			t.Errorf("%s: probes live %q, startup %q, ready %q; want /healthz, /healthz, /readyz", where,
				c.LivenessProbe.HTTPGet.Path, c.StartupProbe.HTTPGet.Path, c.ReadinessProbe.HTTPGet.Path)
		}
		hasPDB := false
		for _, p := range byKind["PodDisruptionBudget"] {
			if p.Spec.Selector.MatchLabels["app.kubernetes.io/component"] == d.Spec.Selector.MatchLabels["app.kubernetes.io/component"] {
				hasPDB = true
			}
		}
		if !hasPDB {
			t.Errorf("%s has no PodDisruptionBudget", where)
		}
	}
	checkRoles(t, "deploy/k8s", running)

	var scaled []string
	for _, h := range byKind["HorizontalPodAutoscaler"] {
		ref := h.Spec.ScaleTargetRef
		if ref.Kind != "Deployment" || !slices.Contains(names("Deployment"), ref.Name) {
			t.Errorf("HPA %s scales %s %s, which is no Deployment here", h.Metadata.Name, ref.Kind, ref.Name)
		}
		scaled = append(scaled, ref.Name)
	}
	for _, want := range []string{"ws", "message", "webrtc-gateway"} {
		if !slices.Contains(scaled, want) {
			t.Errorf("no HPA scales %s", want)
		}
	}

	// The Ingress sends each routed role's paths to its Service.
	services := names("Service")
	backends := map[string]bool{}
	for _, ing := range byKind["Ingress"] {
		for _, rule := range ing.Spec.Rules {
			for _, p := range rule.HTTP.Paths {
				svc := p.Backend.Service.Name
				if !slices.Contains(services, svc) {
					t.Errorf("Ingress %s sends %s to Service %s, which does not exist", ing.Metadata.Name, p.Path, svc)
				}
				backends[svc] = true
			}
		}
	}
	for _, r := range systest.IngressRoutes {
		if r.Role != "" && !backends[r.Role] {
			t.Errorf("the Ingress routes nothing to %s (%s in the routing table)", r.Role, r.Pattern)
		}
	}
}
