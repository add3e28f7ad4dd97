// Package argocdlua runs Argo CD resource customizations (health.lua, actions/discovery.lua,
// actions/<name>/action.lua) the way Argo CD itself runs them, with gopher-lua: a fresh state
// per call, `obj` and `actionParams` as globals, a one-second deadline, and either Argo CD's
// restricted library set (package, base, table and a safe os with only time and date — what a
// script configured in argocd-cm gets) or every library (what a built-in script gets).
package argocdlua

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"
	luajson "layeh.com/gopher-json"
)

// Libraries says which standard libraries a script sees.
type Libraries int

const (
	// Restricted is Argo CD's default for scripts in argocd-cm: package, base, table, safe os.
	Restricted Libraries = iota
	// Open is every gopher-lua library (built-in customizations, useOpenLibs: true).
	Open
)

func (l Libraries) String() string {
	if l == Open {
		return "open libraries"
	}
	return "restricted libraries"
}

// Health is what a health.lua returns.
type Health struct {
	Status  string `json:"status"`
	Message string `json:"message,omitempty"`
}

// Action is one entry of what discovery.lua returns.
type Action struct {
	Name     string `json:"name"`
	Disabled bool   `json:"disabled"`
}

var validHealth = map[string]bool{"Healthy": true, "Progressing": true, "Degraded": true,
	"Suspended": true, "Missing": true, "Unknown": true}

var safeOsFuncs = map[string]lua.LGFunction{
	"time": func(l *lua.LState) int { l.Push(lua.LNumber(time.Now().Unix())); return 1 },
	"date": func(l *lua.LState) int {
		format := "%c"
		if l.GetTop() >= 1 {
			format = l.CheckString(1)
		}
		t := time.Now()
		if strings.HasPrefix(format, "!") {
			t = t.UTC()
			format = format[1:]
		}
		l.Push(lua.LString(strftime(t, format)))
		return 1
	},
}

func safeOs(l *lua.LState) int {
	l.Push(l.SetFuncs(l.NewTable(), safeOsFuncs))
	return 1
}

// strftime knows the directives Argo CD's own actions use.
func strftime(t time.Time, format string) string {
	r := strings.NewReplacer("%Y", t.Format("2006"), "%m", t.Format("01"), "%d", t.Format("02"),
		"%H", t.Format("15"), "%M", t.Format("04"), "%S", t.Format("05"), "%X",
		t.Format("15:04:05"), "%c", t.Format(time.ANSIC))
	return r.Replace(format)
}

// run evaluates script with obj bound, returning the value it returned.
func run(obj map[string]any, script string, libs Libraries) (lua.LValue, *lua.LState, error) {
	l := lua.NewState(lua.Options{SkipOpenLibs: libs != Open})
	for _, lib := range []struct {
		name string
		fn   lua.LGFunction
	}{{lua.LoadLibName, lua.OpenPackage}, {lua.BaseLibName, lua.OpenBase},
		{lua.TabLibName, lua.OpenTable}} {
		if err := l.CallByParam(lua.P{Fn: l.NewFunction(lib.fn), NRet: 0, Protect: true},
			lua.LString(lib.name)); err != nil {
			l.Close()
			return nil, nil, err
		}
	}
	// Argo CD then opens its safe os (time and date only) the way it does: registered into the
	// table module (so the global os stays absent unless every library is open) and preloaded,
	// so that require("os") gives it.
	if err := l.CallByParam(lua.P{Fn: l.NewFunction(func(l *lua.LState) int {
		l.Push(l.RegisterModule(lua.TabLibName, safeOsFuncs))
		return 1
	}), NRet: 0, Protect: true}, lua.LString(lua.OsLibName)); err != nil {
		l.Close()
		return nil, nil, err
	}
	l.PreloadModule(lua.OsLibName, safeOs)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	l.SetContext(ctx)
	l.SetGlobal("actionParams", l.CreateTable(0, 0))
	l.SetGlobal("obj", toLua(l, obj))
	fn, err := l.LoadString(script)
	if err == nil {
		l.Push(fn)
		err = l.PCall(0, lua.MultRet, nil)
	}
	if err != nil {
		l.Close()
		return nil, nil, err
	}
	return l.Get(-1), l, nil
}

