import type { KeyboardEvent } from 'react';
import { tabId, tabPanelId } from './tab-ids.ts';

export interface TabListProps<T extends string> {
  /** What the tabs choose between, e.g. "What to do". */
  label: string;
  /** Each tab's id and text, in order. */
  tabs: readonly (readonly [T, string])[];
  selected: T;
  onSelect: (id: T) => void;
  /** Ids are `${idPrefix}-tab-${id}`; every tab controls the one panel `${idPrefix}-panel`. */
  idPrefix: string;
  className?: string;
}

const MOVES: Record<string, (index: number, count: number) => number> = {
  ArrowRight: (index, count) => (index + 1) % count,
  ArrowLeft: (index, count) => (index - 1 + count) % count,
  Home: () => 0,
  End: (_, count) => count - 1,
};

/**
 * The WAI-ARIA tabs pattern (APG "Tabs with Automatic Activation"): only the
 * selected tab is in the tab order; Left and Right (wrapping), Home and End
 * move focus to another tab and select it.
 */
export function TabList<T extends string>({ label, tabs, selected, onSelect, idPrefix, className }: TabListProps<T>) {
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const move = MOVES[event.key];
    const from = tabs.findIndex(([id]) => tabId(idPrefix, id) === (event.target as HTMLElement).id);
    if (!move || from < 0 || event.altKey || event.ctrlKey || event.metaKey) return;
    event.preventDefault();
    const [id] = tabs[move(from, tabs.length)]!;
    onSelect(id);
    document.getElementById(tabId(idPrefix, id))?.focus();
  };
  return (
    <div className={className} role="tablist" aria-label={label} onKeyDown={onKeyDown}>
      {tabs.map(([id, text]) => (
        <button
          key={id}
          type="button"
          role="tab"
          id={tabId(idPrefix, id)}
          aria-selected={id === selected}
          aria-controls={tabPanelId(idPrefix)}
          tabIndex={id === selected ? 0 : -1}
          onClick={() => { onSelect(id); }}
        >
          {text}
        </button>
      ))}
    </div>
  );
}
