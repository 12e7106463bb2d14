import { useShallow } from 'zustand/react/shallow';
import { TextWithKeyIds } from '../components/key-id.tsx';
import { useAppStore } from '../store/use-app-store.ts';

/** Messages that concern no single file (start-up, a blob that could not be read). */
export function Notices() {
  const { notices, dismissNotice } = useAppStore(useShallow((s) => ({ notices: s.notices, dismissNotice: s.dismissNotice })));
  if (notices.length === 0) return null;
  return (
    <ul className="notices">
      {notices.map((notice) => (
        <li key={notice.id} className={`notice notice--${notice.kind}`} role={notice.kind === 'error' ? 'alert' : 'status'}>
          <span>
            <TextWithKeyIds text={notice.text} />
          </span>
          <button type="button" className="button button--quiet button--small" onClick={() => { dismissNotice(notice.id); }}>
            Dismiss
          </button>
        </li>
      ))}
    </ul>
  );
}
