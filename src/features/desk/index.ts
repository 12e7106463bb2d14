/**
 * The authority's desk at the escrow service (authority mode), shown only when
 * the app has a service. Accessible names the Playwright journeys use (keep
 * them stable):
 *
 * Section heading "Escrow service desk". Signed out: form "Sign in to the escrow service" with
 *   "Your private identity (PEM or JWK)" (textarea), "Or choose your private identity file" (file input),
 *   "Passphrase" (for an encrypted identity), button "Sign in", buttons "Sign in as this desk’s identity “NAME”";
 *   a refusal is an alert with `data-code` (`NOT_PERMITTED` for someone neither officer nor council member).
 * Signed in: status "Signed in as NAME (ROLES) …", button "Sign out"; form "Search the deposits" with
 *   "Owner’s identity ID", "Serial", "Words of the description", "Stored from", "Stored until" (dates), button
 *   "Search"; status "N deposits found."; list "Deposits found" of items "File SERIAL"; button "More results".
 * Group "Export and receipts": button "Export the N deposits found" (downloads `keyward-bundle-DATE.json` and
 *   hands its blobs to "Recover from an escrow blob"); list "Blobs of the bundle" of items "File SERIAL" with a
 *   badge "Checked" / "Check failed", button "Upload receipt for SERIAL" and the outcome ("Receipt stored by
 *   the service (audit entry N) …" or an alert); button "Upload every receipt".
 * Group "Upload receipt files": file input "Choose receipt files to upload"; list "Receipt files uploaded" of
 *   items named by file name, each "Stored by the service …" or an alert with the service's code.
 * Group "Audit log": button "Download and verify the audit log" (`keyward-audit-DATE.json`); group "Audit log
 *   verified" with "The audit log verifies: N entries" and the head (`code[data-head]`), or an alert
 *   `data-code="AUDIT_BROKEN"` naming the first entry that does not hold.
 */
export { DeskPanel } from './desk-panel.tsx';
