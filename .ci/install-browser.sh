#!/usr/bin/env bash
# Installs headless Chromium and chromedriver for the browser tests
# (crates/clearinghouse/tests/it/browser.rs), and wrk, the HTTP load
# generator `clearinghouse bench api` drives the server with
# (tests/it/bench_small.rs). Debian/Ubuntu; run as root.
set -euo pipefail

if [[ -x /usr/bin/chromium && -x /usr/bin/chromedriver && -x /usr/bin/wrk ]]; then
    exit 0
fi

apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium chromium-driver wrk
