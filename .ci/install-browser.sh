#!/usr/bin/env bash
# Installs headless Chromium and chromedriver for the browser tests
# (crates/clearinghouse/tests/it/browser.rs). Debian/Ubuntu; run as root.
set -euo pipefail

if [[ -x /usr/bin/chromium && -x /usr/bin/chromedriver ]]; then
    exit 0
fi

apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium chromium-driver
