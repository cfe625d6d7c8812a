// Package email is the email role (ARCHITECTURE.md §1): it renders the
// account mails, address verification and password reset, and hands them
// to a Mailer. It owns no data.
//
// Service is the role itself: Send validates a Request (errs.Invalid when
// it can never succeed, so the caller stops retrying), renders the subject,
// an HTML body (html/template, so every user-supplied value is escaped;
// INVENTORY.md §13.1 item 12) and a plain-text alternative, each with the
// link into the web client, and gives the Mail to the Mailer. Every other
// failure is temporary and worth retrying.
//
// Only the user role sends mail, and only from its outbox (a relay retries
// with backoff until Send succeeds or fails with errs.Invalid), so a mail
// is never lost while the email role or the mail server is down.
//
// # Modes
//
//   - Embedded (mail_url log://, the default): LogMailer prints each mail,
//     link included, to the log, so that a developer clicks the link from
//     the terminal. Nothing leaves the machine.
//   - Distributed (smtp://…): package smtpmail delivers through an SMTP
//     submission server, with STARTTLS or implicit TLS and verified
//     certificates.
//
// In split mode the email role runs in its own processes and other roles
// reach it over Connect RPC (NewHandler on the email side, Client on the
// caller's side) with the internal secret; Client has the same Send method
// as Service, so callers never know which one they hold.
package email
