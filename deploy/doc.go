// Package deploy holds Parley's deployment assets, next to the image's
// Dockerfile at the repository root: compose/ (embedded: one container;
// distributed: every role its own container with MySQL, Kafka, Redis,
// MinIO, OpenSearch, coturn and nginx), k8s/ (kustomize: a Deployment,
// Service and PodDisruptionBudget per role, the SFUs on the host network,
// Ingress, HPAs, ConfigMap and Secret) and nginx/ (the ingress routing
// table, also used by scripts/cluster.sh).
//
// It has no code. Its tests validate the assets offline, with what no
// Docker engine or cluster is needed for: the Dockerfile with buildkit's
// parser and build checks, and every PARLEY_* setting the compose files
// and manifests pass with the configuration's own parser, against the
// roles and routes the binary has. scripts/validate-deploy.sh adds
// kubeconform on the rendered manifests.
package deploy
