package email

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	texttemplate "text/template"
	"time"
)

// The HTML body is an html/template, so every value (the username above
// all) is escaped for its context. The plain-text body is a text/template
// on purpose: it is sent as text/plain, where nothing is interpreted, and
// escaping would show entities to the reader.
var (
	//go:embed templates
	templateFS   embed.FS
	htmlTemplate = htmltemplate.Must(htmltemplate.ParseFS(templateFS, "templates/mail.html"))
	textTemplate = texttemplate.Must(texttemplate.ParseFS(templateFS, "templates/mail.txt"))
)

// content is the fixed wording of one kind of mail.
type content struct {
	Subject, Preheader, Heading, Intro, Button, Ignore string
	path                                               string // link path before the code
	validity                                           string
}

var contents = map[Kind]content{
	KindVerification: {
		Subject:   "Confirm your email address for Parley",
		Preheader: "One click and your Parley account is ready.",
		Heading:   "Confirm your email address",
		Intro:     "Thanks for signing up for Parley. Please confirm that this is your email address, so that you can sign in.",
		Button:    "Confirm my email address",
		Ignore:    "If you did not create a Parley account, ignore this email and nothing will happen.",
		path:      "/verify/",
		validity:  "This link is valid for " + hours(VerificationValidity) + ".",
	},
	KindPasswordReset: {
		Subject:   "Reset your Parley password",
		Preheader: "Choose a new password for your Parley account.",
		Heading:   "Reset your password",
		Intro:     "Someone, hopefully you, asked to reset the password of your Parley account. Use the link below to choose a new one; you will then be signed out on all your devices.",
		Button:    "Choose a new password",
		Ignore:    "If you did not ask for this, ignore this email: your password stays as it is.",
		path:      "/reset-password/",
		validity:  "This link is valid for " + hours(ResetValidity) + " and works once.",
	},
}

// view is what the templates see.
type view struct {
	content
	Username string
	Link     string
	Validity string
}

// render turns a valid request into a mail.
func render(r Request, publicURL string) (Mail, error) {
	c, ok := contents[r.Kind]
	if !ok {
		return Mail{}, fmt.Errorf("render: no content for kind %q", r.Kind)
	}
	v := view{content: c, Username: r.Username, Link: publicURL + c.path + r.Code, Validity: c.validity}
	var html, text bytes.Buffer
	if err := htmlTemplate.ExecuteTemplate(&html, "mail.html", v); err != nil {
		return Mail{}, fmt.Errorf("render %s html: %w", r.Kind, err)
	}
	if err := textTemplate.ExecuteTemplate(&text, "mail.txt", v); err != nil {
		return Mail{}, fmt.Errorf("render %s text: %w", r.Kind, err)
	}
	return Mail{To: r.To, Subject: c.Subject, Text: text.String(), HTML: html.String()}, nil
}

// hours spells a whole number of hours: "1 hour", "24 hours".
func hours(d time.Duration) string {
	h := int(d / time.Hour)
	if h == 1 {
		return "1 hour"
	}
	return fmt.Sprintf("%d hours", h)
}
