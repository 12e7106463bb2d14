/**
 * Where the browser has `showSaveFilePicker` (Chromium on the desktop), the
 * person picks where an output goes and the Worker streams it there (see
 * `output-sink.ts`, target `file`): nothing passes through memory or OPFS,
 * and the browser replaces the picked file only once the output verified.
 */

export interface SavePicker {
  /** Asks where to save; null when the person closed the picker. Must run in a click. */
  pick(suggestedName: string): Promise<FileSystemFileHandle | null>;
}

type ShowSaveFilePicker = (options: { suggestedName?: string }) => Promise<FileSystemFileHandle>;

/** The browser's save picker, or undefined where there is none (Firefox, Safari, mobile, headless). */
export function browserSavePicker(): SavePicker | undefined {
  const show = (globalThis as { showSaveFilePicker?: ShowSaveFilePicker }).showSaveFilePicker;
  if (typeof show !== 'function') return undefined;
  return {
    async pick(suggestedName) {
      try {
        return await show.call(globalThis, { suggestedName });
      } catch (error) {
        if (error instanceof DOMException && error.name === 'AbortError') return null;
        throw error;
      }
    },
  };
}
