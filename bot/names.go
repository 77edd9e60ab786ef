package bot

import (
	"context"
	"time"

	"github.com/wecom-guard/wecom-guard/bot/store"
	"github.com/wecom-guard/wecom-guard/bot/wecom"
)

// The names the console shows for groups and departments come from the
// lookups the sender does anyway: the owner of a group (appchat/get,
// externalcontact/groupchat/get, msgaudit/groupchat/get answer the name
// with the owner) and a member (user/get answers department ids, whose
// names department/get gives). Both are optional: a WeComAPI or store
// without them (a test's fake) just yields no names.

// chatDetailAPI describes group chats: name and owner in one call
// (bot/wecom.Client).
type chatDetailAPI interface {
	AppChat(ctx context.Context, chatID string) (wecom.ChatDetail, error)
	ExternalGroupChat(ctx context.Context, chatID string) (wecom.ChatDetail, error)
	ArchiveGroupChat(ctx context.Context, roomID string) (wecom.ChatDetail, error)
}

// departmentAPI looks a department's name up (bot/wecom.Client).
type departmentAPI interface {
	Department(ctx context.Context, id int64) (wecom.Department, error)
}

// nameStore keeps the names for the console (bot/store.Store).
type nameStore interface {
	NoteGroupName(ctx context.Context, chatID, kind, name string, at time.Time) error
	Departments(ctx context.Context, ids []int64) (map[int64]store.Department, error)
	NoteDepartment(ctx context.Context, d store.Department) error
}

// lookupChat asks WeCom for the owner of a chat of kind and, where the API
// gives it, its name, which is kept for the console.
func (s *Sender) lookupChat(ctx context.Context, kind, chatID string) (owner string, err error) {
	api, ok := s.cfg.API.(chatDetailAPI)
	if !ok {
		return s.lookupOwner(kind, chatID)(ctx, chatID)
	}
	var d wecom.ChatDetail
	switch chatCall(kind, chatID) {
	case "external":
		d, err = api.ExternalGroupChat(ctx, chatID)
	case "archive":
		d, err = api.ArchiveGroupChat(ctx, chatID)
	default:
		d, err = api.AppChat(ctx, chatID)
	}
	if err != nil {
		return "", err
	}
	if ns, ok := s.cfg.Store.(nameStore); ok {
		// A courtesy for the console: a failure to keep the name does not
		// hold the alert back.
		if err := ns.NoteGroupName(ctx, chatID, kind, d.Name, s.cfg.Now()); err != nil {
			s.cfg.Logger.Warn().Err(err).Str("chat", chatID).Msg("group name not kept")
		}
	}
	return d.Owner, nil
}

// chatCall says which WeCom call describes a chat: a customer group
// (external), a chat-archive group (wr… ids, work and private groups) or
// an app chat.
func chatCall(kind, chatID string) string {
	switch {
	case kind == "external":
		return "external"
	case len(chatID) > 2 && chatID[:2] == "wr" || kind == "work" || kind == "private":
		return "archive"
	}
	return "app"
}

// lookupOwner is the owner-only call for chatCall's kind, for an API
// without chatDetailAPI.
func (s *Sender) lookupOwner(kind, chatID string) func(context.Context, string) (string, error) {
	switch chatCall(kind, chatID) {
	case "external":
		return s.cfg.API.ExternalGroupChatOwner
	case "archive":
		return s.cfg.API.ArchiveGroupChatCreator
	}
	return s.cfg.API.AppChatOwner
}

// noteDepartment makes sure the name of u's main department is known (or
// known to be withheld) for the console, asking WeCom at most once a day
// per department. It is best effort: names are a courtesy, so a failure
// is logged and the member's lookup goes on.
func (s *Sender) noteDepartment(ctx context.Context, u wecom.User) {
	id := u.MainDepartment
	if id == 0 && len(u.Department) > 0 {
		id = u.Department[0]
	}
	api, okAPI := s.cfg.API.(departmentAPI)
	ns, okStore := s.cfg.Store.(nameStore)
	if id <= 0 || !okAPI || !okStore {
		return
	}
	now := s.cfg.Now()
	if at, loaded := s.departments.LoadOrStore(id, now); loaded {
		if now.Sub(at.(time.Time)) < store.DepartmentRefresh {
			return // made sure of (or being made sure of) by this replica
		}
		s.departments.Store(id, now)
	}
	log := s.cfg.Logger.With().Int64("department", id).Logger()
	known, err := ns.Departments(ctx, []int64{id})
	if err != nil {
		s.departments.Delete(id) // ask again next time
		log.Warn().Err(err).Msg("department names not read")
		return
	}
	if d, ok := known[id]; ok && now.Sub(d.At) < store.DepartmentRefresh {
		return
	}
	d, err := api.Department(ctx, id)
	switch {
	case err == nil:
	case wecom.NotFound(err) || wecom.Permanent(err) && !wecom.Retryable(err):
		// Outside the app's visible range: kept without a name, so the
		// console uses HR's directory and WeCom is not asked again today.
		log.Info().Err(err).Msg("department name withheld by WeCom; HR's directory names it")
	default:
		s.departments.Delete(id) // ask again next time
		log.Warn().Err(err).Msg("department name not looked up")
		return
	}
	if err := ns.NoteDepartment(ctx, store.Department{ID: id, Name: d.Name, At: now}); err != nil {
		log.Warn().Err(err).Msg("department name not kept")
	}
}
