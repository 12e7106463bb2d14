/**
 * The CLI's ceiling: raw node:crypto AES-256-GCM over the same file, chunk by
 * chunk as Keyward's STREAM does (a fresh nonce per chunk, a 16-byte tag
 * after each), read with a file stream and written with one fsync at the end
 * (the CLI also fsyncs its temporary file before renaming it). No header, no
 * key wrapping, no checks: the fastest a Node program can do the same work.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';

const TAG = 16;
const nonce = (index: number) => {
  const iv = Buffer.alloc(12);
  iv.writeUInt32BE(index, 8);
  return iv;
};

/** Encrypts `input` into `output`; returns the key for `rawDecrypt`. */
export async function rawEncrypt(input: string, output: string, chunkSize: number): Promise<Buffer> {
  const key = randomBytes(32);
  const out = await open(output, 'w');
  try {
    let index = 0;
    for await (const chunk of createReadStream(input, { highWaterMark: chunkSize })) {
      const cipher = createCipheriv('aes-256-gcm', key, nonce(index++));
      await out.write(Buffer.concat([cipher.update(chunk as Buffer), cipher.final(), cipher.getAuthTag()]));
    }
    await out.sync();
  } finally {
    await out.close();
  }
  return key;
}

/** Decrypts what `rawEncrypt` wrote, verifying every tag. */
export async function rawDecrypt(input: string, output: string, chunkSize: number, key: Buffer): Promise<void> {
  const out = await open(output, 'w');
  try {
    let index = 0;
    for await (const piece of createReadStream(input, { highWaterMark: chunkSize + TAG })) {
      const sealed = piece as Buffer;
      const decipher = createDecipheriv('aes-256-gcm', key, nonce(index++));
      decipher.setAuthTag(sealed.subarray(sealed.length - TAG));
      await out.write(Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG)), decipher.final()]));
    }
    await out.sync();
  } finally {
    await out.close();
  }
}
