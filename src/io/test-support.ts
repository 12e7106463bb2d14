/** Helpers for the io tests in Chromium (not part of the app): what the OPFS temp folders hold. */
import { TEMP_DIR, tempFolder } from './temp-files.ts';

/** The names in an OPFS folder, sorted. */
export async function namesIn(folder: FileSystemDirectoryHandle): Promise<string[]> {
  const names: string[] = [];
  for await (const name of (folder as unknown as { keys(): AsyncIterable<string> }).keys()) names.push(name);
  return names.sort();
}

/** The files in one tab's temp folder (made if it is not there yet). */
export async function filesIn(session: string): Promise<string[]> {
  return namesIn(await tempFolder(session, true));
}

/** The tab folders in the temp folder. */
export async function tabFolders(): Promise<string[]> {
  return namesIn(await (await navigator.storage.getDirectory()).getDirectoryHandle(TEMP_DIR));
}
