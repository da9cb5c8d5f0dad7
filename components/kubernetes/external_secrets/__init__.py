"""Cloud-store secrets delivered into pods at deployment time, by the External Secrets Operator.

The flow, per `source: cloud` secret, whichever store holds it (`delivery.SecretDelivery` declares it
through the cloud's backend, `components/cloud.py`):

1. `ExternalSecretsOperator` installs ESO and Stakater Reloader, both as pinned Helm releases, in an
   isolated `external-secrets` namespace (PSA `restricted`, default-deny, egress only to DNS and to
   HTTPS). ESO runs with the cluster-wide kinds switched off (no ClusterSecretStore,
   ClusterExternalSecret, PushSecret or ClusterGenerator: their CRDs are not even installed) and
   without the cluster-wide right to mint ServiceAccount tokens.
2. `SyncSecretStore`, per workload identity (on AWS `components.aws.workload_identity.SecretSyncIdentity`):
   a namespaced `SecretStore` whose provider authenticates as the workload's `<workload>-secret-sync`
   ServiceAccount, and a Role letting the ESO controller request tokens for exactly that ServiceAccount.
3. `SyncedSecret`, per store secret: an `ExternalSecret` that copies exactly the catalogue's keys of
   the store's secret into the Kubernetes Secret `<name>-v<version>`, which the workload's
   Deployment consumes like any other platform Secret.

How a new value reaches the pods. A version bump works as for every platform Secret: a new
ExternalSecret and Secret `<name>-v<N+1>` are created, the Deployment names the new Secret and rolls,
and the old ExternalSecret (and, through its owner reference, its Secret) is deleted last. A value
rotated in the store under the same version arrives in two steps:
- ESO re-reads the secret every `refreshInterval` (at most an hour, and at most a quarter of the
  rotation period) and updates the Secret in place; ESO-owned Secrets are mutable, which is what lets
  the kubelet refresh mounted files (`mount: volume`, no `subPath`) within its sync period plus cache
  TTL, about a minute (kubernetes.io/docs/concepts/configuration/secret/#mounted-secrets-are-updated-automatically).
- Environment variables never change in a running container, and many programs read files only at
  start, so the consuming Deployment carries Reloader's `secret.reloader.stakater.com/reload:
  "<name>-v<version>"` annotation (`reloader_annotations()`): Reloader sees the Secret's data change
  and rolls the Deployment (surge first, as `components/kubernetes/workload.py` configures it).
"""
