package node

import (
	"fmt"

	"github.com/parleychat/parley/internal/blob/s3blob"
	"github.com/parleychat/parley/web"
)

// startWeb serves the embedded React client at "/" with client-side
// routing. When files live in S3 the pages' Content-Security-Policy lets
// the browser reach the storage's origin (pre-signed uploads and
// downloads); the file store is served by Parley itself ('self').
func startWeb(n *Node) error {
	var origins []string
	u, err := parseURL("blob_url", n.cfg.BlobURL)
	if err != nil {
		return err
	}
	if u.Scheme == "s3" {
		if origins, err = s3blob.Origins(n.cfg.BlobURL); err != nil {
			return fmt.Errorf("blob_url: %w", err)
		}
	}
	n.mux.Handle("/", web.Handler(origins...))
	return nil
}
