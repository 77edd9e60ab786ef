// Package wecom speaks the WeCom (企业微信) protocol: the callback crypto
// (msg_signature, AES-256-CBC with WeCom's 32-byte PKCS#7 block and the
// receiveid trailer), the XML envelope of self-built app callbacks and passive
// replies, the JSON envelope of the intelligent bot (智能机器人), the typed
// plaintext messages and events, and the API client.
//
// A callback is handled in three steps, each returning an error that wraps
// exactly one of ErrSignature, ErrMalformed or ErrReceiveID so the HTTP layer
// can map it to a status with errors.Is:
//
//	c, err := wecom.NewCrypto(token, encodingAESKey, corpID) // "" for the intelligent bot
//	plain, err := c.Open(msgSignature, timestamp, nonce, body) // verify, then decrypt
//	msg, err := wecom.ParseMessage(plain)                      // typed fields + Raw
//
// The reason text in those errors names what was wrong (a length, a pad byte,
// a missing field) and never includes message content or secrets, so it can be
// logged at any level.
package wecom
