"""The CMS's database on AWS: RDS for PostgreSQL, private, encrypted with the store key, TLS only.

RDS keeps the master password in Secrets Manager (`manage_master_user_password`), encrypted with the
store key, and rotates it itself (every 7 days by default: RDS user guide, "Password management with
Amazon RDS and AWS Secrets Manager"). Nobody sets or sees it: External Secrets copies it into the CMS
namespace, and Reloader rolls the CMS when it changes.

The instance sits in the cluster's private subnets and accepts PostgreSQL only from the cluster's
security group (the one EKS gives the managed nodes, and so the pods of the VPC CNI). A parameter
group forces TLS (`rds.force_ssl`) and logs every connection and disconnection; those logs go to an
encrypted CloudWatch log group. Deletion protection, `protect`, backups and a final snapshot keep the
data through any mistake.
"""

# No `from __future__ import annotations` here: Pulumi reads a component's class annotations with
# `typing.get_type_hints` (see components/aws/foundation.py).
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.aws.foundation import cms_database_log_group_name
from config.aws_names import cms_database_identifier

POSTGRES_PORT = 5432
POSTGRES_MAJOR = "16"
"""Engine major version; RDS applies minor versions in the maintenance window."""
PARAMETER_FAMILY = f"postgres{POSTGRES_MAJOR}"
DATABASE_NAME = "directus"
MASTER_USERNAME = "directus"
"""The CMS connects as the master user: RDS manages and rotates only the master password."""

PARAMETERS = {
    # RDS user guide, "Requiring an SSL connection to a PostgreSQL DB instance".
    "rds.force_ssl": "1",
    # PostgreSQL docs, "Error Reporting and Logging": every connection attempt and session end.
    "log_connections": "1",
    "log_disconnections": "1",
}


@dataclass(frozen=True, kw_only=True)
class RdsDatabaseArgs:
    cluster_name: str
    """Name of the EKS cluster; the instance is `<cluster>-cms`."""
    subnet_ids: Sequence[str]
    """The cluster's private subnets (two availability zones at least)."""
    vpc_id: pulumi.Input[str]
    """VPC of those subnets (the cluster's `vpcConfig.vpcId`)."""
    client_security_group_id: pulumi.Input[str]
    """Security group of the cluster's nodes (`vpcConfig.clusterSecurityGroupId`), the only client."""
    store_key_arn: pulumi.Input[str]
    """Customer-managed key for the storage, the master secret and the logs."""
    instance_class: str
    """Instance class, such as `db.t4g.medium`."""
    storage_gb: int
    """Allocated storage in GiB."""
    backup_days: int
    """Days of automated backups."""
    log_retention_days: int
    """Days the PostgreSQL log is kept in CloudWatch Logs."""


def check_database_args(args: RdsDatabaseArgs) -> list[str]:
    """Why these arguments cannot make the database (empty when they can); pure, tested without mocks."""
    problems = []
    if len(set(args.subnet_ids)) < 2:
        problems.append("an RDS subnet group needs subnets in at least two availability zones")
    if not args.instance_class.startswith("db."):
        problems.append(f"instance class {args.instance_class!r} is not an RDS class such as db.t4g.medium")
    if not 7 <= args.backup_days <= 35:
        problems.append(f"backup retention {args.backup_days} is outside 7 to 35 days")
    if args.storage_gb < 20:
        problems.append(f"{args.storage_gb} GiB is below RDS's 20 GiB minimum for gp3")
    return problems


class RdsDatabase(pulumi.ComponentResource):
    """RDS for PostgreSQL for the CMS: private, KMS-encrypted, TLS forced, audited, protected."""

    host: pulumi.Output[str]
    """Private DNS name of the instance."""
    port: int
    """PostgreSQL port."""
    database_name: str
    """The CMS's database."""
    username: pulumi.Output[str]
    """Master user the CMS logs in as."""
    master_secret_arn: pulumi.Output[str]
    """ARN of the Secrets Manager secret RDS keeps the master credentials in (JSON with `username`
    and `password`)."""
    instance_arn: pulumi.Output[str]
    """ARN of the instance."""

    def __init__(self, name: str, args: RdsDatabaseArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        problems = check_database_args(args)
        if problems:
            raise ValueError("CMS database: " + "; ".join(problems))
        super().__init__("secrets-platform:aws_database:RdsDatabase", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        identifier = cms_database_identifier(args.cluster_name)
        subnets = aws.rds.SubnetGroup(
            f"{name}-subnets",
            name=identifier,
            description=f"Private subnets of EKS cluster {args.cluster_name} for the CMS database",
            subnet_ids=list(args.subnet_ids),
            opts=child,
        )
        security_group = aws.ec2.SecurityGroup(
            f"{name}-sg",
            name=identifier,
            description=f"PostgreSQL from the nodes of EKS cluster {args.cluster_name} only",
            vpc_id=args.vpc_id,
            ingress=[
                {
                    "description": "PostgreSQL from the cluster's pods",
                    "protocol": "tcp",
                    "from_port": POSTGRES_PORT,
                    "to_port": POSTGRES_PORT,
                    "security_groups": [args.client_security_group_id],
                }
            ],
            # The database opens no connection of its own.
            egress=[],
            opts=child,
        )
        parameters = aws.rds.ParameterGroup(
            f"{name}-parameters",
            name=identifier,
            family=PARAMETER_FAMILY,
            description="TLS only; log connections and disconnections",
            parameters=[{"name": k, "value": v} for k, v in PARAMETERS.items()],
            opts=child,
        )
        # Declared before the instance so RDS exports into it, encrypted and with a retention.
        log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name=cms_database_log_group_name(args.cluster_name),
            kms_key_id=args.store_key_arn,
            retention_in_days=args.log_retention_days,
            opts=child,
        )
        instance = aws.rds.Instance(
            f"{name}-instance",
            identifier=identifier,
            engine="postgres",
            engine_version=POSTGRES_MAJOR,
            auto_minor_version_upgrade=True,
            instance_class=args.instance_class,
            allocated_storage=args.storage_gb,
            storage_type="gp3",
            storage_encrypted=True,
            kms_key_id=args.store_key_arn,
            db_name=DATABASE_NAME,
            username=MASTER_USERNAME,
            manage_master_user_password=True,
            master_user_secret_kms_key_id=args.store_key_arn,
            db_subnet_group_name=subnets.name,
            vpc_security_group_ids=[security_group.id],
            publicly_accessible=False,
            parameter_group_name=parameters.name,
            enabled_cloudwatch_logs_exports=["postgresql"],
            backup_retention_period=args.backup_days,
            copy_tags_to_snapshot=True,
            deletion_protection=True,
            skip_final_snapshot=False,
            final_snapshot_identifier=f"{identifier}-final",
            opts=pulumi.ResourceOptions(parent=self, protect=True, depends_on=[log_group]),
        )
        self.host = instance.address
        self.port = POSTGRES_PORT
        self.database_name = DATABASE_NAME
        self.username = pulumi.Output.from_input(MASTER_USERNAME)
        self.master_secret_arn = instance.master_user_secrets.apply(lambda secrets: secrets[0].secret_arn)
        self.instance_arn = instance.arn
        self.register_outputs(
            {
                "host": self.host,
                "port": self.port,
                "database_name": self.database_name,
                "master_secret_arn": self.master_secret_arn,
                "instance_arn": self.instance_arn,
            }
        )
