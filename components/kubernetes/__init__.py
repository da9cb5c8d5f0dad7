"""Components that stand on Kubernetes alone: namespaces, RBAC, Secrets, workloads, Helm, External Secrets."""
