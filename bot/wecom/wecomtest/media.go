package wecomtest

import (
	"net/http"
	"strconv"
	"sync"
)

// APIMediaGet is the media download endpoint's name in Calls.
const APIMediaGet = "media/get"

// CodeInvalidMediaID is WeCom's errcode for an unknown or expired media_id.
const CodeInvalidMediaID = 40007

// mediaFiles holds the files the fake serves on media/get.
type mediaFiles struct {
	mu    sync.Mutex
	files map[string]mediaFile
}

type mediaFile struct {
	data        []byte
	contentType string
}

// SetMedia makes media/get serve data (of the given Content-Type,
// image/jpeg when empty) for mediaID, as WeCom does for the MediaId of an
// image message to the app.
func (s *Server) SetMedia(mediaID, contentType string, data []byte) {
	if contentType == "" {
		contentType = "image/jpeg"
	}
	s.media.mu.Lock()
	defer s.media.mu.Unlock()
	if s.media.files == nil {
		s.media.files = make(map[string]mediaFile)
	}
	s.media.files[mediaID] = mediaFile{data: append([]byte(nil), data...), contentType: contentType}
}

// mediaGet serves GET /cgi-bin/media/get: the file itself with its
// Content-Type and a Content-disposition, as WeCom does, or a JSON errcode
// (a bad token, 40007 for an unknown media_id). Faults injected for
// APIMediaGet apply like for every other endpoint.
func (s *Server) mediaGet(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("media_id")
	s.media.mu.Lock()
	f, ok := s.media.files[id]
	s.media.mu.Unlock()
	if !ok || s.checkToken(r.URL.Query()) != CodeOK {
		// The JSON path (counter, faults, token check) answers errors.
		s.api(APIMediaGet, func(*http.Request, []byte) reply { return s.fail(CodeInvalidMediaID) }, true)(w, r)
		return
	}
	s.mu.Lock()
	s.calls[APIMediaGet]++
	s.mu.Unlock()
	if fk := s.drawFaultFor(APIMediaGet); fk.kind == faultHTTP500 {
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", f.contentType)
	w.Header().Set("Content-disposition", `attachment; filename="`+id+`"`)
	w.Header().Set("Content-Length", strconv.Itoa(len(f.data)))
	_, _ = w.Write(f.data)
}
