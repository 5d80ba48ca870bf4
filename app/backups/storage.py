"""Where encrypted backups are kept: a folder on this machine, or an S3-compatible bucket (AWS, MinIO, 阿里云 OSS,
腾讯云 COS ...). Both keep files named jxc-<UTC time>.age, so the name sorts by age and says when it was made."""
import os
import re
import shutil
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

from app.config import create_private

NAME = re.compile(r"^jxc-(\d{8}T\d{6}\.\d{3})Z\.age$")


def backup_name(moment: datetime) -> str:
    """jxc-20261206T183000.123Z.age: to the millisecond, so two backups asked for in the same second both stay."""
    moment = moment.astimezone(timezone.utc)
    return f"jxc-{moment:%Y%m%dT%H%M%S}.{moment.microsecond // 1000:03d}Z.age"


def made_at(name: str) -> datetime | None:
    match = NAME.match(name)
    return datetime.strptime(match.group(1), "%Y%m%dT%H%M%S.%f").replace(tzinfo=timezone.utc) if match else None


def _addressing(endpoint: str) -> str:
    """Cloud services (OSS, COS, S3) want the bucket in the host name; a server of one's own (MinIO at
    http://nas:9000, 127.0.0.1) has no such DNS names and wants it in the path."""
    parts = urlsplit(endpoint or "")
    if parts.hostname and (parts.port or "." not in parts.hostname or parts.hostname.replace(".", "").isdigit()):
        return "path"
    return "auto"


class Folder:
    def __init__(self, path: Path):
        self.path = Path(path)

    def location(self, name: str) -> str:
        return str(self.path / name)

    def put(self, local: Path, name: str) -> None:
        """Copy in as a hidden .partial file and rename when complete, so a half-written backup never has a
        backup's name."""
        self.path.mkdir(parents=True, exist_ok=True, mode=0o700)
        partial = self.path / f".{name}.partial"
        partial.unlink(missing_ok=True)
        create_private(partial)
        try:
            with open(local, "rb") as source, open(partial, "wb") as target:
                shutil.copyfileobj(source, target, 1024 * 1024)
                target.flush()
                os.fsync(target.fileno())
            os.replace(partial, self.path / name)
        finally:
            partial.unlink(missing_ok=True)

    def fetch(self, name: str, local: Path) -> None:
        shutil.copyfile(self.path / name, local)

    def names(self) -> list[str]:
        if not self.path.is_dir():
            return []
        return sorted(entry.name for entry in self.path.iterdir() if NAME.match(entry.name))

    def remove(self, name: str) -> None:
        (self.path / name).unlink(missing_ok=True)


class Bucket:
    def __init__(self, endpoint: str, bucket: str, prefix: str, region: str, access_key: str, secret_key: str):
        self.bucket, self.prefix = bucket, prefix.strip("/") + "/" if prefix.strip("/") else ""
        # boto3 loads ~400 modules: only an installation that backs up to a bucket pays for them.
        import boto3
        from botocore.config import Config
        self.client = boto3.client(
            "s3", endpoint_url=endpoint or None, region_name=region or None,
            aws_access_key_id=access_key or None, aws_secret_access_key=secret_key or None,
            config=Config(connect_timeout=10, read_timeout=60, retries={"max_attempts": 3},
                          s3={"addressing_style": _addressing(endpoint)}))

    def location(self, name: str) -> str:
        return f"s3://{self.bucket}/{self.prefix}{name}"

    def put(self, local: Path, name: str) -> None:
        # An S3 object appears whole or not at all, so no .partial step is needed.
        self.client.upload_file(str(local), self.bucket, self.prefix + name)

    def fetch(self, name: str, local: Path) -> None:
        self.client.download_file(self.bucket, self.prefix + name, str(local))

    def names(self) -> list[str]:
        found = []
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix):
            found += [item["Key"][len(self.prefix):] for item in page.get("Contents", [])]
        return sorted(name for name in found if NAME.match(name))

    def remove(self, name: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.prefix + name)
