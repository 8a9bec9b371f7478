// The implementation lives in @wg-sync/redact, shared with the Withings and Garmin clients so that
// all three remove the same shapes; `Redactor` stays exported from @wg-sync/core as before.
export { Redactor } from '@wg-sync/redact';
