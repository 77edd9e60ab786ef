package handlers

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/wecom-guard/wecom-guard/bot"
	"github.com/wecom-guard/wecom-guard/bot/wecom"
)

// status maps an error to its HTTP status: the one place that does.
func status(err error) int {
	switch {
	case err == nil:
		return http.StatusOK
	case errors.Is(err, wecom.ErrSignature), errors.Is(err, bot.ErrForbidden):
		return http.StatusForbidden
	case errors.Is(err, wecom.ErrMalformed), errors.Is(err, wecom.ErrReceiveID), errors.Is(err, bot.ErrInvalid):
		return http.StatusBadRequest
	case errors.Is(err, bot.ErrUnauthorized):
		return http.StatusUnauthorized
	case errors.Is(err, bot.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, bot.ErrConflict):
		return http.StatusConflict
	case errors.Is(err, bot.ErrTooLarge):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, bot.ErrUnavailable):
		return http.StatusServiceUnavailable
	default:
		return http.StatusInternalServerError
	}
}

// publicMessage is what a client is told of a 4xx: the error itself, except
// for a ciphertext that does not decrypt, which always answers the same
// text whichever check failed (padding, length field, receiveid): a caller
// able to sign requests must not learn from the answer what the decrypted
// bytes were (wecom.ErrUndecryptable). The request log keeps the detail.
func publicMessage(err error) string {
	if errors.Is(err, wecom.ErrUndecryptable) {
		return wecom.ErrUndecryptable.Error()
	}
	return err.Error()
}

// adapt turns a handler that returns an error into a gin handler: the error
// becomes a plain JSON message with its status, and is kept on the context
// for the request log, which writes the one line with the reason. Clients
// never see the details of a 5xx.
func (s *Server) adapt(h func(*gin.Context) error) gin.HandlerFunc {
	return func(c *gin.Context) {
		err := h(c)
		if err == nil {
			return
		}
		_ = c.Error(err)
		code := status(err)
		if code >= 500 {
			c.AbortWithStatusJSON(code, gin.H{"error": http.StatusText(code)})
			return
		}
		body := gin.H{"error": publicMessage(err)}
		if problems := problemsOf(err); problems != nil {
			body["problems"] = problems // file, line and message of each
		}
		c.AbortWithStatusJSON(code, body)
	}
}
