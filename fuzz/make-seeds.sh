#!/usr/bin/env bash
# Rebuilds the seed corpora (fuzz/corpus/<target>/seed-*) from the repository's test fixtures
# and a few hand-written examples. The seeds are committed; run this after fixtures change.
set -euo pipefail
cd "$(dirname "$0")"
fixtures=../crates
seed() { # seed TARGET NAME < content
    mkdir -p "corpus/$1"
    cat > "corpus/$1/seed-$2"
}
# DSNs and expressions (the README's and the tests' forms).
i=0
while IFS= read -r line; do
    i=$((i + 1))
    printf '%s' "$line" | seed dsn "$i"
    printf '%s' "$line" | seed connect "$i"
done <<'DSNS'
smsapi://TOKEN@default?from=Info&test=1
infobip://API_KEY@xxxxx.api.infobip.com?from=InfoSMS
twilio://ACCOUNT_SID:AUTH_TOKEN@default?from=+447700900123
twilio://AC123:s3cr%2Ft@default?from=+447700900123&timeout=5s
dynmark://me%40shop.pl:pa%3Ass@default?from=Shop&tls=0
mock://[::1]:8080/v1?fail=timeout
mock://down?fail=network || mock://up
null://default && null://default || console://default
smsapi://T||K@default || twilio://AC1:pw@default?api_key=x
smsapi://TO?KEN@default
console://
DSNS
# Accounts files.
seed accounts_toml basic <<'TOML'
[accounts.shop]
dsn = "smsapi://${SMSAPI_TOKEN}@default?from=Shop"
senders = ["Shop"]
default_prefix = "48"
allow_diacritics = false

