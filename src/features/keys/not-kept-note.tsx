import { keptByService } from '../../store/slices/service-slice.ts';
import { useAppStore } from '../../store/use-app-store.ts';

/**
 * Said beside an authority or a council being pinned (or pinned already)
 * when the organisation's escrow service does not keep escrow for it: its
 * blobs would be refused there. Nothing is said when that is not known, nor
 * when the service lists it, which vouches for no key (the ID is still compared).
 */
export function NotKeptNote({ kind, id }: { kind: 'identity' | 'council'; id: string | undefined }) {
  const kept = useAppStore((s) => keptByService(s.servedAuthorities, kind, id));
  if (kept !== false) return null;
  const what = kind === 'council' ? 'council' : 'authority';
  return (
    <p className="warning">
      Your organisation’s escrow service does not keep escrow for this {what}: escrow blobs for it would not be stored there. Ask
      your officer whether this is the right {what}.
    </p>
  );
}
