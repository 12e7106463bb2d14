/**
 * Offering files to the user: a Blob URL clicked as `<a download>`, and many
 * files as one zip (client-zip streams it). Only verified outputs get here.
 */
import { downloadZip } from 'client-zip';

export interface Downloader {
  save(blob: Blob, name: string): void;
  saveZip(files: readonly { name: string; blob: Blob; lastModified?: Date }[], zipName: string): Promise<void>;
}

/** Object URLs live this long after the click, enough for the browser to start the download. */
const REVOKE_AFTER_MS = 60_000;

function clickDownload(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.rel = 'noopener';
  link.style.display = 'none';
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => {
    URL.revokeObjectURL(url);
  }, REVOKE_AFTER_MS);
}

export const browserDownloader: Downloader = {
  save: clickDownload,
  async saveZip(files, zipName) {
    const zip = await downloadZip(files.map((f) => ({ name: f.name, input: f.blob, lastModified: f.lastModified ?? new Date() }))).blob();
    clickDownload(zip, zipName);
  },
};
