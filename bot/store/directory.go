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

// The directory of names the console shows instead of ids. WeCom gives
// names where the app may read them (user/get within the app's visible
// range, cached by the sender under "user:<id>"); what it withholds HR
// fills in by importing a CSV (userid,name,department), kept here until HR
// imports again. HR's directory wins over the cache: it is what HR asked
// people to be called.

// Member is one person of the directory as HR imported it.
type Member struct {
	UserID     string `json:"userid"`
	Name       string `json:"name"`
	Department string `json:"department,omitempty"` // the department's name
}

// directoryBatch bounds one HSET of an import.
const directoryBatch = 500

// ImportDirectory stores ms (replacing the whole directory when replace is
// set) and returns how many members it now holds. The directory is one hash
// (its own key), so every command touches one key.
func (s *Store) ImportDirectory(ctx context.Context, ms []Member, replace bool) (int64, error) {
	key := s.keyDirectory()
	if replace {
		// Write the new directory aside and rename it over the old one:
		// readers never see it half-imported. Both keys share {directory}.
		// Each import has its own aside key, so two at once do not mix.
		tmp := s.keyDirectoryImport(strconv.FormatInt(time.Now().UnixNano(), 36))
		if err := s.hsetMembers(ctx, tmp, ms); err != nil {
			s.rdb.Del(ctx, tmp)
			return 0, err
		}
		s.rdb.Expire(ctx, tmp, time.Hour) // gone even if the rename below fails
		if len(ms) == 0 {
			if err := s.rdb.Del(ctx, key).Err(); err != nil {
				return 0, fmt.Errorf("clear directory: %w", err)
			}
		} else if err := s.rdb.Rename(ctx, tmp, key).Err(); err != nil {
			return 0, fmt.Errorf("import directory: %w", err)
		}
	} else if err := s.hsetMembers(ctx, key, ms); err != nil {
		return 0, err
	}
	n, err := s.rdb.HLen(ctx, key).Result()
	if err != nil {
		return 0, fmt.Errorf("count directory: %w", err)
	}
	return n, nil
}

func (s *Store) hsetMembers(ctx context.Context, key string, ms []Member) error {
	for i := 0; i < len(ms); i += directoryBatch {
		end := min(i+directoryBatch, len(ms))
		args := make([]any, 0, 2*(end-i))
		for _, m := range ms[i:end] {
			data, err := json.Marshal(m)
			if err != nil {
				return fmt.Errorf("encode member %q: %w", m.UserID, err)
			}
			args = append(args, m.UserID, data)
		}
		if err := s.rdb.HSet(ctx, key, args...).Err(); err != nil {
			return fmt.Errorf("import directory: %w", err)
		}
	}
	return nil
}

// DirectorySize returns how many members HR's directory holds.
func (s *Store) DirectorySize(ctx context.Context) (int64, error) {
	n, err := s.rdb.HLen(ctx, s.keyDirectory()).Result()
	if err != nil {
		return 0, fmt.Errorf("count directory: %w", err)
	}
	return n, nil
}

// cachedUser is the part of the sender's cached user/get answer
// (wecom.User, "user:<id>") that names someone.
type cachedUser struct {
	UserID         string
	Name           string
	Department     []int64
	MainDepartment int64
}

// mainDepartment is the member's main department, else the first one.
func (u cachedUser) mainDepartment() int64 {
	if u.MainDepartment != 0 || len(u.Department) == 0 {
		return u.MainDepartment
	}
	return u.Department[0]
}

// MemberNames returns what is known of the people ids: HR's directory
// first, then the names WeCom gave (the sender's cache). Ids nobody named
// are left out. A member WeCom named gets the name WeCom gave the main
// department (Departments). One HMGET of the directory, then one GET per
// id it lacks (each its own key: slot-safe on a cluster) and one HMGET of
// the departments.
func (s *Store) MemberNames(ctx context.Context, ids []string) (map[string]Member, error) {
	out := make(map[string]Member, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	vals, err := s.rdb.HMGet(ctx, s.keyDirectory(), ids...).Result()
	if err != nil {
		return nil, fmt.Errorf("read directory: %w", err)
	}
	var missing []string
	for i, v := range vals {
		str, ok := v.(string)
		var m Member
		if ok && json.Unmarshal([]byte(str), &m) == nil && m.Name != "" {
			out[ids[i]] = m
			continue
		}
		missing = append(missing, ids[i])
	}
	if len(missing) == 0 {
		return out, nil
	}
	cmds := make([]*redis.StringCmd, len(missing))
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range missing {
			cmds[i] = p.Get(ctx, s.keyCache("user:"+id))
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("read cached names: %w", err)
	}
	deptOf := map[string]int64{}
	for i, cmd := range cmds {
		data, err := cmd.Bytes()
		if err != nil {
			continue // not cached
		}
		var u cachedUser
		if json.Unmarshal(data, &u) != nil || u.UserID == "" || u.Name == "" || u.Name == u.UserID {
			// Apps created after 2022-06-20 may get the userid back as the
			// name: that names nobody.
			continue
		}
		out[missing[i]] = Member{UserID: u.UserID, Name: u.Name}
		if d := u.mainDepartment(); d != 0 {
			deptOf[missing[i]] = d
		}
	}
	if len(deptOf) == 0 {
		return out, nil
	}
	var depts []int64
	for _, d := range deptOf {
		depts = append(depts, d)
	}
	ds, err := s.Departments(ctx, depts)
	if err != nil {
		return nil, err
	}
	for id, d := range deptOf {
		if name := ds[d].Name; name != "" {
			m := out[id]
			m.Department = name
			out[id] = m
		}
	}
	return out, nil
}
