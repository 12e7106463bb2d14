/**
 * Councils at the desk (spec v2 §8), authority mode. Accessible names the
 * Playwright journeys use (keep them stable):
 *
 * Set up a council (`CouncilSetup`): section heading "Set up a council";
 *   "Member’s public identity (PEM or JWK)" (textarea), "Or choose the member’s public identity file"
 *   (file input), "Member name", button "Add member"; list "Council members" of items named by the member
 *   name, each with button "Remove NAME"; "Council name", select "Threshold (members needed to recover)"
 *   (options "1 of N" … "N of N", values "1" … "N"), button "Create council"; then group "The council ID to
 *   read out" with the saved `NAME.keyward-council.json` and the council ID (`code[data-key-id]`).
 *
 * A member's check and partial (the escrow case, `features/escrow`): the member imports their private
 *   identity with "Import authority key pair" as today; "Choose escrow blobs"; group "Escrow blob details"
 *   whose status reads "Your share checked: …" and "One member’s check cannot prove that the shares
 *   combine to the file key. A drill with K members of the council does." (k = 1: "Checked: … opens file");
 *   "Owner's new public identity (PEM or JWK)", group "The new identity to compare", checkbox "I compared
 *   this identity ID with the owner, by phone or in person", button "Download partial recovery blob"
 *   (`SERIAL-member-I.keyward-partial.json`); button "Download receipt".
 *
 * Council drill (`DrillPanel`): section heading "Council drill"; "Member’s private identity (PEM or JWK)",
 *   "Or choose the member’s private identity file", "Passphrase" (shown for an encrypted identity),
 *   button "Load member identity"; buttons "Add this desk’s identity “NAME”" for
 *   the desk's own stored identities; list "Members present" of items named "Member I “NAME”"; drop zone
 *   group "Drop the drill’s sample of blobs" and its file input "Choose blobs for the drill";
 *   button "Run the drill"; group "Drill result" with a status "The drill passed: …" or "The drill
 *   failed: …", list "Drill results" of items named by blob file name (badge "GOOD" or the code, and
 *   the code's sentence as an alert with `data-code`); button "Download drill report"
 *   (`keyward-drill.json`). Fewer than k members: an alert with `data-code="QUORUM_NOT_MET"`, no result.
 */
export { CouncilSetup } from './council-setup.tsx';
export { DrillPanel } from './drill-panel.tsx';
