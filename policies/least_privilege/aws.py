"""Least privilege on AWS: who may read a secret or use a key is exactly who needs it.

IAM identity policies name each secret and key action and resource; roles are assumed only by the
principals they name (web identity pinned to one ServiceAccount); resource policies (keys, secrets,
buckets, topics, queues, functions) never open to any principal; no AWS-managed administrator or
broad-access policy is attached, and no cluster administrator access policy goes beyond the
operations team; every S3 bucket blocks public access, all four ways; no KMS grant hands a key's
decrypt operations to a principal the key policy does not name. Documents are parsed as IAM reads
them (`_iam.py`); messages name statements by index, never text of the document.
"""

from __future__ import annotations

import re
from fnmatch import fnmatchcase
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from policies._support import as_list, dig, is_unknown, message, plain, schema, settings, string_list
from policies.least_privilege._iam import (
    SENSITIVE_ACTIONS,
    action_matches,
    allowed_actions,
    allows,
    guarded,
    policy_document,
    public_principal,
    restricting_condition,
    statements,
)

IAM_POLICY_DOCUMENTS = {
    "aws:iam/policy:Policy": "policy",
    "aws:iam/rolePolicy:RolePolicy": "policy",
    "aws:iam/userPolicy:UserPolicy": "policy",
    "aws:iam/groupPolicy:GroupPolicy": "policy",
}
"""IAM identity policies and the input that holds their document (role inline policies below)."""
IAM_ROLE = "aws:iam/role:Role"
RESOURCE_POLICIES = {
    "aws:kms/key:Key": "policy",
    "aws:kms/keyPolicy:KeyPolicy": "policy",
    "aws:secretsmanager/secret:Secret": "policy",
    "aws:secretsmanager/secretPolicy:SecretPolicy": "policy",
    "aws:s3/bucket:Bucket": "policy",
    "aws:s3/bucketV2:BucketV2": "policy",
    "aws:s3/bucketPolicy:BucketPolicy": "policy",
    "aws:sns/topic:Topic": "policy",
    "aws:sns/topicPolicy:TopicPolicy": "policy",
    "aws:sqs/queue:Queue": "policy",
    "aws:sqs/queuePolicy:QueuePolicy": "policy",
    "aws:ecr/repositoryPolicy:RepositoryPolicy": "policy",
    "aws:cloudwatch/logResourcePolicy:LogResourcePolicy": "policyDocument",
}
"""Resources whose policy says who may use them, and the input that holds it (pulumi-aws 7)."""
LAMBDA_PERMISSION = "aws:lambda/permission:Permission"
MANAGED_POLICY_INPUTS = {
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "policyArn",
    "aws:iam/userPolicyAttachment:UserPolicyAttachment": "policyArn",
    "aws:iam/groupPolicyAttachment:GroupPolicyAttachment": "policyArn",
    "aws:iam/policyAttachment:PolicyAttachment": "policyArn",
    "aws:iam/role:Role": "managedPolicyArns",
    "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive": "policyArns",
    "aws:iam/userPolicyAttachmentsExclusive:UserPolicyAttachmentsExclusive": "policyArns",
    "aws:iam/groupPolicyAttachmentsExclusive:GroupPolicyAttachmentsExclusive": "policyArns",
}
EKS_ACCESS_POLICY_ASSOCIATION = "aws:eks/accessPolicyAssociation:AccessPolicyAssociation"
EKS_ACCESS_ENTRY = "aws:eks/accessEntry:AccessEntry"
KMS_GRANT = "aws:kms/grant:Grant"
GRANT_DECRYPT_OPERATIONS = (
    "Decrypt",
    "ReEncryptFrom",
    "GenerateDataKey",
    "GenerateDataKeyPair",
    "GenerateDataKeyWithoutPlaintext",
    "GenerateDataKeyPairWithoutPlaintext",
    "CreateGrant",
)
"""Grant operations that read what the key protects, or pass that on (`CreateGrant`)."""
S3_BUCKETS = ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")
S3_BUCKET_PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
S3_ACCOUNT_PUBLIC_ACCESS_BLOCK = "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock"
PUBLIC_ACCESS_FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
"""The four settings of an S3 public access block; each is false unless set (S3 API, PublicAccessBlockConfiguration)."""


