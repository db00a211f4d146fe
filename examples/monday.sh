#!/bin/sh
# The Monday run, for cron: score last week's export against the history,
# record it, and exit 3 when trust fell, so cron mails the output.
#
#   crontab: 0 8 * * 1  cd /srv/trust && ./monday.sh
#
# Exit codes: 0 scored and recorded · 1 the export or template is invalid
# (fix the file; nothing was recorded) · 2 a missing file, a bad flag or a
# disk problem · 3 the Trust Index fell by 10 points or more, or is below 90
# (the week was still recorded).
set -u
cd "$(dirname "$0")" || exit 2
export=${1:-exports/last-week.csv}
trustidx score "$export" --record --alert-drop 10 --alert-below 90
status=$?
if [ "$status" -eq 3 ] && command -v mail >/dev/null 2>&1; then
    trustidx report --period week --last 8 | mail -s "Trust Index alert" "${TRUST_MAILTO:-marketing@example.com}"
fi
exit "$status"
