package handlers

import (
	"net/url"
	"strings"
)

// callbackQuery is what a callback's query string carries: the signature,
// timestamp and nonce (and echostr for WeCom's URL check).
type callbackQuery struct {
	signature, timestamp, nonce, echostr string
}

// parseCallbackQuery reads the callback's parameters from a raw query as
// url.Values.Get would (the first value of each name; a pair that does not
// unescape, or holds a semicolon, is left out), without building the map
// of slices that net/url makes of every parameter: that was five of a
// clean callback's allocations. Unescaping is net/url's own; a value
// without escapes is used as it stands.
func parseCallbackQuery(raw string) callbackQuery {
	var q callbackQuery
	var have [4]bool
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" || strings.Contains(pair, ";") {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		k, err := url.QueryUnescape(k)
		if err != nil {
			continue
		}
		var dst *string
		var i int
		switch k {
		case "msg_signature":
			dst, i = &q.signature, 0
		case "timestamp":
			dst, i = &q.timestamp, 1
		case "nonce":
			dst, i = &q.nonce, 2
		case "echostr":
			dst, i = &q.echostr, 3
		default:
			continue
		}
		v, err = url.QueryUnescape(v)
		if err != nil || have[i] {
			continue
		}
		*dst, have[i] = v, true
	}
	return q
}