func toLua(l *lua.LState, v any) lua.LValue {
	switch x := v.(type) {
	case bool:
		return lua.LBool(x)
	case float64:
		return lua.LNumber(x)
	case int64:
		return lua.LNumber(x)
	case string:
		return lua.LString(x)
	case []any:
		t := l.CreateTable(len(x), 0)
		for _, item := range x {
			t.Append(toLua(l, item))
		}
		return t
	case map[string]any:
		t := l.CreateTable(0, len(x))
		for k, item := range x {
			t.RawSetH(lua.LString(k), toLua(l, item))
		}
		return t
	}
	return lua.LNil
}

// Decode reads a JSON object the way the Kubernetes unstructured decoder does: whole numbers
// as int64, others as float64.
func Decode(data []byte) (map[string]any, error) {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	m, ok := numbers(v).(map[string]any)
	if !ok {
		return nil, errors.New("not a JSON object")
	}
	return m, nil
}

func numbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := strconv.ParseInt(string(x), 10, 64); err == nil {
			return i
		}
		f, _ := x.Float64()
		return f
	case []any:
		for i := range x {
			x[i] = numbers(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = numbers(x[k])
		}
	}
	return v
}

// EvalHealth runs a health.lua as Argo CD does: a table result is the health (an unknown
// status becomes Unknown), nil means no health.
func EvalHealth(obj map[string]any, script string, libs Libraries) (*Health, error) {
	ret, l, err := run(obj, script, libs)
	if err != nil {
		return nil, err
	}
	defer l.Close()
	if ret.Type() == lua.LTNil {
		return &Health{}, nil
	}
	if ret.Type() != lua.LTTable {
		return nil, fmt.Errorf("expect table output from health.lua, got %s", ret.Type())
	}
	b, err := luajson.Encode(ret)
	if err != nil {
		return nil, err
	}
	h := &Health{}
	if err := json.Unmarshal(b, h); err != nil {
		return nil, err
	}
	if !validHealth[h.Status] {
		return &Health{Status: "Unknown", Message: "Lua returned an invalid health status"}, nil
	}
	return h, nil
}

// EvalDiscovery runs a discovery.lua: the actions offered and whether each is disabled.
func EvalDiscovery(obj map[string]any, script string, libs Libraries) (map[string]Action, error) {
	ret, l, err := run(obj, script, libs)
	if err != nil {
		return nil, err
	}
	defer l.Close()
	if ret.Type() != lua.LTTable {
		return nil, fmt.Errorf("expect table output from discovery.lua, got %s", ret.Type())
	}
	b, err := luajson.Encode(ret)
	if err != nil {
		return nil, err
	}
	out := map[string]Action{}
	if string(b) == "[]" {
		return out, nil
	}
	raw := map[string]any{}
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, err
	}
	for name, v := range raw {
		a := Action{Name: name}
		if m, ok := v.(map[string]any); ok {
			if d, ok := m["disabled"].(bool); ok {
				a.Disabled = d
			}
		}
		out[name] = a
	}
	return out, nil
}

// EvalAction runs an action.lua that returns the changed object (Argo CD's "patch" kind) and
// gives that object back, with empty objects that Lua turned into empty arrays put back.
func EvalAction(obj map[string]any, script string, libs Libraries) (map[string]any, error) {
	// The script changes its own copy; obj stays as it was, for the patch.
	b, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	mine, err := Decode(b)
	if err != nil {
		return nil, err
	}
	ret, l, err := run(mine, script, libs)
	if err != nil {
		return nil, err
	}
	defer l.Close()
	if ret.Type() != lua.LTTable {
		return nil, fmt.Errorf("expect table output from action.lua, got %s", ret.Type())
	}
	out, err := luajson.Encode(ret)
	if err != nil {
		return nil, err
	}
	if len(out) > 0 && out[0] == '[' {
		return nil, errors.New("action.lua returned a list of impacted resources; expected the object")
	}
	changed, err := Decode(out)
	if err != nil {
		return nil, err
	}
	return restoreEmptyObjects(changed, obj), nil
}

// restoreEmptyObjects: Lua cannot tell {} from [], so an empty object comes back as [];
// where the original had an object, it is an object again (as Argo CD does).
func restoreEmptyObjects(changed, original map[string]any) map[string]any {
	for k, ov := range original {
		nv, ok := changed[k]
		if !ok {
			continue
		}
		switch n := nv.(type) {
		case map[string]any:
			if o, ok := ov.(map[string]any); ok {
				changed[k] = restoreEmptyObjects(n, o)
			}
		case []any:
			if _, ok := ov.(map[string]any); ok && len(n) == 0 {
				changed[k] = map[string]any{}
			}
		}
	}
	return changed
}
