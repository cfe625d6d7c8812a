package systest

import (
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// TestOneRefusedMailNeverBlocksTheOthers is issue 12 defect 4 against the
// running node in both modes: the mail server refuses one address with a
// plain "550 mailbox unavailable" (no enhanced code); the verification
// mails of everyone who registers afterwards still arrive, and the refused
// mail is parked (counted in parley_outbox_parked_total), not retried for
// ever.
func TestOneRefusedMailNeverBlocksTheOthers(t *testing.T) {
	for _, mode := range Modes {
		t.Run(string(mode), func(t *testing.T) {
			t.Parallel()
			c := Start(t, mode)
			c.Mail.Refuse("nobody@example.com", &smtp.SMTPError{Code: 550, EnhancedCode: smtp.NoEnhancedCode, Message: "mailbox unavailable"})
			first := c.NewClient(t)
			r := first.Do("POST", "/api/v1/users", map[string]string{"username": "nobody", "email": "nobody@example.com", "password": "nobody password"})
			Expect(t, "register the refused address", r, 201, "")
			eventually(t, 10*time.Second, "the mail server refuses the first mail", func() bool { return c.Mail.Refused() > 0 })

			// Later registrations get their mail, in any order.
			for _, name := range []string{"ann", "ben", "cat"} {
				signUp(t, c, name, name+" password")
			}
			user := c.Instances["user"]
			admin := c.Procs[0].AdminURL
			if len(user) > 0 {
				admin = user[0].AdminURL
			}
			eventually(t, 10*time.Second, "the refused mail is parked", func() bool {
				_, body := Get(t, admin+"/metrics")
				return strings.Contains(body, `parley_outbox_parked_total{outbox="user-mail"} 1`)
			})
			if n := c.Mail.Refused(); n != 1 {
				t.Fatalf("the refused mail was tried %d times, want once", n)
			}
		})
	}
}
