"""The AWS backend: EKS with KMS, Secrets Manager, IAM workload identities, CloudTrail audit."""
