import { type RefObject, useEffect, useRef } from 'react';

/** `moved` for a flag that was on and is now off (a step done: its button is gone with it). */
export const turnedOff = (before: boolean, now: boolean) => before && !now;
/** `moved` for a flag that was off and is now on (what to read next just appeared). */
export const turnedOn = (before: boolean, now: boolean) => !before && now;
/** `moved` for a count that went down (an item removed, its buttons with it). */
export const shrank = (before: number, now: number) => now < before;

/**
 * Moves focus to `target` when `value` changes the way `moved` says, so that
 * an action that removes its own button (Delete, Confirm, Keep) does not
 * leave focus on the page body. Never on the first render, so a reload does
 * not move focus. With `onlyIfLost`, only when focus is on the body or on an
 * element no longer in the page (an action started elsewhere keeps it).
 */
export function useFocusOnChange<T>(
  value: T,
  moved: (before: T, now: T) => boolean,
  target: RefObject<HTMLElement | null>,
  onlyIfLost = false,
): void {
  const before = useRef(value);
  useEffect(() => {
    if (moved(before.current, value)) {
      const focused = document.activeElement;
      const lost = !focused || focused === document.body || !focused.isConnected;
      if (!onlyIfLost || lost) target.current?.focus();
    }
    before.current = value;
  }, [value, moved, target, onlyIfLost]);
}
