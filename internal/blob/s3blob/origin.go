package s3blob

import (
	"net/url"
	"strings"
)

// Origins returns where browsers reach the objects of the store rawURL
// names, as Content-Security-Policy sources: pre-signed PUT and GET URLs
// point there, so the web client's policy must allow them. With an
// endpoint it is the endpoint's origin (path-style) or the bucket's
// subdomain of it (virtual-hosted); on AWS it is the bucket's regional
// host, or any amazonaws.com host when the region comes from the
// environment. It needs no network and no credentials.
func Origins(rawURL string) ([]string, error) {
	o, err := parseURL(rawURL)
	if err != nil {
		return nil, err
	}
	if o.endpoint != "" {
		ep, err := url.Parse(o.endpoint)
		if err != nil {
			return nil, err
		}
		host := ep.Host
		if !o.pathStyle {
			host = o.bucket + "." + host
		}
		return []string{ep.Scheme + "://" + strings.ToLower(host)}, nil
	}
	if o.region != "" {
		return []string{"https://" + o.bucket + ".s3." + o.region + ".amazonaws.com", "https://" + o.bucket + ".s3.amazonaws.com"}, nil
	}
	return []string{"https://*.amazonaws.com"}, nil
}
