// argocd-lua runs a resource customization directory the way Argo CD does (package
// argocdlua), for the tests:
//
//	argocd-lua test DIR            health_test.yaml and actions/action_test.yaml, both library modes
//	argocd-lua health DIR          health of the object on stdin (JSON), as JSON
//	argocd-lua discover DIR        the actions offered for the object on stdin, as JSON
//	argocd-lua action DIR NAME     the merge patch Argo CD would send for action NAME
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sort"

	jsonpatch "github.com/evanphx/json-patch"
	"sigs.k8s.io/yaml"

	"schemashift.io/tests/gitops/argocdlua"
)

type healthTests struct {
	Tests []struct {
		HealthStatus argocdlua.Health `json:"healthStatus"`
		InputPath    string           `json:"inputPath"`
	} `json:"tests"`
}

type actionTests struct {
	DiscoveryTests []struct {
		InputPath string             `json:"inputPath"`
		Result    []argocdlua.Action `json:"result"`
	} `json:"discoveryTests"`
	ActionTests []struct {
		Action             string `json:"action"`
		InputPath          string `json:"inputPath"`
		ExpectedOutputPath string `json:"expectedOutputPath"`
	} `json:"actionTests"`
}

func die(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "argocd-lua: "+format+"\n", args...)
	os.Exit(2)
}

func readYAML(path string, into any) {
	data, err := os.ReadFile(path)
	if err != nil {
		die("%v", err)
	}
	if err := yaml.Unmarshal(data, into); err != nil {
		die("%s: %v", path, err)
	}
}

func readObject(path string) map[string]any {
	data, err := os.ReadFile(path)
	if err != nil {
		die("%v", err)
	}
	j, err := yaml.YAMLToJSON(data)
	if err != nil {
		die("%s: %v", path, err)
	}
	obj, err := argocdlua.Decode(j)
	if err != nil {
		die("%s: %v", path, err)
	}
	return obj
}

func stdinObject() map[string]any {
	data, err := io.ReadAll(os.Stdin)
	if err != nil {
		die("%v", err)
	}
	obj, err := argocdlua.Decode(data)
	if err != nil {
		die("stdin: %v", err)
	}
	return obj
}

func script(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		die("%v", err)
	}
	return string(data)
}

func printJSON(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		die("%v", err)
	}
	fmt.Println(string(b))
}

func runTests(dir string) int {
	passed, failed := 0, 0
	check := func(ok bool, what string, detail string) {
		if ok {
			passed++
			fmt.Printf("ok   %s\n", what)
		} else {
			failed++
			fmt.Printf("FAIL %s\n     %s\n", what, detail)
		}
	}
	health := script(filepath.Join(dir, "health.lua"))
	var ht healthTests
	readYAML(filepath.Join(dir, "health_test.yaml"), &ht)
	actionsDir := filepath.Join(dir, "actions")
	discovery := script(filepath.Join(actionsDir, "discovery.lua"))
	var at actionTests
	readYAML(filepath.Join(actionsDir, "action_test.yaml"), &at)
	if len(ht.Tests) == 0 || len(at.DiscoveryTests) == 0 || len(at.ActionTests) == 0 {
		die("%s: a fixture file has no tests", dir)
	}
	for _, libs := range []argocdlua.Libraries{argocdlua.Restricted, argocdlua.Open} {
		for _, t := range ht.Tests {
			what := fmt.Sprintf("health %s (%s)", t.InputPath, libs)
			got, err := argocdlua.EvalHealth(readObject(filepath.Join(dir, t.InputPath)), health, libs)
			if err != nil {
				check(false, what, err.Error())
				continue
			}
			check(*got == t.HealthStatus, what, fmt.Sprintf("got %+v, want %+v", *got, t.HealthStatus))
		}
		for _, t := range at.DiscoveryTests {
			what := fmt.Sprintf("discovery %s (%s)", t.InputPath, libs)
			got, err := argocdlua.EvalDiscovery(readObject(filepath.Join(actionsDir, t.InputPath)), discovery, libs)
			if err != nil {
				check(false, what, err.Error())
				continue
			}
			want := map[string]argocdlua.Action{}
			for _, a := range t.Result {
				want[a.Name] = a
			}
			check(reflect.DeepEqual(got, want), what, fmt.Sprintf("got %v, want %v", sorted(got), sorted(want)))
		}
		for _, t := range at.ActionTests {
			what := fmt.Sprintf("action %s on %s (%s)", t.Action, t.InputPath, libs)
			in := readObject(filepath.Join(actionsDir, t.InputPath))
			got, err := argocdlua.EvalAction(in, script(filepath.Join(actionsDir, t.Action, "action.lua")), libs)
			if err != nil {
				check(false, what, err.Error())
				continue
			}
			want := readObject(filepath.Join(actionsDir, t.ExpectedOutputPath))
			gb, _ := json.Marshal(got)
			wb, _ := json.Marshal(want)
			check(reflect.DeepEqual(got, want), what, fmt.Sprintf("got %s\n     want %s", gb, wb))
		}
	}
	fmt.Printf("%d passed, %d failed\n", passed, failed)
	if failed > 0 {
		return 1
	}
	return 0
}

func sorted(m map[string]argocdlua.Action) []argocdlua.Action {
	out := make([]argocdlua.Action, 0, len(m))
	for _, a := range m {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func main() {
	if len(os.Args) < 3 {
		die("usage: argocd-lua test|health|discover DIR, or argocd-lua action DIR NAME")
	}
	dir := os.Args[2]
	libs := argocdlua.Restricted
	if os.Getenv("ARGOCD_LUA_OPEN_LIBS") == "1" {
		libs = argocdlua.Open
	}
	switch os.Args[1] {
	case "test":
		os.Exit(runTests(dir))
	case "health":
		h, err := argocdlua.EvalHealth(stdinObject(), script(filepath.Join(dir, "health.lua")), libs)
		if err != nil {
			die("%v", err)
		}
		printJSON(h)
	case "discover":
		a, err := argocdlua.EvalDiscovery(stdinObject(), script(filepath.Join(dir, "actions", "discovery.lua")), libs)
		if err != nil {
			die("%v", err)
		}
		printJSON(sorted(a))
	case "action":
		if len(os.Args) != 4 {
			die("usage: argocd-lua action DIR NAME")
		}
		live := stdinObject()
		changed, err := argocdlua.EvalAction(live, script(filepath.Join(dir, "actions", os.Args[3], "action.lua")), libs)
		if err != nil {
			die("%v", err)
		}
		lb, _ := json.Marshal(live)
		cb, _ := json.Marshal(changed)
		// What Argo CD's server sends: a JSON merge patch from the live object to the result.
		patch, err := jsonpatch.CreateMergePatch(lb, cb)
		if err != nil {
			die("%v", err)
		}
		fmt.Println(string(patch))
	default:
		die("unknown command %q", os.Args[1])
	}
}
