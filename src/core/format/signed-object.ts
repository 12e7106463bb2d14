/**
 * Keyward v2 §1: telling every blob and receipt apart (v1 and v2), and how
 * a signed object is written.
 */
import { canonicalJson, isPlainObject, stringField } from '../canonical.ts';
import { KeywardError } from '../errors.ts';
import { parseJson } from '../json.ts';
import { ESCROW_FORMAT, ESCROW_FORMAT_V2, RECEIPT_FORMAT, RECOVERY_FORMAT, RECOVERY_FORMAT_V2 } from './constants.ts';
import { type KeyBlob, parseBlob } from './escrow-blob.ts';
import { DRILL_FORMAT, type DrillReport, parseDrillReport } from './drill.ts';
import { type EscrowBlobV2, parseEscrowBlobV2 } from './escrow-v2.ts';
import { type ReceiptV2, parseReceipt } from './receipt.ts';
import { type PartialRecoveryBlob, isPartialValue, parsePartialRecovery } from './partial.ts';
import { type RecoveryBlobV2, parseRecoveryBlobV2 } from './recovery-v2.ts';

/** A signed object of v2 (§4–§6, §8.4, §8.5). */
export type SignedObject = EscrowBlobV2 | ReceiptV2 | RecoveryBlobV2 | PartialRecoveryBlob | DrillReport;

/** What a writer writes (v2 §1): `canonical(object)` and one `\n`. */
export function serializeSigned(object: SignedObject): string {
  return `${canonicalJson(object)}\n`;
}

/** Which signed object a text is, parsed strictly. */
export type AnySignedObject =
  | { kind: 'escrow-v1' | 'recovery-v1'; blob: KeyBlob }
  | { kind: 'escrow-v2'; blob: EscrowBlobV2 }
  | { kind: 'receipt'; receipt: ReceiptV2 }
  | { kind: 'recovery-v2'; blob: RecoveryBlobV2 }
  | { kind: 'partial'; blob: PartialRecoveryBlob }
  | { kind: 'drill'; report: DrillReport };

/**
 * Tells v1 and v2 escrow and recovery blobs, council members' partial
 * recovery blobs (a `keyward-recovery/2` whose `issuer.kind` is `"member"`)
 * receipts and drill reports apart, and parses each strictly (v1 blobs as v1 §5 reads them).
 *
 * @throws KeywardError `MALFORMED`
 */
export function parseSignedObject(text: string): AnySignedObject {
  const value = parseJson(text, { what: 'the blob' });
  if (!isPlainObject(value)) throw new KeywardError('MALFORMED', { reason: 'the blob must be a JSON object' });
  const format = stringField(value.format, 'format');
  switch (format) {
    case ESCROW_FORMAT:
      return { kind: 'escrow-v1', blob: parseBlob(value, ESCROW_FORMAT) };
    case RECOVERY_FORMAT:
      return { kind: 'recovery-v1', blob: parseBlob(value, RECOVERY_FORMAT) };
    case ESCROW_FORMAT_V2:
      return { kind: 'escrow-v2', blob: parseEscrowBlobV2(value) };
    case RECEIPT_FORMAT:
      return { kind: 'receipt', receipt: parseReceipt(value) };
    case RECOVERY_FORMAT_V2:
      return isPartialValue(value) ? { kind: 'partial', blob: parsePartialRecovery(value) } : { kind: 'recovery-v2', blob: parseRecoveryBlobV2(value) };
    case DRILL_FORMAT:
      return { kind: 'drill', report: parseDrillReport(value) };
    default:
      throw new KeywardError('MALFORMED', { reason: 'format is not a Keyward blob or receipt format' });
  }
}

