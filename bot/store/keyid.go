package store

import (
	"crypto/sha256"
	"encoding/base64"
)

// maxRawID bounds an id used as is inside a key. WeCom's own ids (userid,
// chatid, corpid, msgid) are far shorter; anything longer is hashed.
const maxRawID = 128

// keyPart makes an externally supplied id (a msgid, chat id, user id, an
// idempotency key built from them) safe inside a key name. A short id of
// plain characters is used as is, so keys stay readable and unchanged from
// earlier versions; any other is replaced by "~" and the base64url SHA-256
// of its bytes. "~" is not a plain character, so the two forms never meet.
//
// Plain characters exclude braces (which would make an accidental Redis
// Cluster hash tag), glob characters (* ? [ ] that SCAN MATCH would
// expand), "~", spaces, control characters and everything outside ASCII.
func keyPart(s string) string {
	if len(s) <= maxRawID && plainID(s) {
		return s
	}
	sum := sha256.Sum256([]byte(s))
	return "~" + base64.RawURLEncoding.EncodeToString(sum[:])
}

func plainID(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '_' || c == '-' || c == '.' || c == '@' || c == ':' || c == '=' || c == '+' || c == '/':
		default:
			return false
		}
	}
	return true
}
