// Package smtpmail is the distributed adapter of the email role's Mailer
// port: it delivers each mail to an SMTP submission server (mail_url
// smtp://…), one connection per mail, with the standard library's
// net/smtp.
//
// # Security
//
//   - Transport: by default STARTTLS is used whenever the server offers it;
//     tls=starttls requires it, tls=tls speaks implicit TLS from the first
//     byte (port 465), and tls=none never encrypts (a local relay or the
//     development sink parley-devmail).
//   - Certificates are always verified against the system roots, plus the
//     CA certificates of the PEM file named by ca= (a private CA). There is
//     no way to skip verification (INVENTORY.md §13.1 item 12).
//   - Credentials (AUTH PLAIN) are only ever sent over TLS, or to a server
//     on the loopback interface: with credentials a non-loopback server
//     that offers no STARTTLS gets no mail rather than a password in clear.
//   - Headers come from validated values only: the From address (mail_from,
//     or from= in the URL) is parsed at Open, the recipient at Send, and a
//     CR or LF in any header value is refused. Non-ASCII header text is
//     encoded as RFC 2047 encoded words.
//
// # Messages
//
// A mail is multipart/alternative with a text/plain and a text/html part,
// both UTF-8 and quoted-printable, with Date, a unique Message-ID in the
// From address's domain, MIME-Version and Auto-Submitted: auto-generated
// (so auto-responders stay quiet).
//
// # Errors
//
// A failure to connect, a TLS or authentication failure and every
// temporary (4xx) reply are errs.Unavailable: the caller retries, and a
// mail is not lost while the server is down or misconfigured. A recipient
// refused permanently with an addressing status (5.1.x: no such mailbox or
// domain) is errs.Invalid, so the caller stops retrying that mail. Other
// permanent replies are treated as configuration problems and retried.
package smtpmail
