// Package web holds Parley's browser client and serves it.
//
// The client is a React + TypeScript app in this folder (src/, built by
// Vite). `npm run build` writes it to dist/app, and embed.go compiles the
// dist folder into the binary, so the one `parley` executable carries its own
// web client and needs no separate web server or CDN.
//
// Handler serves that client the way a single-page app needs: files as they
// are (hashed bundles cached forever, everything else revalidated), any other
// page path answered with index.html so the client's router can take over,
// and unknown /api/ paths answered with the API's JSON error instead of HTML.
//
// The behaviour is the same in every mode. In embedded mode the one process
// serves the client next to the API; in split mode any process may mount it
// (the ingress sends "everything else" to it), and every instance serves the
// identical files from its own binary. A binary built before the client has
// dist/app missing: it still runs, and its pages answer 503 with a note on how
// to build the client.
package web
