#!/usr/bin/env bash
# Soak run: the bot (release build) against the local fake Discord at 20 asks/s for
# SOAK_SECONDS (default 300), printing RSS and reply latency every 30 s. Loopback only.
# Usage: scripts/soak.sh [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
export SOAK_SECONDS="${1:-${SOAK_SECONDS:-300}}"
exec cargo test --release --test bot_soak -- --ignored --nocapture