[accounts.uk]
dsn = "dynmark://acme:hunter2@default"
active = false
max_parts = 3
TOML
# Phone numbers and lists.
printf '%s' '+48 600 100 200' | seed phone intl
printf '%s' '600100200, 0048600100201; +44 7700 900123' | seed phone list
printf '%s' '48XXXXXXXXX' | seed phone letters
# Texts for encoding.
printf '%s' 'Zażółć gęślą jaźń' | seed encoding polish
printf '%s' 'Hello {world} ~ € [ok] 😀 e\xcc\x81' | seed encoding mixed
printf 'a%.0s' {1..161} | seed encoding long
# Webhooks: the operators' fixtures (bodies and URLs).
for f in "$fixtures"/bramka-twilio/tests/fixtures/webhook_*.json "$fixtures"/bramka-infobip/tests/fixtures/*webhook*.json; do
    seed webhooks "$(basename "$f" .json)" < "$f"
    seed twilio_signature "$(basename "$f" .json)" < "$f"
done
printf '%s' 'MsgId=AAA1,BBB2&status=404,405&idx=k1,k2&donedate=1717500900,1717500905' | seed webhooks smsapi-dlr
printf '%s' 'sms_from=48600100200&sms_to=48790100200&sms_text=GLOSUJE+5&MsgId=m1&sms_date=1780300800' | seed webhooks smsapi-mo
# Inbound matching.
printf '%s' 'GŁOSUJĘ pięć' | seed inbound vote
printf '%s' 'glosuje: 1' | seed inbound vote-ascii
printf '%s' '+48600100200 INFO hi' | seed inbound info
# CSV cells (separated by U+001F).
printf '%s' $'+48600100200\x1f=HYPERLINK("x")\x1f  =1+1\x1f\x00=1\x1f-2+3\x1fZażółć, "gęślą"\njaźń' | seed csv_export cells
# Flow templates and answers.
printf '%s' 'Missed call {call_id} from {from_number}. {team} will call back.' | seed flow template
for f in "$fixtures"/bramka-smsapi/tests/fixtures/*.json; do
    seed flow "$(basename "$f" .json)" < "$f"
done
# Operator answers: a fixture body, then two control bytes (see fuzz_targets/common/answers.rs):
# call (0 send, 1 status; +2 splices the credential in, as an echoing server would) and HTTP
# status (0 = 200, 1 = 201, 2 = 400, 3 = 401, 4 = 404, 5 = 429, 6 = 500; high bits: where the
# credential goes).
answer() { # answer TARGET FILE CALL STATUS
    { cat "$2"; printf "\\x$3\\x$4"; } | seed "$1" "$(basename "$2" .json)-$3$4"
}
for f in "$fixtures"/bramka-smsapi/tests/fixtures/sms-*.json "$fixtures"/bramka-smsapi/tests/fixtures/rest-error*.json; do
    answer answer_smsapi "$f" 00 00
done
answer answer_smsapi "$fixtures"/bramka-smsapi/tests/fixtures/sms-send-details-response-python.json 01 00
answer answer_smsapi "$fixtures"/bramka-smsapi/tests/fixtures/rest-error-invalid-request-data.json 02 82
for f in "$fixtures"/bramka-infobip/tests/fixtures/send-v3-response-*.json "$fixtures"/bramka-infobip/tests/fixtures/send-v2-response-*.json; do
    answer answer_infobip "$f" 00 00
done
answer answer_infobip "$fixtures"/bramka-infobip/tests/fixtures/logs-v3-response-200.json 01 00
answer answer_infobip "$fixtures"/bramka-infobip/tests/fixtures/error-v3-400.json 00 02
answer answer_infobip "$fixtures"/bramka-infobip/tests/fixtures/error-v3-401.json 02 83
answer answer_infobip "$fixtures"/bramka-infobip/tests/fixtures/error-v3-429.json 00 05
answer answer_infobip "$fixtures"/bramka-infobip/tests/fixtures/error-v3-500.json 00 06
answer answer_infobip "$fixtures"/bramka-infobip/tests/fixtures/error-legacy-400-validation.json 00 02
answer answer_infobip "$fixtures"/bramka-infobip/tests/fixtures/error-legacy-401-invalid-login.json 02 83
for f in "$fixtures"/bramka-twilio/tests/fixtures/message_create_*.json; do
    answer answer_twilio "$f" 00 01
done
for f in "$fixtures"/bramka-twilio/tests/fixtures/message_fetch_*.json "$fixtures"/bramka-twilio/tests/fixtures/message_cancel_200.json; do
    answer answer_twilio "$f" 01 00
done
for f in "$fixtures"/bramka-twilio/tests/fixtures/error_*_400.json; do
    answer answer_twilio "$f" 00 02
done
answer answer_twilio "$fixtures"/bramka-twilio/tests/fixtures/error_20003_401.json 02 83
answer answer_twilio "$fixtures"/bramka-twilio/tests/fixtures/error_20404_404.json 01 04
answer answer_twilio "$fixtures"/bramka-twilio/tests/fixtures/error_20429_429.json 00 05
# Dynmark (its tests build the answers inline): accepted, refused with validation failures,
# a logon failure, a 400 list of failures.
printf '%s\x00\x00' '[{"to":"447700900123","successful":true,"validationFailures":[]},{"successful":true,"messageId":"m2"}]' | seed answer_dynmark accepted
printf '%s\x00\x00' '[{"to":"447700900124","successful":false,"validationFailures":[{"failureCode":"InvalidRecipient","failureDescription":"bad number"}]}]' | seed answer_dynmark refused
printf '%s\x02\x80' '[{"successful":false,"failureDescription":"logon failed for "}]' | seed answer_dynmark logon
printf '%s\x00\x02' '[{"failureCode":"MessageTooLong","failureDescription":"too long"}]' | seed answer_dynmark status-400
# The CLI's numbers file: a policy byte (bit 0: default prefix 48), then the CSV.
printf '\x01name,phone\nAnna,+48 600 100 200\nBob,abc\n\nCelina,600100201\nDup,0048600100200\n# note\n' | seed numbers_file header
printf '\x00+48600100200,x\n+48600100201\n"+44 7700 900123"\n' | seed numbers_file plain