# --- identity policies ---------------------------------------------------------------------------


def _statement_problems(statement: dict[str, Any]) -> list[str]:
    """What makes an Allow statement too broad for Secrets Manager, KMS or SSM parameters."""
    if not allows(statement):
        return []
    problems = []
    actions = as_list(statement.get("Action"))
    reaching = allowed_actions(statement, SENSITIVE_ACTIONS)
    if statement.get("NotAction") is not None and reaching:
        problems.append("uses NotAction, which allows every other action including secret reads")
    if any(a in ("*", "*:*") for a in actions):
        problems.append("allows every action ('*')")
    elif any(
        isinstance(a, str) and re.search(r"[*?]", a) and any(action_matches(a, s) for s in SENSITIVE_ACTIONS)
        for a in actions
    ):
        problems.append("uses a wildcard action that reaches secret reads or key use")
    if reaching or any(guarded(a) for a in actions):
        if statement.get("NotResource") is not None:
            problems.append("uses NotResource with Secrets Manager, KMS or SSM actions")
        if any("*" in str(r) for r in as_list(statement.get("Resource"))):
            problems.append("grants Secrets Manager, KMS or SSM actions on a wildcard resource")
    return problems


def _iam_documents(args: ResourceValidationArgs) -> list[tuple[str, dict[str, Any]]]:
    if args.resource_type not in IAM_POLICY_DOCUMENTS and args.resource_type != IAM_ROLE:
        return []
    props = plain(args.props)
    if args.resource_type in IAM_POLICY_DOCUMENTS:
        document = policy_document(props.get(IAM_POLICY_DOCUMENTS[args.resource_type]))
        return [("policy", document)] if document else []
    if args.resource_type == IAM_ROLE:
        found = []
        for i, inline in enumerate(as_list(props.get("inlinePolicies"))):
            document = policy_document(dig(inline, "policy"))
            if document:
                found.append((f"inlinePolicies[{i}]", document))
        return found
    return []


def _iam_secrets_wildcards(args: ResourceValidationArgs, report: ReportViolation) -> None:
    for where, document in _iam_documents(args):
        for i, statement in statements(document):
            for problem in _statement_problems(statement):
                report(
                    message(
                        f"{where} Statement[{i}] {problem}",
                        "List the exact secretsmanager:/kms:/ssm: actions and the ARNs of the secrets and keys",
                    ),
                    None,
                )


# Source: AWS Secrets Manager user guide, "Least privilege"; parliament's RESOURCE_STAR finding; IAM
# User Guide, "NotAction" (allows every action not listed).
AWS_IAM_POLICY_SECRETS_WILDCARDS = ResourceValidationPolicy(
    name="aws-iam-policy-secrets-wildcards",
    description="IAM policies must not use '*' or NotAction to reach Secrets Manager, KMS or SSM "
    "parameters, nor grant them on '*' resources.",
    validate=_iam_secrets_wildcards,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.CRITICAL,
    config_schema=schema(),
    remediation_steps="Name each action and the ARN of each secret or key.",
)

_SERVICE_ACCOUNT_SUBJECT = re.compile(r"^system:serviceaccount:[a-z0-9-]+:[a-z0-9.-]+$")


def _web_identity_problems(statement: dict[str, Any]) -> list[str]:
    if "sts:AssumeRoleWithWebIdentity" not in allowed_actions(statement, ("sts:AssumeRoleWithWebIdentity",)):
        return []
    condition = statement.get("Condition") or {}
    if not isinstance(condition, dict):
        return ["has no usable Condition"]
    problems = []
    subjects: list[Any] = []
    audiences: list[Any] = []
    for operator, entries in condition.items():
        if not isinstance(entries, dict):
            continue
        for key, value in entries.items():
            if str(key).endswith(":sub"):
                if operator != "StringEquals":
                    problems.append("matches the subject with an operator other than StringEquals")
                subjects.extend(as_list(value))
            elif str(key).endswith(":aud"):
                audiences.extend(as_list(value))
    if any(is_unknown(v) for v in subjects + audiences):
        return []
    if len(subjects) != 1 or not _SERVICE_ACCOUNT_SUBJECT.match(str(subjects[0])):
        problems.append(
            f"trusts {len(subjects)} subjects instead of exactly one system:serviceaccount:<namespace>:<name>"
        )
    if audiences != ["sts.amazonaws.com"]:
        problems.append("does not pin the audience to sts.amazonaws.com")
    return problems


