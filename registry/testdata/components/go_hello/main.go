// Test-only Go component: greets, and reads one KV key through the u6u ABI when asked.
package main

import arcrun "arcrun.dev/registry/sdk/go"

func main() {
	var in struct {
		Name string `json:"name"`
		Key  string `json:"key"`
		Fail bool   `json:"fail"`
	}
	if err := arcrun.ReadInput(&in); err != nil {
		arcrun.Fail("INVALID_INPUT", err.Error())
	}
	if in.Fail {
		arcrun.Fail("GO_SAID_NO", "asked to fail")
	}
	out := map[string]any{"hello": in.Name, "lang": "go"}
	if in.Key != "" {
		v, err := arcrun.KvGet(in.Key)
		if err != nil {
			he := err.(*arcrun.HostError)
			arcrun.Fail(he.Code, he.Message)
		}
		out["value"] = v
	}
	arcrun.Log("go_hello ran")
	arcrun.WriteOutput(out)
}
