// Package arcrun is the Go / TinyGo SDK of the arcrun component ABI (docs/component-abi.md):
// stdin JSON in, stdout JSON out, host functions imported from module "u6u".
// Build: GOOS=wasip1 GOARCH=wasm go build -o c.wasm .   (or: tinygo build -target=wasip1)
package arcrun

import (
	"encoding/json"
	"io"
	"os"
	"unsafe"
)

//go:wasmimport u6u http_request
func u6uHTTPRequest(ptr unsafe.Pointer, size uint32) int32

//go:wasmimport u6u kv_get
func u6uKvGet(ptr unsafe.Pointer, size uint32) int32

//go:wasmimport u6u kv_put
func u6uKvPut(ptr unsafe.Pointer, size uint32) int32

//go:wasmimport u6u crypto_decrypt
func u6uCryptoDecrypt(ptr unsafe.Pointer, size uint32) int32

//go:wasmimport u6u crypto_sign_rs256
func u6uCryptoSignRS256(ptr unsafe.Pointer, size uint32) int32

//go:wasmimport u6u result_read
func u6uResultRead(ptr unsafe.Pointer, size uint32) int32

// HostError is a refusal or failure reported by a host function (n < 0 in the ABI).
type HostError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *HostError) Error() string { return e.Code + ": " + e.Message }

// ReadInputRaw returns stdin: the input JSON.
func ReadInputRaw() []byte {
	b, _ := io.ReadAll(os.Stdin)
	return b
}

// ReadInput decodes the input JSON into v.
func ReadInput(v any) error { return json.Unmarshal(ReadInputRaw(), v) }

// WriteOutputRaw writes the node's output JSON.
func WriteOutputRaw(b []byte) { os.Stdout.Write(b) }

// WriteOutput encodes v as the node's output.
func WriteOutput(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		Fail("OUTPUT_ENCODING", err.Error())
	}
	os.Stdout.Write(b)
}

// Fail ends the node with {"error":{code,message}} and exit code 1.
func Fail(code, message string) {
	b, _ := json.Marshal(map[string]any{"error": map[string]string{"code": code, "message": message}})
	os.Stdout.Write(b)
	os.Exit(1)
}

// Log writes a log line to stderr (kept, bounded, in the execution's logs).
func Log(message string) { os.Stderr.WriteString(message + "\n") }

// Pending ends the node as pending; resumeAt is ISO-8601 or "".
func Pending(taskID, resumeAt string) {
	out := map[string]any{"pending": true, "task_id": taskID}
	if resumeAt != "" {
		out["resume_at"] = resumeAt
	}
	WriteOutput(out)
}

type hostFn func(unsafe.Pointer, uint32) int32

// call sends a JSON request and decodes the held result into out.
func call(fn hostFn, req any, out any) error {
	b, err := json.Marshal(req)
	if err != nil {
		return &HostError{Code: "BAD_HOST_REQUEST", Message: err.Error()}
	}
	if len(b) == 0 {
		b = []byte("{}")
	}
	n := fn(unsafe.Pointer(&b[0]), uint32(len(b)))
	size := n
	if n < 0 {
		size = -n
	}
	buf := make([]byte, size+1) // +1: never take the address of an empty slice
	got := u6uResultRead(unsafe.Pointer(&buf[0]), uint32(size))
	buf = buf[:got]
	if n < 0 {
		he := &HostError{}
		if json.Unmarshal(buf, he) != nil {
			he.Code, he.Message = "HOST_ERROR", string(buf)
		}
		return he
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(buf, out)
}

// HTTPRequest is the http_request request; {{ credential.NAME }} is substituted by the host.
type HTTPRequest struct {
	Method     string            `json:"method,omitempty"`
	URL        string            `json:"url"`
	Headers    map[string]string `json:"headers,omitempty"`
	Body       *string           `json:"body,omitempty"`
	BodyBase64 *string           `json:"body_base64,omitempty"`
	TimeoutMs  int               `json:"timeout_ms,omitempty"`
}

// HTTPResponse is the http_request response.
type HTTPResponse struct {
	Status     int               `json:"status"`
	Headers    map[string]string `json:"headers"`
	Body       *string           `json:"body,omitempty"`
	BodyBase64 *string           `json:"body_base64,omitempty"`
}

// HTTP sends a request through the host (SSRF-guarded, credentials substituted and masked).
func HTTP(req HTTPRequest) (*HTTPResponse, error) {
	res := &HTTPResponse{}
	if err := call(u6uHTTPRequest, req, res); err != nil {
		return nil, err
	}
	return res, nil
}

// KvGet reads a key the caller may read (see the KV routing table); nil when absent.
func KvGet(key string) (*string, error) {
	var res struct {
		Value *string `json:"value"`
	}
	if err := call(u6uKvGet, map[string]string{"key": key}, &res); err != nil {
		return nil, err
	}
	return res.Value, nil
}

// KvPut writes the caller's own oauth2:* token cache, ttl ≥ 60 seconds.
func KvPut(key, value string, ttlSeconds int) error {
	return call(u6uKvPut, map[string]any{"key": key, "value": value, "ttl": ttlSeconds}, nil)
}

// CryptoDecrypt decrypts the caller's credential name.
func CryptoDecrypt(name string) (string, error) {
	var res struct {
		Plaintext string `json:"plaintext"`
	}
	err := call(u6uCryptoDecrypt, map[string]string{"name": name}, &res)
	return res.Plaintext, err
}

// CryptoSignRS256 signs data with the PKCS#8 key held in credential (base64url signature).
func CryptoSignRS256(data, credential string) (string, error) {
	var res struct {
		Signature string `json:"signature"`
	}
	err := call(u6uCryptoSignRS256, map[string]string{"data": data, "credential": credential}, &res)
	return res.Signature, err
}
