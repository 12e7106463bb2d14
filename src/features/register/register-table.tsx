import { memo } from 'react';
import { useProgressiveCount } from '../../components/use-progressive-count.ts';
import { escrowState } from '../../store/slices/register-slice.ts';
import { depositLabel } from '../../store/slices/service-slice.ts';
import { useAppStore } from '../../store/use-app-store.ts';
import { formatBytes, formatDate, formatKeyIdForHumans } from '../../store/format.ts';
import type { RegisterEntry } from '../../store/types.ts';

/**
 * Where an entry's encrypted file is: still in this tab (not downloaded), downloaded (or saved) from this tab,
 * or not here at all (encrypted before the last reload or in another tab: only a copy saved then exists).
 */
export type FileWhere = 'in-tab' | 'downloaded' | 'gone';

const WHERE: Record<FileWhere, string> = {
  'in-tab': 'Only in this tab: download it under Encrypt',
  downloaded: 'Downloaded',
  gone: 'Not kept here: only a copy downloaded earlier exists',
};

const COLUMNS = ['File', 'Serial', 'Encrypted', 'Authority', 'Size', 'Encrypted file', 'Escrow blob'] as const;


/**
 * The register as a table, newest first; each escrow blob can be downloaded again, byte for byte.
 * On a narrow screen each row is a card (styles.css); the explicit roles keep it a table for screen
 * readers there, and `data-label` names each cell's column on screen.
 */
export function RegisterTable({ entries, where }: { entries: readonly RegisterEntry[]; where: ReadonlyMap<string, FileWhere> }) {
  const shown = useProgressiveCount(entries.length);
  return (
    <div className="register-table">
      <table role="table">
        <caption>Files encrypted in this browser</caption>
        <thead role="rowgroup">
          <tr role="row">
            {COLUMNS.map((column) => (
              <th key={column} scope="col" role="columnheader">
                {column}
              </th>
            ))}
          </tr>
        </thead>
        <tbody role="rowgroup">
          {entries.slice(0, shown).map((entry) => (
            <RegisterRow key={entry.fileId} entry={entry} where={where.get(entry.fileId) ?? 'gone'} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** One register entry; memoized, so a new entry does not re-render (and re-format) every other row. */
const RegisterRow = memo(function RegisterRow({ entry, where }: { entry: RegisterEntry; where: FileWhere }) {
  const downloadRegisterEscrow = useAppStore((s) => s.downloadRegisterEscrow);
  // The owner's own name for the pinned authority, as stored now (renamed since, it shows the new name).
  const authorityName = useAppStore((s) => {
    const id = entry.authority.identityId;
    return id === undefined ? undefined : s.keys.find((k) => k.role === 'authority' && k.identity?.id === id)?.name;
  });
  const state = escrowState(entry, authorityName);
  // At the escrow service (when one is configured): not sent, stored (a verified acknowledgement), checked by NAME.
  const deposit = useAppStore((s) => depositLabel(entry, s.deposits[entry.fileId], s.serviceConfigured));
  return (
    <tr role="row">
      <th scope="row" role="rowheader" className="register-table__file">
        <span className="row__name">{entry.name}</span>
        {entry.description && <span className="row__meta register-table__description">{entry.description}</span>}
      </th>
      <td role="cell" data-label="Serial">
        <span className="serial">{entry.serial}</span>
      </td>
      <td role="cell" data-label="Encrypted">
        <time dateTime={new Date(entry.encryptedAt).toISOString()}>{formatDate(entry.encryptedAt)}</time>
      </td>
      <td role="cell" data-label="Authority">
        <span
          className="register-table__authority"
          title={`${entry.authority.council ? 'Council ID' : 'Key ID'} ${formatKeyIdForHumans(entry.authority.keyId)}`}
        >
          {entry.authority.name}
        </span>
        {entry.authority.council && (
          <span className="row__meta">
            {' '}
            (council, {entry.authority.council.threshold} of {entry.authority.council.members})
          </span>
        )}
      </td>
      <td role="cell" data-label="Size" className="register-table__nowrap">
        {formatBytes(entry.size)}
      </td>
      <td role="cell" data-label="Encrypted file" className={where === 'in-tab' ? 'warning' : 'row__meta'}>
        {WHERE[where]}
      </td>
      <td role="cell" data-label="Escrow blob" className="register-table__action">
        {/* Whether the authority confirmed it holds this blob (a receipt), above the blob itself. */}
        <span className={`register-table__escrow ${entry.receipt ? 'status--done' : 'row__meta'}`}>{state}</span>
        {deposit && <span className="register-table__escrow row__meta">Escrow service: {deposit}</span>}
        <button
          type="button"
          className="button button--quiet button--small"
          aria-label={`Download escrow blob for ${entry.name}`}
          onClick={() => {
            downloadRegisterEscrow(entry.fileId);
          }}
        >
          Download escrow blob
        </button>
      </td>
    </tr>
  );
});
