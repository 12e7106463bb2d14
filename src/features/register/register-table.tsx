import { memo } from 'react';
import { useProgressiveCount } from '../../components/use-progressive-count.ts';
import { useAppStore } from '../../store/use-app-store.ts';
import { formatBytes, formatDate } from '../../store/format.ts';
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

/** The register as a table, newest first; each escrow blob can be downloaded again, byte for byte. */
export function RegisterTable({ entries, where }: { entries: readonly RegisterEntry[]; where: ReadonlyMap<string, FileWhere> }) {
  const shown = useProgressiveCount(entries.length);
  return (
    <div className="register-table">
      <table>
        <caption>Files encrypted in this browser</caption>
        <thead>
          <tr>
            <th scope="col">File</th>
            <th scope="col">Serial</th>
            <th scope="col">Encrypted</th>
            <th scope="col">Authority</th>
            <th scope="col">Size</th>
            <th scope="col">Encrypted file</th>
            <th scope="col">Escrow blob</th>
          </tr>
        </thead>
        <tbody>
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
  return (
    <tr>
      <th scope="row" className="register-table__file">
        <span className="row__name">{entry.name}</span>
        {entry.description && <span className="row__meta register-table__description">{entry.description}</span>}
      </th>
      <td>
        <span className="serial">{entry.serial}</span>
      </td>
      <td className="register-table__nowrap">
        <time dateTime={new Date(entry.encryptedAt).toISOString()}>{formatDate(entry.encryptedAt)}</time>
      </td>
      <td>
        <span className="register-table__authority" title={entry.authority.keyId}>
          {entry.authority.name}
        </span>
      </td>
      <td className="register-table__nowrap">{formatBytes(entry.size)}</td>
      <td className={where === 'in-tab' ? 'warning' : 'row__meta'}>{WHERE[where]}</td>
      <td>
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
