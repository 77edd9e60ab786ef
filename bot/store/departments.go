package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Department names from WeCom (department/get), kept for the console and
// the digests, which otherwise could show only "部门 2". WeCom answers the
// name to a self-built app whose visible range holds the department; to
// third-party apps it answers the id in place of the name, and a
// 代开发 app only once the admin allowed it. Such an answer, or a refusal,
// is kept as a department without a name (so it is not asked again for a
// day); the console then falls back to HR's directory CSV.

// Department is a department's name as WeCom gave it; Name is empty when
// WeCom withheld it. At is when it was asked.
type Department struct {
	ID   int64     `json:"id"`
	Name string    `json:"name,omitempty"`
	At   time.Time `json:"at"`
}

// DepartmentRefresh is how long a department's name is trusted before the
// sender asks WeCom again.
const DepartmentRefresh = 24 * time.Hour

// NoteDepartment keeps d (one HSET of the {directory} departments hash).
func (s *Store) NoteDepartment(ctx context.Context, d Department) error {
	data, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("encode department %d: %w", d.ID, err)
	}
	if err := s.rdb.HSet(ctx, s.keyDepartments(), strconv.FormatInt(d.ID, 10), data).Err(); err != nil {
		return fmt.Errorf("note department %d: %w", d.ID, err)
	}
	return nil
}

// Departments returns what is kept of the departments ids (one HMGET),
// named or not; ids never asked are left out.
func (s *Store) Departments(ctx context.Context, ids []int64) (map[int64]Department, error) {
	out := map[int64]Department{}
	if len(ids) == 0 {
		return out, nil
	}
	fields := make([]string, len(ids))
	for i, id := range ids {
		fields[i] = strconv.FormatInt(id, 10)
	}
	vals, err := s.rdb.HMGet(ctx, s.keyDepartments(), fields...).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("read departments: %w", err)
	}
	for i, v := range vals {
		str, ok := v.(string)
		var d Department
		if ok && json.Unmarshal([]byte(str), &d) == nil {
			out[ids[i]] = d
		}
	}
	return out, nil
}

// DepartmentNames returns the names of the departments ids, as decimal
// strings (the statistics' keys): WeCom's name where it gave one. Ids
// without a name are left out.
func (s *Store) DepartmentNames(ctx context.Context, ids []string) (map[string]string, error) {
	var nums []int64
	for _, id := range ids {
		if n, err := strconv.ParseInt(id, 10, 64); err == nil {
			nums = append(nums, n)
		}
	}
	ds, err := s.Departments(ctx, nums)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for id, d := range ds {
		if d.Name != "" {
			out[strconv.FormatInt(id, 10)] = d.Name
		}
	}
	return out, nil
}
