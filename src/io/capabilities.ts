/**
 * One check at start-up that the browser has what Keyward needs: WebCrypto
 * with RSA-OAEP-256, AES-GCM and HKDF, web streams, and IndexedDB (absent in
 * some private modes). A failure names what is missing.
 */

export interface Capability {
  name: string;
  ok: boolean;
}

async function works(probe: () => Promise<unknown>): Promise<boolean> {
  try {
    await probe();
    return true;
  } catch {
    return false;
  }
}

/** Probes each capability once; never throws. */
export async function checkCapabilities(): Promise<Capability[]> {
  const subtle = globalThis.crypto.subtle as SubtleCrypto | undefined;
  const hasSubtle = subtle !== undefined;
  const probes: [string, () => Promise<unknown>][] = [
    ['WebCrypto AES-GCM', () => subtle!.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt'])],
    ['WebCrypto HKDF', () => subtle!.importKey('raw', new Uint8Array(32), 'HKDF', false, ['deriveBits'])],
    [
      'WebCrypto RSA-OAEP-256',
      () =>
        subtle!.generateKey(
          { name: 'RSA-OAEP', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
          false,
          ['encrypt', 'decrypt'],
        ),
    ],
  ];
  const results = await Promise.all(probes.map(async ([name, probe]) => ({ name, ok: hasSubtle && (await works(probe)) })));
  results.push({ name: 'Web streams', ok: typeof TransformStream === 'function' && typeof ReadableStream === 'function' });
  results.push({ name: 'IndexedDB', ok: typeof indexedDB !== 'undefined' });
  return results;
}
