package recordjsontest

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"reflect"
	"time"

	"github.com/ghsec-exporter/ghsec-exporter/exporter"
)

// Record returns a record with every field set.
func Record() exporter.Record {
	var r exporter.Record
	Fill(&r)
	return r
}

// Snapshot returns a snapshot with every field set.
func Snapshot() exporter.Snapshot {
	var s exporter.Snapshot
	Fill(&s)
	return s
}

// Fill sets every exported field of the struct v points to, recursively,
// to a non-zero value derived from the field's path ("Alert.Title"):
// strings hold the path (with an HTML character, so escaping is
// exercised), numbers and times a hash of it (a fraction for floats), raw
// JSON an object naming it. It panics on a kind it does not know, so a new kind of field is
// noticed rather than left zero.
func Fill(v any) {
	fill(reflect.ValueOf(v).Elem(), reflect.TypeOf(v).Elem().Name())
}

var (
	timeType = reflect.TypeFor[time.Time]()
	rawType  = reflect.TypeFor[json.RawMessage]()
)

func fill(v reflect.Value, path string) {
	h := fnv.New32a()
	h.Write([]byte(path))
	n := int64(h.Sum32()%100000) + 1
	switch {
	case v.Type() == timeType:
		v.Set(reflect.ValueOf(time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC).Add(time.Duration(n) * time.Second)))
		return
	case v.Type() == rawType:
		v.SetBytes(fmt.Appendf(nil, `{"path":%q,"n":%d}`, path, n))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(path + " <&>")
	case reflect.Int, reflect.Int64, reflect.Int32:
		v.SetInt(n)
	case reflect.Float64:
		// a fraction, so both encoders' shortest formatting is exercised
		v.SetFloat(float64(n) / 7)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem(), path)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		fill(v.Index(0), path+"[0]")
		fill(v.Index(1), path+"[1]")
	case reflect.Struct:
		for i := range v.NumField() {
			if f := v.Type().Field(i); f.IsExported() {
				fill(v.Field(i), path+"."+f.Name)
			}
		}
	default:
		panic(fmt.Sprintf("recordjsontest: %s is a %s, which Fill does not know", path, v.Kind()))
	}
}

// Paths returns the path of every leaf field of the struct v points to,
// each with a function that sets that field (alone) to another non-zero
// value, for a test that checks a comparison or a rendering sees it.
func Paths(v any) map[string]func() {
	out := map[string]func(){}
	paths(reflect.ValueOf(v).Elem(), reflect.TypeOf(v).Elem().Name(), out)
	return out
}

func paths(v reflect.Value, path string, out map[string]func()) {
	if v.Kind() == reflect.Struct && v.Type() != timeType {
		for i := range v.NumField() {
			if f := v.Type().Field(i); f.IsExported() {
				paths(v.Field(i), path+"."+f.Name, out)
			}
		}
		return
	}
	if v.Kind() == reflect.Pointer && !v.IsNil() && v.Elem().Kind() == reflect.Struct && v.Type().Elem() != timeType {
		paths(v.Elem(), path, out)
		return
	}
	if v.Kind() == reflect.Bool {
		out[path] = func() { v.SetBool(!v.Bool()) }
		return
	}
	out[path] = func() { fill(v, path+"'") }
}
