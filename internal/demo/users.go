package demo

import (
	"context"
	"errors"
	"fmt"

	"github.com/alumnipulse/alumnipulse/internal/auth"
	"github.com/alumnipulse/alumnipulse/internal/tenant"
)

// Password is the demo users' password. The demo tenant is for trying alumnipulse on one's own machine.
const Password = "alumnipulse-demo"

// User is a demo sign-in.
type User struct {
	Email string
	Name  string
	Role  tenant.Role
}

// Users are the demo sign-ins, one per role.
var Users = []User{
	{"hr@demo.example", "人事 花子", tenant.RoleHRAdmin},
	{"viewer@demo.example", "閲覧 太郎", tenant.RoleHRViewer},
	{"leader@demo.example", "経営 次郎", tenant.RoleLeadership},
}

// UserCreator creates sign-ins; the auth service is one.
type UserCreator interface {
	CreateUser(ctx context.Context, tenantID, email, name string, role tenant.Role, password string) (auth.User, error)
}

func seedUsers(ctx context.Context, users UserCreator) error {
	for _, u := range Users {
		if _, err := users.CreateUser(ctx, TenantID, u.Email, u.Name, u.Role, Password); err != nil && !errors.Is(err, auth.ErrUserExists) {
			return fmt.Errorf("demo user %s: %w", u.Role, err)
		}
	}
	return nil
}