def _role_web_identity(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != IAM_ROLE:
        return
    document = policy_document(plain(args.props).get("assumeRolePolicy"))
    for i, statement in statements(document or {}):
        for problem in _web_identity_problems(statement):
            report(
                message(
                    f"assumeRolePolicy Statement[{i}] {problem}",
                    "Add Condition StringEquals {'<issuer>:sub': 'system:serviceaccount:<namespace>:<name>', "
                    "'<issuer>:aud': 'sts.amazonaws.com'}",
                ),
                None,
            )


# Source: EKS user guide, "Configure a Kubernetes service account to assume an IAM role" (scope the
# trust policy to one service account with StringEquals on :sub and :aud).
AWS_IAM_ROLE_WEB_IDENTITY_SUBJECT = ResourceValidationPolicy(
    name="aws-iam-role-web-identity-subject",
    description="IAM roles assumed with web identity must trust exactly one ServiceAccount.",
    validate=_role_web_identity,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.CRITICAL,
    config_schema=schema(),
    remediation_steps="Pin the trust policy's :sub to one system:serviceaccount:<ns>:<name> and :aud to STS.",
)

_ASSUME_ACTIONS = ("sts:AssumeRole", "sts:AssumeRoleWithWebIdentity", "sts:AssumeRoleWithSAML")


def _role_trust_principal(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != IAM_ROLE:
        return
    document = policy_document(plain(args.props).get("assumeRolePolicy"))
    for i, statement in statements(document or {}):
        if not allowed_actions(statement, _ASSUME_ACTIONS) or not public_principal(statement):
            continue
        if restricting_condition(statement):
            continue
        report(
            message(
                f"assumeRolePolicy Statement[{i}] lets any AWS principal (every account, anonymous included) "
                "assume the role, and with it every secret and key the role reaches",
                "Name the trusted principal (a service, a role ARN, the OIDC provider) instead of '*', or pin "
                "aws:PrincipalArn / aws:PrincipalOrgID in a StringEquals condition",
            ),
            None,
        )


# Source: IAM User Guide, "Granting a user permissions to pass a role" / "How to use trust policies with
# IAM roles" (a wildcard principal lets anyone assume the role); checkov CKV_AWS_60, CKV_AWS_61.
AWS_IAM_ROLE_TRUST_PRINCIPAL = ResourceValidationPolicy(
    name="aws-iam-role-trust-principal",
    description="IAM role trust policies must not let any AWS principal assume the role.",
    validate=_role_trust_principal,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.CRITICAL,
    config_schema=schema(),
    remediation_steps="Trust a named principal, or pin aws:PrincipalArn or aws:PrincipalOrgID.",
)


# --- resource policies ---------------------------------------------------------------------------


def _lambda_permission_public(props: dict[str, Any]) -> bool:
    principal = props.get("principal")
    if not isinstance(principal, str) or is_unknown(principal) or "*" not in principal:
        return False
    if str(props.get("functionUrlAuthType") or "").upper() == "NONE":
        return True
    pinned = [props.get(k) for k in ("sourceArn", "sourceAccount", "principalOrgId")]
    return not any(isinstance(v, str) and v and "*" not in v for v in pinned)


def _resource_policy_public(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != LAMBDA_PERMISSION and args.resource_type not in RESOURCE_POLICIES:
        return
    props = plain(args.props)
    if args.resource_type == LAMBDA_PERMISSION:
        if _lambda_permission_public(props):
            report(
                message(
                    "The permission lets any AWS principal (or, through a function URL without auth, anyone) "
                    "invoke the function",
                    "Name the calling service and pin source_arn or source_account, or principal_org_id",
                ),
                None,
            )
        return
    field = RESOURCE_POLICIES.get(args.resource_type)
    if field is None:
        return
    document = policy_document(props.get(field))
    for i, statement in statements(document or {}):
        if allows(statement) and public_principal(statement) and not restricting_condition(statement):
            report(
                message(
                    f"{field} Statement[{i}] allows any AWS principal (Principal '*', AWS '*' or NotPrincipal) "
                    "without a condition that pins the caller",
                    "Name the principals, or add a StringEquals condition on aws:PrincipalAccount, "
                    "aws:PrincipalOrgID, aws:SourceArn or aws:SourceAccount",
                ),
                None,
            )


# Source: KMS developer guide, "Key policies" ("we recommend that you do not use a wildcard principal
# without conditions"); Secrets Manager user guide, "BlockPublicPolicy"; S3 user guide, "The meaning of
# public"; checkov CKV_AWS_33 (KMS), CKV_AWS_70 (S3), CKV_AWS_301 (Lambda).
AWS_RESOURCE_POLICY_PUBLIC_PRINCIPAL = ResourceValidationPolicy(
    name="aws-resource-policy-public-principal",
    description="Resource policies of keys, secrets, buckets, topics, queues and functions must not allow "
    "any principal without a condition that pins the caller.",
    validate=_resource_policy_public,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.CRITICAL,
    config_schema=schema(),
    remediation_steps="Replace '*' principals with the accounts, roles or services that need access.",
)


# --- attached managed policies and cluster access -------------------------------------------------

_AWS_MANAGED = re.compile(r"^arn:aws[a-z-]*:iam::aws:policy/(?P<name>.+)$")


def _managed_policy(args: ResourceValidationArgs, report: ReportViolation) -> None:
    field = MANAGED_POLICY_INPUTS.get(args.resource_type)
    if field is None:
        return
    cfg = settings(args, AWS_IAM_MANAGED_POLICY_ATTACHMENT.config_schema)
    for i, arn in enumerate(as_list(plain(args.props).get(field))):
        match = _AWS_MANAGED.match(arn) if isinstance(arn, str) else None
        if not match:
            continue
        hit = next((p for p in cfg["forbiddenPolicies"] if fnmatchcase(match.group("name"), p)), None)
        if hit:
            where = field if isinstance(plain(args.props).get(field), str) else f"{field}[{i}]"
            report(
                message(
                    f"{where} attaches an AWS-managed policy matching {hit}, which grants administrator or "
                    "account-wide access to secrets, keys or IAM",
                    "Attach a customer-managed policy that names the actions and ARNs the principal needs",
                ),
                None,
            )


# Source: CIS AWS Foundations Benchmark v1.5.0, 1.16 ("Ensure IAM policies that allow full '*:*'
# administrative privileges are not attached"); AWS managed policy reference (SecretsManagerReadWrite
# and AWSKeyManagementServicePowerUser reach every secret and key of the account).
AWS_IAM_MANAGED_POLICY_ATTACHMENT = ResourceValidationPolicy(
    name="aws-iam-managed-policy-attachment",
    description="Roles, users and groups must not be attached AWS-managed administrator or broad-access "
    "policies.",
    validate=_managed_policy,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.CRITICAL,
    config_schema=schema(
        forbiddenPolicies=string_list(
            [
                "AdministratorAccess*",
                "PowerUserAccess",
                "IAMFullAccess",
                "SecretsManagerReadWrite",
                "AWSKeyManagementServicePowerUser",
                "*FullAccess",
                "job-function/*",
            ],
            "Names (after policy/, fnmatch patterns) of AWS-managed policies never attached.",
        )
    ),
    remediation_steps="Replace the AWS-managed policy with a customer-managed one scoped to named ARNs.",
)


def _eks_admin_access(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type not in (EKS_ACCESS_ENTRY, EKS_ACCESS_POLICY_ASSOCIATION):
        return
    props = plain(args.props)
    if args.resource_type == EKS_ACCESS_ENTRY:
        if "system:masters" in as_list(props.get("kubernetesGroups")):
            report(
                message(
                    "The access entry puts the principal in system:masters, which bypasses RBAC and every "
                    "admission check",
                    "Map the principal to a group bound to a least-privilege role, or associate an access policy",
                ),
                None,
            )
        return
    if args.resource_type != EKS_ACCESS_POLICY_ASSOCIATION:
        return
    cfg = settings(args, AWS_EKS_ACCESS_POLICY_ADMIN.config_schema)
    policy, principal = props.get("policyArn"), props.get("principalArn")
    if not isinstance(policy, str) or is_unknown(principal) or principal in cfg["allowedPrincipalArns"]:
        return
    name = policy.rsplit("/", 1)[-1]
    hit = next((p for p in cfg["forbiddenPolicies"] if fnmatchcase(name, p)), None)
    if hit:
        report(
            message(
                f"The association gives a principal that is not an allowed operator the access policy {hit}, "
                "which reads the cluster's Secrets",
                "Associate a view policy, or map the principal to a Kubernetes group with a least-privilege "
                "role; list operator roles in allowedPrincipalArns",
            ),
            None,
        )


# Source: EKS user guide, "Review access policy permissions" (AmazonEKSClusterAdminPolicy, AdminPolicy,
# EditPolicy, SecretAdminPolicy and AdminViewPolicy, which "includes Kubernetes Secrets", reach Secrets); CIS Amazon EKS Benchmark 4.1.1 (cluster-admin only
# where required).
AWS_EKS_ACCESS_POLICY_ADMIN = ResourceValidationPolicy(
    name="aws-eks-access-policy-admin",
    description="EKS access entries must give Secret-reading access policies only to the operations team, "
    "and never system:masters.",
    validate=_eks_admin_access,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.CRITICAL,
    config_schema=schema(
        forbiddenPolicies=string_list(
            [
                "AmazonEKSClusterAdminPolicy",
                "AmazonEKSAdminPolicy",
                "AmazonEKSEditPolicy",
                "AmazonEKSAdminViewPolicy",
                "AmazonEKSSecretAdminPolicy",
            ],
            "EKS access policies (fnmatch patterns) that read Secrets.",
        ),
        allowedPrincipalArns=string_list([], "IAM role ARNs of the operations team."),
    ),
    remediation_steps="Associate administrator access policies only with the operator role.",
)


# --- S3 ------------------------------------------------------------------------------------------


def _public_access_off(props: dict[str, Any]) -> list[str]:
    """The flags of a public access block that are not on (an unknown flag counts as on)."""
    return [f for f in PUBLIC_ACCESS_FLAGS if props.get(f) is not True and not is_unknown(props.get(f))]


def _blocks_by_bucket(
    resources: list[PolicyResource],
) -> tuple[dict[str, list[PolicyResource]], dict[str, list[PolicyResource]], bool]:
    """Bucket public access blocks by the URN of the bucket they reference, and by bucket name.

    The third value says some block names a bucket the preview cannot know yet (unknown name, no
    reference), so it may be the block of any bucket.
    """
    by_urn: dict[str, list[PolicyResource]] = {}
    by_name: dict[str, list[PolicyResource]] = {}
    unlinked = False
    for block in resources:
        if block.resource_type != S3_BUCKET_PUBLIC_ACCESS_BLOCK:
            continue
        targets = block.property_dependencies.get("bucket", [])
        for target in targets:
            by_urn.setdefault(target.urn, []).append(block)
        name = plain(block.props).get("bucket")
        if is_unknown(name):
            unlinked |= not targets
        elif isinstance(name, str) and name:
            by_name.setdefault(name, []).append(block)
    return by_urn, by_name, unlinked


def _stack_s3_public_access_block(args: StackValidationArgs, report: ReportViolation) -> None:
    # An account-level block with every flag on applies to every bucket of the account.
    if any(
        r.resource_type == S3_ACCOUNT_PUBLIC_ACCESS_BLOCK and not _public_access_off(plain(r.props))
        for r in args.resources
    ):
        return
    by_urn, by_name, unlinked = _blocks_by_bucket(args.resources)
    for bucket in args.resources:
        if bucket.resource_type not in S3_BUCKETS:
            continue
        name = plain(bucket.props).get("bucket")
        if is_unknown(name) and by_name:
            continue  # a block may name this bucket once its name is known
        named = by_name.get(name, []) if isinstance(name, str) else []
        blocks = {b.urn: b for b in by_urn.get(bucket.urn, []) + named}
        if not blocks:
            if unlinked:
                continue
            report(
                message(
                    "The bucket has no public access block, so a bucket policy or ACL can make it public",
                    "Declare an aws.s3.BucketPublicAccessBlock with bucket=<the bucket>.id and "
                    "block_public_acls, block_public_policy, ignore_public_acls and restrict_public_buckets "
                    "all True",
                ),
                bucket.urn,
            )
            continue
        off = [_public_access_off(plain(b.props)) for b in blocks.values()]
        if all(off):
            flags = off[0]
            arguments = ", ".join(re.sub(r"([A-Z])", r"_\1", f).lower() for f in flags)
            report(
                message(
                    f"The bucket's public access block leaves {', '.join(flags)} off",
                    f"Set {arguments} to True on the block",
                ),
                bucket.urn,
            )


# Source: CIS AWS Foundations Benchmark v1.5.0, 2.1.4 ("Ensure that S3 Buckets are configured with
# 'Block public access (bucket settings)'"); checkov CKV_AWS_53, CKV_AWS_54, CKV_AWS_55, CKV_AWS_56
# (one per flag). The trail bucket holds every record of who read which secret.
AWS_S3_BUCKET_PUBLIC_ACCESS_BLOCK = StackValidationPolicy(
    name="aws-s3-bucket-public-access-block",
    description="Every S3 bucket must have a public access block with all four settings on.",
    validate=_stack_s3_public_access_block,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    config_schema=schema(),
    remediation_steps="Declare a BucketPublicAccessBlock for each bucket with all four block/ignore/restrict "
    "settings True (or an AccountPublicAccessBlock with all four True).",
)


def _kms_grant(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != KMS_GRANT:
        return
    allowed = settings(args, AWS_KMS_GRANT_GRANTEE.config_schema)["allowedGranteeArns"]
    props = plain(args.props)
    grantee, operations = props.get("granteePrincipal"), props.get("operations")
    if is_unknown(grantee) or is_unknown(operations) or any(is_unknown(o) for o in as_list(operations)):
        return
    reading = sorted({str(o) for o in as_list(operations)} & set(GRANT_DECRYPT_OPERATIONS))
    if not reading or (isinstance(grantee, str) and any(fnmatchcase(grantee, a) for a in allowed)):
        return
    report(
        message(
            f"The KMS grant gives {', '.join(reading)} to a principal outside allowedGranteeArns: a grant "
            "uses the key without any statement of the key policy that a review reads",
            "Grant the principal in the key policy instead, or add its ARN to allowedGranteeArns",
        ),
        None,
    )


# Source: AWS KMS Developer Guide, "Grants in AWS KMS" (a grant allows its grantee the operations it
# lists "without changing the key policy"; grants are hard to track) and "Best practices for AWS KMS
# grants" (least privilege, grant constraints).
AWS_KMS_GRANT_GRANTEE = ResourceValidationPolicy(
    name="aws-kms-grant-grantee",
    description="KMS grants must not give decrypt operations to principals outside allowedGranteeArns.",
    validate=_kms_grant,
    enforcement_level=EnforcementLevel.MANDATORY,
    severity=Severity.HIGH,
    config_schema=schema(
        allowedGranteeArns=string_list(
            [], "Principal ARNs (glob patterns) that may receive decrypt operations through a grant."
        )
    ),
    remediation_steps="Remove the grant and name the principal in the key policy, or allow its ARN in "
    "allowedGranteeArns.",
)


POLICIES = [
    AWS_IAM_POLICY_SECRETS_WILDCARDS,
    AWS_KMS_GRANT_GRANTEE,
    AWS_IAM_ROLE_WEB_IDENTITY_SUBJECT,
    AWS_IAM_ROLE_TRUST_PRINCIPAL,
    AWS_RESOURCE_POLICY_PUBLIC_PRINCIPAL,
    AWS_IAM_MANAGED_POLICY_ATTACHMENT,
    AWS_EKS_ACCESS_POLICY_ADMIN,
    AWS_S3_BUCKET_PUBLIC_ACCESS_BLOCK,
]
