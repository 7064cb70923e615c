#!/usr/bin/env bash
# An S3-compatible server for the tests of s3:// locations: moto's server
# (python3 -m moto.server), which the tests start on a free loopback port,
# and boto3, with which they make buckets and read objects back.
set -euo pipefail
if python3 -c "import moto.server, boto3, flask" 2>/dev/null; then
  exit 0
fi
python3 -m pip install -q "moto[server]" boto3
