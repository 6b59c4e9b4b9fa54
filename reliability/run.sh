#!/bin/sh
# bramka's reliability suite against the local sandbox (crates/bramka-sandbox): SMSAPI, Infobip and
# Twilio through RetryGateway with 20 % of send requests faulted in every way, counted from the
# sandbox's record. Quick mode (CI) sends 2,000 recipients per operator; this script defaults to
# the full 10,000. Usage: reliability/run.sh [RECIPIENTS_PER_OPERATOR]
set -eu
cd "$(dirname "$0")/.."
BRAMKA_RELIABILITY_RECIPIENTS="${1:-10000}" exec cargo test -p bramka-sandbox --test reliability -- --nocapture --test-threads 1
