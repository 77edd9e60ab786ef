package wecom

import (
	"encoding/xml"
	"fmt"
	"reflect"
)

// ScanVsXML decodes data as a message plaintext and as a callback envelope
// with the fixed-format scanner and with encoding/xml. handled tells
// whether the scanner answered for the message and for the envelope; diff
// describes the first disagreement ("" when none): a value that differs,
// or an input the scanner accepted and encoding/xml refuses.
func ScanVsXML(data []byte) (handledMsg, handledEnv bool, diff string) {
	var got, want wireMessage
	handledMsg = scanMessage(string(data), &got)
	xmlErr := xml.Unmarshal(data, &want)
	if handledMsg {
		if xmlErr != nil {
			return handledMsg, false, fmt.Sprintf("message: scanner accepted what encoding/xml refuses (%v)", xmlErr)
		}
		if !reflect.DeepEqual(got, want) {
			return handledMsg, false, fmt.Sprintf("message: scanner %+v, encoding/xml %+v", got, want)
		}
	}
	var gotEnv, wantEnv Envelope
	handledEnv = scanEnvelope(data, &gotEnv)
	xmlErr = xml.Unmarshal(data, &wantEnv)
	if handledEnv {
		if xmlErr != nil {
			return handledMsg, handledEnv, fmt.Sprintf("envelope: scanner accepted what encoding/xml refuses (%v)", xmlErr)
		}
		if gotEnv != wantEnv {
			return handledMsg, handledEnv, fmt.Sprintf("envelope: scanner %+v, encoding/xml %+v", gotEnv, wantEnv)
		}
	}
	enc, ok := scanEncrypt(data)
	if ok != handledEnv {
		return handledMsg, handledEnv, fmt.Sprintf("scanEncrypt ok=%v, scanEnvelope ok=%v", ok, handledEnv)
	}
	if ok && string(enc) != gotEnv.Encrypt {
		return handledMsg, handledEnv, fmt.Sprintf("scanEncrypt %q, scanEnvelope Encrypt %q", enc, gotEnv.Encrypt)
	}
	return handledMsg, handledEnv, ""
}

// SignatureBytes exposes the allocation-free signature to the tests.
func (c *Crypto) SignatureBytes(timestamp, nonce string, encrypt []byte) string {
	var out [40]byte
	c.signatureBytes(&out, timestamp, nonce, encrypt)
	return string(out[:])
}
