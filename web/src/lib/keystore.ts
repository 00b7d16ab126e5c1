// Where private messages' state lives on the device: the armored,
// passphrase-protected private key of each account, the keys pinned for
// other users (trust on first use), and which conversations are private.
// IndexedDB in the page ("salon-private", one object store of string keys);
// a Map where there is none (Node, the unit tests).

export interface KeyStore {
  get<T>(key: string): Promise<T | undefined>;
  put(key: string, value: unknown): Promise<void>;
  del(key: string): Promise<void>;
}

/** A pinned key: its fingerprint and its binary form (base64), to verify old messages after a change. */
export interface Pin {
  fingerprint: string;
  key: string;
}

// Keys of the store: per account pseudo, so two accounts on one browser
// keep apart.
export const keyOf = {
  privateKey: (account: string) => `key/${account}`,
  pin: (account: string, user: number) => `pin/${account}/${user}`,
  privateConv: (account: string, conv: string) => `private/${account}/${conv}`,
};

export function memoryStore(): KeyStore {
  const m = new Map<string, unknown>();
  return {
    get: async <T>(k: string) => m.get(k) as T | undefined,
    put: async (k, v) => void m.set(k, v),
    del: async (k) => void m.delete(k),
  };
}

/** The browser's IndexedDB, or memory when it is missing or refused (a private window may refuse it). */
export function deviceStore(): KeyStore {
  const idb = (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  if (!idb) return memoryStore();
  let db: Promise<IDBDatabase> | null = null;
  const open = () =>
    (db ??= new Promise((resolve, reject) => {
      const r = idb.open('salon-private', 1);
      r.onupgradeneeded = () => r.result.createObjectStore('kv');
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(new Error(`the browser's storage refused: ${r.error?.message ?? 'unknown error'}`));
    }));
  const run = async <T>(mode: IDBTransactionMode, f: (s: IDBObjectStore) => IDBRequest): Promise<T> => {
    const d = await open();
    return new Promise<T>((resolve, reject) => {
      const tx = d.transaction('kv', mode);
      const req = f(tx.objectStore('kv'));
      tx.oncomplete = () => resolve(req.result as T);
      tx.onerror = () => reject(new Error(`the browser's storage refused: ${tx.error?.message ?? 'unknown error'}`));
    });
  };
  return {
    get: <T>(k: string) => run<T | undefined>('readonly', (s) => s.get(k)),
    put: (k, v) => run<void>('readwrite', (s) => s.put(v, k)).then(() => undefined),
    del: (k) => run<void>('readwrite', (s) => s.delete(k)).then(() => undefined),
  };
}
