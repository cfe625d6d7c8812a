package node

import "github.com/parleychat/parley/web"

// startWeb serves the embedded React client at "/" with client-side routing.
func startWeb(n *Node) error {
	n.mux.Handle("/", web.Handler())
	return nil
}
