/** Keyward v1 constants of keys and key wrapping, each with the spec section that fixes it. */
import { utf8 } from '../bytes.ts';

/** §1: the OAEP label of every wrapped file key. */
export const OAEP_LABEL = utf8('keyward/v1 file key');
/** §1: the smallest RSA modulus accepted. */
export const MIN_RSA_BITS = 2048;
/** §2: the file key is 32 random bytes, and the only secret ever wrapped. */
export const FILE_KEY_LENGTH = 32;
/** §3: the only wrapping algorithm of v1. */
export const WRAP_ALG = 'RSA-OAEP-256';
