package handlers

import (
	"context"
	"slices"
)

// DepartmentNamer gives the names WeCom gave departments (department/get,
// cached by the sender; bot/store.Store is one), by decimal id. Like
// NameStore it is found on the admin store.
type DepartmentNamer interface {
	DepartmentNames(ctx context.Context, ids []string) (map[string]string, error)
}

// unknownDepartment is the statistics' key for members whose department
// nobody knows (by_department), and its name (by_department_name).
const (
	unknownDepartment     = "unknown"
	unknownDepartmentName = "未知部门"
)

// departmentNames names the departments of the statistics: WeCom's name
// for a department id, else the department HR's directory CSV gives its
// members. members maps a department id (or unknownDepartment) to the
// members counted under it; counts maps a member to their violations. It returns the
// names by id and the counts by name (members of no known department but
// with one in HR's CSV are counted under that name).
func (s *Server) departmentNames(ctx context.Context, members map[string][]string, counts map[string]int64) (map[string]string, map[string]int64, error) {
	names := map[string]string{}
	var ids []string
	for id := range members {
		if id != unknownDepartment {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	if dn, ok := s.cfg.Admin.(DepartmentNamer); ok && len(ids) > 0 {
		got, err := dn.DepartmentNames(ctx, ids)
		if err != nil {
			return nil, nil, err
		}
		names = got
	}
	// HR's CSV for what WeCom left unnamed.
	var ask []string
	for dept, us := range members {
		if dept == unknownDepartment || names[dept] == "" {
			ask = append(ask, us...)
		}
	}
	csv := map[string]string{}
	if ns, ok := s.cfg.Admin.(NameStore); ok && len(ask) > 0 {
		got, err := ns.MemberNames(ctx, ask)
		if err != nil {
			return nil, nil, err
		}
		for u, m := range got {
			csv[u] = m.Department
		}
	}
	byName := map[string]int64{}
	for dept, us := range members {
		if dept != unknownDepartment && names[dept] == "" {
			for _, u := range us {
				if csv[u] != "" {
					names[dept] = csv[u]
					break
				}
			}
		}
		if dept != unknownDepartment {
			name := names[dept]
			if name == "" {
				name = "部门 " + dept
			}
			for _, u := range us {
				byName[name] += counts[u]
			}
			continue
		}
		for _, u := range us {
			name := csv[u]
			if name == "" {
				name = unknownDepartmentName
			}
			byName[name] += counts[u]
		}
	}
	return names, byName, nil
}
