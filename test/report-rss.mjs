/**
 * Preload that reports a process's peak memory, for the CLI's large-file
 * test: `node --import ./test/report-rss.mjs bin/keyward.js ...`. At exit it
 * writes process.resourceUsage().maxRSS (KiB) to $KEYWARD_RSS_FILE, or, if
 * that is unset, a line to stderr.
 */
import { writeFileSync } from 'node:fs';

process.on('exit', () => {
  const maxRssKiB = process.resourceUsage().maxRSS;
  const target = process.env.KEYWARD_RSS_FILE;
  if (target) writeFileSync(target, `${maxRssKiB}\n`);
  else process.stderr.write(`maxRSS ${maxRssKiB} KiB\n`);
});
