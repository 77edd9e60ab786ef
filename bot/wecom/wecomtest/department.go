package wecomtest

import (
	"net/http"
	"strconv"
)

// APIDepartmentGet is department/get in Sent records and Calls.
const APIDepartmentGet = "department/get"

// departmentNames is the fake's department names, and whether it answers
// like WeCom to a third-party app (the id in place of every name).
type departmentNames struct {
	names    map[int64]string
	withheld bool
}

// SetDepartmentName adds department id under parent (as SetDepartment)
// with its name, for department/get.
func (s *Server) SetDepartmentName(id, parent int64, name string) {
	s.SetDepartment(id, parent)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.depts.names == nil {
		s.depts.names = map[int64]string{}
	}
	s.depts.names[id] = name
}

// WithholdDepartmentNames makes department/get answer the id as the name,
// as WeCom does to third-party apps (and to a 代开发 app the admin has not
// allowed).
func (s *Server) WithholdDepartmentNames(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.depts.withheld = on
}

// departmentGet is department/get: one department of the directory
// (60123 for an unknown id).
func (s *Server) departmentGet(r *http.Request, _ []byte) reply {
	id, err := strconv.ParseInt(r.URL.Query().Get("id"), 10, 64)
	if err != nil {
		return s.fail(CodeInvalidDepartment)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.oauth.init()
	parent, ok := s.oauth.depts[id]
	if !ok {
		return s.fail(CodeInvalidDepartment)
	}
	name := s.depts.names[id]
	if s.depts.withheld || name == "" {
		name = strconv.FormatInt(id, 10)
	}
	return s.ok(reply{"department": reply{"id": id, "name": name, "parentid": parent, "order": 0}})
}
