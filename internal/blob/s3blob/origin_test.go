package s3blob

import (
	"slices"
	"testing"
)

func TestOrigins(t *testing.T) {
	for _, c := range []struct {
		url  string
		want []string
	}{
		{"s3://k:s@files?endpoint=http://127.0.0.1:7070&region=us-east-1", []string{"http://127.0.0.1:7070"}},
		{"s3://files?endpoint=https://S3.Example.com/&path_style=false", []string{"https://files.s3.example.com"}},
		{"s3://files?region=eu-west-1", []string{"https://files.s3.eu-west-1.amazonaws.com", "https://files.s3.amazonaws.com"}},
		{"s3://files", []string{"https://*.amazonaws.com"}},
	} {
		got, err := Origins(c.url)
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("Origins(%s) = %v, %v; want %v", c.url, got, err, c.want)
		}
	}
	if _, err := Origins("s3://files?endpoint=ftp://x"); err == nil {
		t.Error("a bad endpoint was accepted")
	}
}
